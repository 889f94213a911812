/**
 * Dependency rules (threats.md, "Dependencies"): inventory the third-party packages bundled in
 * `node_modules/`, `*.dist-info/` and `*.egg-info/`, look their versions up in OSV, and judge the advisories.
 *
 * Three steps, so that only the middle one does I/O:
 * 1. `dependencyInventory` (a FileRules) reports each package root to `sink.dependency` while
 *    the archive streams;
 * 2. `lookupAdvisories(dependencies, client)` asks OSV once per distinct package version;
 * 3. `matchAdvisories(dependencies, lookup, sink)` re-evaluates every record against the version
 *    (pure) and reports one finding per advisory per file.
 */
import type { OsvClient, OsvEcosystem, OsvRecord } from '../../adapters/osv.ts';
import { OsvError } from '../../adapters/osv.ts';
import { isObject } from '../../core/guards.ts';
import { defineRules } from '../types.ts';
import type { Dependency, FileRules, ScannedFile, ScanSink } from '../types.ts';
import { evaluate, normalizePackageName } from '../versions.ts';

export const DEPENDENCY_RULES = defineRules({
  'dependency-malicious': {
    severity: 'reject',
    summary: 'A bundled package version is a known malicious release (an OSV `MAL-` record).',
  },
  'dependency-vulnerable': {
    severity: 'review',
    summary: 'A bundled package version is affected by a published advisory.',
  },
  'dependency-unevaluable': {
    severity: 'review',
    summary: "An advisory names a bundled package, but the package's version cannot be placed in its affected ranges.",
  },
  'dependency-unidentified': {
    severity: 'review',
    summary:
      'A bundled package root does not declare a readable name and version, so it cannot be checked against OSV.',
  },
  'dependency-osv-unavailable': {
    severity: 'review',
    summary: 'The OSV database could not be queried, so the bundled packages were not checked.',
  },
});

const RULES = DEPENDENCY_RULES;

// ---------------------------------------------------------------------------------------------
// 1. Inventory

/** What kind of package root a bundle path is, if any. */
export function packageManifestKind(path: string): 'package.json' | 'METADATA' | undefined {
  // Runs for every file: look at the name before splitting the path.
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name !== 'package.json' && name !== 'METADATA' && name !== 'PKG-INFO') return undefined;
  const segments = path.split('/');
  const last = segments.length - 1;
  if (segments[last] === 'METADATA') {
    return last >= 1 && segments[last - 1]!.endsWith('.dist-info') ? 'METADATA' : undefined;
  }
  // Setuptools' older layout, which Debian's python3-* packages still ship: the same core
  // metadata format, in `<name>.egg-info/PKG-INFO`.
  if (segments[last] === 'PKG-INFO') {
    return last >= 1 && segments[last - 1]!.endsWith('.egg-info') ? 'METADATA' : undefined;
  }
  if (segments[last] !== 'package.json') return undefined;
  // Only the package's own root: node_modules/<name>/package.json or node_modules/@scope/<name>/package.json.
  // Nested ones (node_modules/x/lib/package.json, …/dist/esm/package.json) only set a module type.
  const at = segments.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const rest = segments.slice(at + 1, last);
  const isName = (s: string | undefined) => s !== undefined && s !== '' && !s.startsWith('.') && !s.startsWith('@');
  if (rest.length === 1 && isName(rest[0])) return 'package.json';
  if (rest.length === 2 && /^@[^.]/.test(rest[0]!) && isName(rest[1])) return 'package.json';
  return undefined;
}

/** npm's own limit on package names; a version string is never near this long. */
const MAX_FIELD_LENGTH = 214;

export interface PackageIdentity {
  name: string;
  version: string;
}

/** Name and version from a parsed package.json (undefined: it did not parse), or a reason it has none. */
function packageJsonIdentity(value: unknown): PackageIdentity | string {
  if (value === undefined) return 'it is not valid JSON';
  if (!isObject(value)) return 'it is not a JSON object';
  return identity(value.name, value.version);
}

/**
 * Name and version from Python core metadata (https://packaging.python.org/specifications/core-metadata/):
 * RFC 822 style headers up to the first blank line, after which the description begins.
 */
export function readCoreMetadata(content: Buffer): PackageIdentity | string {
  const headers = new Map<string, string>();
  for (const line of content.toString('utf8').split(/\r?\n/)) {
    if (line.trim() === '') break;
    if (/^[ \t]/.test(line)) continue; // a folded continuation, only used by long fields such as License
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    // The first occurrence wins: a second `Version:` further down cannot override the first.
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  const name = headers.get('name');
  // Core metadata names: ASCII letters, digits, `.`, `_`, `-`, starting and ending alphanumeric.
  if (name !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name))
    return `Name ${plain(name)} is not valid`;
  return identity(name, headers.get('version'));
}

function identity(name: unknown, version: unknown): PackageIdentity | string {
  const field = (value: unknown, label: string) => {
    if (typeof value !== 'string' || value.trim() === '') return `it has no ${label}`;
    if (value.length > MAX_FIELD_LENGTH) return `its ${label} is over ${MAX_FIELD_LENGTH} characters`;
    if (/[\s\p{C}]/u.test(value)) return `its ${label} contains whitespace or control characters`;
    return undefined;
  };
  const problem = field(name, 'name') ?? field(version, 'version');
  return problem ?? { name: name as string, version: version as string };
}

/** Reports every bundled package root to `sink.dependency`, and the ones that cannot be identified. */
export const dependencyInventory: FileRules = {
  scanFile(file: ScannedFile, sink: ScanSink): void {
    const kind = packageManifestKind(file.path);
    if (!kind) return;
    const ecosystem: OsvEcosystem = kind === 'package.json' ? 'npm' : 'PyPI';
    const found =
      file.content === undefined
        ? `it is larger than the scanner reads (${file.size} bytes)`
        : kind === 'package.json'
          ? packageJsonIdentity(file.json)
          : readCoreMetadata(file.content);
    if (typeof found === 'string') {
      sink.finding(
        RULES['dependency-unidentified'],
        file.path,
        `${file.path} marks a bundled ${ecosystem} package, but ${found}, so it was not checked for known ` +
          `vulnerabilities or malware. Bundle the package as published by its registry.`,
        { origin: 'dependency' },
      );
      return;
    }
    sink.dependency({ ecosystem, name: found.name, version: found.version, file: file.path });
  },
};

// ---------------------------------------------------------------------------------------------
// 2. Lookup (I/O, through the OsvClient interface)

/** Identifies a package version across paths: the same name@version bundled twice is looked up once. */
export function dependencyKey(dependency: Pick<Dependency, 'ecosystem' | 'name' | 'version'>): string {
  return `${dependency.ecosystem}:${normalizePackageName(dependency.ecosystem, dependency.name)}@${dependency.version}`;
}

export type AdvisoryLookup =
  | { ok: true; /** Records by `dependencyKey`, sorted by id. */ advisories: Map<string, OsvRecord[]> }
  | { ok: false; error: OsvError };

/**
 * Ask OSV which advisories concern the bundled packages: one querybatch over the distinct package
 * versions, then each distinct record once. An OSV failure is returned, not thrown, so the scan
 * can report it as a finding; any other error is a bug and propagates.
 */
export async function lookupAdvisories(
  dependencies: readonly Dependency[],
  client: OsvClient,
  options: { concurrency?: number } = {},
): Promise<AdvisoryLookup> {
  const unique = new Map<string, { ecosystem: OsvEcosystem; name: string; version: string }>();
  for (const dep of dependencies) {
    const key = dependencyKey(dep);
    if (!unique.has(key)) {
      unique.set(key, {
        ecosystem: dep.ecosystem,
        name: normalizePackageName(dep.ecosystem, dep.name),
        version: dep.version,
      });
    }
  }
  const keys = [...unique.keys()];
  try {
    const ids = unique.size === 0 ? [] : await client.queryBatch([...unique.values()]);
    const records = new Map<string, OsvRecord>();
    const wanted = [...new Set(ids.flat())].sort();
    await forEachLimited(wanted, options.concurrency ?? 8, async (id) => {
      records.set(id, await client.getVulnerability(id));
    });
    const advisories = new Map<string, OsvRecord[]>();
    keys.forEach((key, i) => {
      const found = [...new Set(ids[i] ?? [])].sort().map((id) => records.get(id)!);
      if (found.length > 0) advisories.set(key, found);
    });
    return { ok: true, advisories };
  } catch (error) {
    if (error instanceof OsvError) return { ok: false, error };
    throw error;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

// ---------------------------------------------------------------------------------------------
// 3. Matching (pure)

/** An OSV record for a malicious package: the ossf/malicious-packages `MAL-` ids, or an alias to one. */
export function isMaliciousRecord(record: OsvRecord): boolean {
  return record.id.startsWith('MAL-') || (record.aliases ?? []).some((alias) => alias.startsWith('MAL-'));
}

/**
 * Report the advisories that affect each bundled package. Findings are per advisory and per file:
 * the same vulnerable name@version bundled at two paths is two copies to upgrade, and a
 * maintainer's acknowledgement of one path must not silence another.
 */
export function matchAdvisories(dependencies: readonly Dependency[], lookup: AdvisoryLookup, sink: ScanSink): void {
  if (!lookup.ok) {
    // Fail closed: no answer from OSV is not a clean answer.
    if (dependencies.length > 0) {
      sink.finding(
        RULES['dependency-osv-unavailable'],
        '',
        `${dependencies.length} bundled package(s) could not be checked against OSV: ${lookup.error.message} ` +
          'Re-run the scan once the OSV API answers again.',
        { origin: 'dependency' },
      );
    }
    return;
  }
  for (const dep of dependencies) {
    for (const record of lookup.advisories.get(dependencyKey(dep)) ?? []) {
      const result = evaluate(record, dep.ecosystem, dep.name, dep.version);
      if (result.status === 'not-affected') continue;
      const pkg = `${plain(dep.name)}@${plain(dep.version)}`;
      const link = `https://osv.dev/vulnerability/${record.id}`;
      const about = `${record.id}${aliasList(record)}${record.summary ? `: ${oneLine(record.summary)}` : ''}`;
      if (result.status === 'unknown') {
        sink.finding(
          RULES['dependency-unevaluable'],
          dep.file,
          `${pkg} is named by ${about}, but its version could not be placed in the affected ranges (${result.reason}). ` +
            `Check ${link} by hand, or bundle a version with a standard ${dep.ecosystem === 'npm' ? 'SemVer' : 'PEP 440'} number.`,
          { origin: 'dependency' },
        );
      } else if (isMaliciousRecord(record)) {
        sink.finding(
          RULES['dependency-malicious'],
          dep.file,
          `${pkg} is a known malicious release according to ${about}. Remove it, rebuild the bundle from a clean lock file, ` +
            `and rotate every secret the build machine held. See ${link}.`,
          { origin: 'dependency' },
        );
      } else {
        const fix = result.fixed
          ? `Upgrade it to ${plain(result.fixed)} or later and rebuild the bundle.`
          : 'No fixed version is published: replace the package, or ask a maintainer to acknowledge the finding.';
        sink.finding(RULES['dependency-vulnerable'], dep.file, `${pkg} is affected by ${about}. ${fix} See ${link}.`, {
          origin: 'dependency',
        });
      }
    }
  }
}

function aliasList(record: OsvRecord): string {
  const aliases = (record.aliases ?? []).filter((a) => a !== record.id);
  return aliases.length > 0 ? ` (${aliases.map(oneLine).join(', ')})` : '';
}

/** Advisory text on one line, shortened: it ends up in PR annotations. */
function oneLine(text: string): string {
  const flat = text.replace(/[\s\p{C}]+/gu, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/**
 * Bundle-supplied strings reach PR annotations: whitespace and invisible characters are shown as
 * escapes, so none can start a new annotation line or hide text. (The inventory already refuses
 * them in names and versions; this covers dependencies from any other source.)
 */
function plain(value: string): string {
  return value.replace(/[\s\p{C}]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
