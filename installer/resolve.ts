/**
 * Which version to install: pure, from the record, a semver range, the platform and the runtimes
 * found on this machine. A yanked version is never chosen (and refused when named exactly); a
 * deprecated one is chosen with a warning.
 */
import semver from 'semver';
import type { RecordVersion, ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { InstallerError } from './errors.ts';

export const UNVERSIONED = '0.0.0-unversioned';

export interface Runtimes {
  node?: string;
  python3?: string;
  uv?: string;
  docker?: string;
}

export interface Compatibility {
  platforms?: string[];
  runtimes?: Record<string, string>;
}

export interface Resolution {
  version: RecordVersion;
  warnings: string[];
}

/** The compatibility block of the version's bundle, when the record carries one. */
export function compatibilityOf(version: RecordVersion): Compatibility | undefined {
  for (const artifact of version.artifacts) {
    const compatibility = (artifact as { compatibility?: Compatibility }).compatibility;
    if (compatibility) return compatibility;
  }
  return undefined;
}

export function resolveVersion(
  record: ServerRecord,
  range: string | undefined,
  context: { platform: string; runtimes: Runtimes; compatibility?: (v: RecordVersion) => Compatibility | undefined },
): Resolution {
  const warnings: string[] = [];
  const exact = range !== undefined ? record.versions.find((v) => v.version === range) : undefined;
  if (exact?.status === 'yanked')
    throw new InstallerError(
      'version-yanked',
      `${record.name}@${exact.version} was yanked${exact.statusMessage ? `: ${exact.statusMessage}` : ''}; refused.`,
      {
        field: 'version',
      },
    );
  if (range !== undefined && !exact && semver.validRange(range) === null)
    throw new InstallerError('usage', `${range} is neither a version of ${record.name} nor a semver range.`, {
      field: 'version',
    });
  const candidates = exact
    ? [exact]
    : record.versions.filter(
        (v) =>
          v.status !== 'yanked' &&
          (range === undefined
            ? true
            : semver.valid(v.version) !== null && semver.satisfies(v.version, range, { includePrerelease: false })),
      );
  const yankedMatches = record.versions.filter(
    (v) =>
      v.status === 'yanked' && range !== undefined && semver.valid(v.version) && semver.satisfies(v.version, range),
  );
  const incompatible: string[] = [];
  const sorted = [...candidates].sort((a, b) => compareVersions(b.version, a.version));
  for (const version of sorted) {
    const problem = incompatibility(context.compatibility?.(version) ?? compatibilityOf(version), context);
    if (problem) {
      incompatible.push(`${version.version}: ${problem}`);
      continue;
    }
    if (version.status === 'deprecated')
      warnings.push(
        `${record.name}@${version.version} is DEPRECATED${version.statusMessage ? `: ${version.statusMessage}` : ''}.`,
      );
    if (record.status === 'deprecated')
      warnings.push(
        `${record.name} is DEPRECATED${record.statusMessage ? `: ${record.statusMessage}` : ''}${record.replacedBy ? `; use ${record.replacedBy}` : ''}.`,
      );
    return { version, warnings };
  }
  if (incompatible.length)
    throw new InstallerError(
      'no-compatible-version',
      `No version of ${record.name} runs here: ${incompatible.join('; ')}.`,
      {
        field: 'compatibility',
      },
    );
  if (yankedMatches.length && candidates.length === 0)
    throw new InstallerError(
      'version-yanked',
      `Every version of ${record.name} matching ${range} was yanked; refused.`,
      { field: 'version' },
    );
  throw new InstallerError('version-not-found', `${record.name} has no version matching ${range ?? 'any'}.`, {
    field: 'version',
  });
}

/** Semver order where both are semver; otherwise the record's own order is kept (highest first). */
function compareVersions(a: string, b: string): number {
  if (a === UNVERSIONED) return -1;
  if (b === UNVERSIONED) return 1;
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return 0;
}

const RUNTIME_ALIASES: Record<string, keyof Runtimes> = {
  node: 'node',
  python: 'python3',
  python3: 'python3',
  uv: 'uv',
  docker: 'docker',
};

export function incompatibility(
  compat: Compatibility | undefined,
  context: { platform: string; runtimes: Runtimes },
): string | undefined {
  if (!compat) return undefined;
  if (compat.platforms && !compat.platforms.includes(context.platform))
    return `needs ${compat.platforms.join(' or ')}, this is ${context.platform}`;
  for (const [name, range] of Object.entries(compat.runtimes ?? {})) {
    const key = RUNTIME_ALIASES[name];
    if (!key) continue;
    const found = context.runtimes[key];
    if (!found) return `needs ${name} ${range}, which is not installed`;
    const coerced = semver.coerce(found);
    if (coerced && semver.validRange(range) && !semver.satisfies(coerced, range))
      return `needs ${name} ${range}, found ${found}`;
  }
  return undefined;
}

/** Which update an installed version may take: patch and minor freely, major only when asked. */
export function updateKind(from: string, to: string): 'none' | 'patch' | 'minor' | 'major' | 'other' {
  const a = semver.valid(from);
  const b = semver.valid(to);
  if (!a || !b) return from === to ? 'none' : 'other';
  if (!semver.gt(b, a)) return 'none';
  if (semver.major(b) !== semver.major(a)) return 'major';
  if (semver.minor(b) !== semver.minor(a)) return 'minor';
  return 'patch';
}
