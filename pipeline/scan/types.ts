/**
 * The contract between the bundle reader, the rule families and the scan stage.
 * Data shapes that leave the scanner (findings, capabilities, pins, dependencies) come from
 * schemas/scan-report.schema.json; this file only adds the in-process interfaces.
 */
import type { Capability, CodeOrigin, Dependency, FindingSeverity, ScanFinding } from '../core/schema-types.gen.ts';

export type { Capability, CodeOrigin, Dependency, FindingSeverity, ScanFinding };

/** A rule's fixed facts. Its id is stable forever; changing what it matches bumps the rule set version. */
export interface RuleDefinition {
  id: string;
  /** Severity in the publisher's own code. */
  severity: FindingSeverity;
  /** Severity inside bundled third-party packages, where it differs (secrets there go to review). */
  dependencySeverity?: FindingSeverity;
  /** One line for the docs and the site. */
  summary: string;
}

/** Each family module exports its rules through this, so ids are checked once and typed. */
export function defineRules<const Id extends string>(
  rules: Record<Id, Omit<RuleDefinition, 'id'>>,
): Record<Id, RuleDefinition> {
  const out = {} as Record<Id, RuleDefinition>;
  for (const [id, rule] of Object.entries(rules) as [Id, Omit<RuleDefinition, 'id'>][]) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`rule id ${id} is not kebab-case`);
    out[id] = { id, ...rule };
  }
  return out;
}

/** Where a rule reports to. Rule functions are pure: they see data and call this. */
export interface ScanSink {
  /** Report a rule; its severity follows the rule definition and `origin`. */
  finding(rule: RuleDefinition, file: string, message: string, extra?: { origin?: CodeOrigin; pointer?: string }): void;
  capability(capability: Capability, origin: CodeOrigin, file: string): void;
  dependency(dependency: Dependency): void;
}

/**
 * One regular file of the bundle, as a file rule sees it. Content is read while the archive
 * streams, one entry at a time, so memory stays flat however large the bundle is.
 * Make one with scannedFile(), which decodes the content at most once for all the families.
 */
export interface ScannedFile {
  /** Path inside the bundle, `/`-separated, as validated by the safe reader. */
  readonly path: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
  readonly origin: CodeOrigin;
  /** The first bytes (up to HEAD_BYTES), for magic-number checks. */
  readonly head: Buffer;
  /** The whole content, when the file is at most TEXT_SCAN_LIMIT bytes; undefined when larger. */
  readonly content: Buffer | undefined;
  /**
   * `content` decoded as latin1: one character per byte, so string offsets are byte offsets and
   * V8 keeps a one-byte string; every pattern the families look for is ASCII. Decoded on first
   * use and shared, so a file is decoded once however many families read it.
   */
  readonly text: string | undefined;
  /**
   * `content` parsed as JSON (UTF-8, a leading byte order mark skipped), on first use and shared;
   * undefined when there is no content or it is not JSON (JSON has no undefined value).
   */
  readonly json: unknown;
}

/** A ScannedFile whose `text` and `json` are computed on first use and then kept. */
class LazyScannedFile implements ScannedFile {
  readonly path: string;
  readonly size: number;
  readonly origin: CodeOrigin;
  readonly head: Buffer;
  readonly content: Buffer | undefined;
  #text: string | undefined;
  #json: { value: unknown } | undefined;

  constructor(fields: ScannedFileFields) {
    this.path = fields.path;
    this.size = fields.size;
    this.origin = fields.origin;
    this.head = fields.head;
    this.content = fields.content;
  }

  get text(): string | undefined {
    if (this.#text === undefined && this.content !== undefined) this.#text = this.content.toString('latin1');
    return this.#text;
  }

  get json(): unknown {
    if (this.#json === undefined) {
      let value: unknown;
      if (this.content !== undefined) {
        try {
          value = JSON.parse(this.content.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
        } catch {
          value = undefined;
        }
      }
      this.#json = { value };
    }
    return this.#json.value;
  }
}

export type ScannedFileFields = Pick<ScannedFile, 'path' | 'size' | 'origin' | 'head' | 'content'>;

export function scannedFile(fields: ScannedFileFields): ScannedFile {
  return new LazyScannedFile(fields);
}

export const HEAD_BYTES = 64;
/** Larger files are not content-scanned (the `code-unscanned-large-file` rule reports them). */
export const TEXT_SCAN_LIMIT = 16 * 1024 * 1024;

/**
 * A rule family that looks at files one by one. A family that judges the bundle as a whole (one
 * native-binary finding per package) keeps what it saw and reports it in `finish`, so each scan
 * gets fresh instances from the rule set's `newFileRules()`.
 */
export interface FileRules {
  scanFile(file: ScannedFile, sink: ScanSink): void;
  /** Called once, after the last file. */
  finish?(sink: ScanSink): void;
}

/** Folders of test data (`test/fixtures/id_rsa`, `__tests__/data.zip`). */
const FIXTURE_DIRECTORY =
  /^(?:tests?|__tests__|specs?|__specs?__|fixtures?|__fixtures__|testdata|test-data|examples?)$/;

/**
 * Is the file in the test data of a bundled package (`node_modules/ssh2/test/fixtures/id_rsa`)?
 * Such files are public on their registry already and never loaded by the package itself.
 */
export function isDependencyFixture(file: Pick<ScannedFile, 'path' | 'origin'>): boolean {
  if (file.origin !== 'dependency') return false;
  const segments = file.path.split('/');
  // Only folders inside the package count: `node_modules/test/index.js` is a package called test.
  const root = packageRootOf(file.path);
  const inside = root === undefined ? segments : file.path.slice(root.length + 1).split('/');
  return inside.slice(0, -1).some((segment) => FIXTURE_DIRECTORY.test(segment));
}

/**
 * The folder of the bundled package that holds a path: `node_modules/<name>` or
 * `node_modules/@scope/<name>` (the innermost node_modules), `site-packages/<name>`, or for a
 * Python bundle's vendored `lib/` folder `lib/<name>`; undefined for a path outside any package.
 */
export function packageRootOf(path: string, serverType?: string): string | undefined {
  const segments = path.split('/');
  let at = -1;
  for (let i = segments.length - 2; i >= 0; i--) {
    const s = segments[i]!;
    if (s === 'node_modules' || s === 'site-packages' || s === 'dist-packages') {
      at = i;
      break;
    }
  }
  if (at === -1 && (serverType === 'python' || serverType === 'uv')) {
    const libAt = segments.indexOf('lib');
    if (libAt >= 0 && libAt <= 1) at = libAt;
  }
  if (at === -1 || at + 1 >= segments.length - 1) return undefined;
  const scoped = segments[at] === 'node_modules' && segments[at + 1]!.startsWith('@') && at + 2 < segments.length - 1;
  return segments.slice(0, at + (scoped ? 3 : 2)).join('/');
}

/**
 * The package folders that hold what the manifest runs: the entry point and every
 * `${__dirname}/…` path of `mcp_config`. A server whose code sits in `node_modules/<name>/`
 * (installed there by `npm install`, or moved there to look like a dependency) is still the
 * publisher's own code. So is a Python server's own package in its vendored `lib/`.
 */
export function ownPackageRoots(
  entryPoint: string | undefined,
  launch: readonly (string | undefined)[] = [],
  serverType?: string,
): string[] {
  const roots = new Set<string>();
  const paths = [entryPoint ?? '', ...launch.map((arg) => /\$\{__dirname\}[\/\\]?(.*)$/.exec(arg ?? '')?.[1] ?? '')];
  for (const path of paths) {
    const normal = path.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
    const root = normal ? packageRootOf(normal, serverType) : undefined;
    if (root) roots.add(root);
  }
  return [...roots];
}

/**
 * Is this path part of a bundled third-party package? `node_modules/` anywhere, Python
 * `site-packages/` or `*.dist-info/`, and for Python bundles the vendored `lib/` folder that the
 * MCPB docs prescribe (`server/lib/`, or `lib/` next to the entry point). The packages in
 * `ownRoots` (ownPackageRoots) are the publisher's, less their own `node_modules`.
 */
export function originOf(path: string, serverType: string | undefined, ownRoots: readonly string[] = []): CodeOrigin {
  for (const root of ownRoots) {
    if (path.startsWith(`${root}/`) && !path.slice(root.length + 1).includes('node_modules/')) return 'own';
  }
  // The common case, decided without splitting the path: a file of a node_modules package.
  if (path.startsWith('node_modules/') || path.includes('/node_modules/')) return 'dependency';
  const segments = path.split('/');
  if (segments.includes('node_modules') || segments.includes('site-packages')) return 'dependency';
  if (segments.some((s) => s.endsWith('.dist-info') || s.endsWith('.egg-info'))) return 'dependency';
  if (serverType === 'python' || serverType === 'uv') {
    const libAt = segments.indexOf('lib');
    if (libAt >= 0 && libAt <= 1 && libAt < segments.length - 1) return 'dependency';
    if (segments[0] === 'venv' || segments[1] === 'venv' || segments[0] === '.venv' || segments[1] === '.venv') {
      return 'dependency';
    }
  }
  return 'own';
}
