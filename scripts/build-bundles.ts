/**
 * Builds the real `.mcpb` bundles that the scanner's tests and benchmark use, the way a
 * publisher does: take a published MCP server, install its production dependencies, add a
 * manifest, and run the real `mcpb pack`.
 *
 *   npm run bundles:build            # builds the default set, when missing or out of date, into .cache/bundles/
 *   npm run bundles:build -- --all   # the whole regression corpus (the benchmark and the corpus CI job)
 *   npm run bundles:build -- --force # rebuild, even when up to date
 *
 * Each `bundles/sources/<name>/` holds:
 * - `manifest.json`, the MCPB manifest (its tool list was taken from the server's own tools/list);
 * - `source.json`, where the code comes from, pinned by integrity:
 *     `npm`: a package on the npm registry (tarball checked against its sha512), installed with
 *            `npm ci --omit=dev` against the committed `package-lock.json`; with
 *            `stripDevDependencies`, the package's devDependencies are dropped first (some
 *            servers publish dev dependencies that npm cannot resolve, and `npm ci` checks the
 *            lock against all of package.json);
 *     `corpus: "full"`: built only with `--all`, so the default `npm test` downloads less;
 *     `debian`: Debian packages (from deb.debian.org by pool path, checked by sha256) whose Python
 *               modules are vendored into `server/lib/`;
 * - `files/`, copied over the result (for a server whose code lives here);
 * - `expected-scan.json`, the scan verdict and findings that pipeline/scan/real-bundles.test.ts
 *   expects (not an input of the build).
 * A bundle is rebuilt only when its source folder or the mcpb version changes, and the same
 * sources give the same bytes: entry times are normalised after packing (normalizeZipTimes). The only network
 * this needs is the npm registry and Debian's archive, both of which CI may use at install time.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';

export const SOURCES_DIR = join(REPO_ROOT, 'bundles/sources');
export const BUNDLES_DIR = join(REPO_ROOT, '.cache/bundles');

interface Source {
  npm?: { package: string; version: string; integrity: string; stripDevDependencies?: boolean };
  /** `full`: part of the whole corpus only (`--all`); otherwise also of the default set. */
  corpus?: 'full';
  debian?: { package: string; version: string; filename: string; sha256: string }[];
}

/**
 * `mcpb pack` stamps the time of packing into every entry (fflate's zipSync with `mtime: new
 * Date()`), so the same folder packed twice has a different sha256 and a listing's `fileSha256`
 * would not stay true. This sets every entry's DOS time and date, in the local headers and the
 * central directory (APPNOTE 4.3.7 and 4.3.12), to 1980-01-01 00:00, the zip epoch, as Debian's
 * strip-nondeterminism does. Nothing else changes: sizes, CRCs and offsets stay as packed.
 */
export function normalizeZipTimes(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  const entries = out.readUInt16LE(eocd + 10);
  let at = out.readUInt32LE(eocd + 16);
  const ZIP_EPOCH_TIME = 0;
  const ZIP_EPOCH_DATE = (0 << 9) | (1 << 5) | 1;
  for (let i = 0; i < entries; i++) {
    if (out.readUInt32LE(at) !== 0x02014b50) throw new Error(`central directory entry ${i} is malformed`);
    const local = out.readUInt32LE(at + 42);
    if (local === 0xffffffff || out.readUInt32LE(local) !== 0x04034b50) {
      throw new Error(`entry ${i}: local header not found (zip64 is not expected here)`);
    }
    out.writeUInt16LE(ZIP_EPOCH_TIME, at + 12);
    out.writeUInt16LE(ZIP_EPOCH_DATE, at + 14);
    out.writeUInt16LE(ZIP_EPOCH_TIME, local + 10);
    out.writeUInt16LE(ZIP_EPOCH_DATE, local + 12);
    at += 46 + out.readUInt16LE(at + 28) + out.readUInt16LE(at + 30) + out.readUInt16LE(at + 32);
  }
  return out;
}

export function bundlePath(name: string): string {
  return join(BUNDLES_DIR, `${name}.mcpb`);
}

/** The bundles of the default set, or with `all` of the whole corpus. */
export function sourceNames({ all = false }: { all?: boolean } = {}): string[] {
  return readdirSync(SOURCES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((name) => all || !isFullCorpusOnly(name))
    .sort();
}

/** Is the bundle built only with `--all`? */
export function isFullCorpusOnly(name: string): boolean {
  const source = JSON.parse(readFileSync(join(SOURCES_DIR, name, 'source.json'), 'utf8')) as Source;
  return source.corpus === 'full';
}

/** Is the bundle built and up to date (without building it)? */
export function isBuilt(name: string): boolean {
  const out = bundlePath(name);
  return (
    existsSync(out) &&
    existsSync(`${out}.key`) &&
    readFileSync(`${out}.key`, 'utf8') === sourceKey(join(SOURCES_DIR, name))
  );
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

/** The scan verdict recorded for the tests; it describes the bundle and is not an input to it. */
const NOT_INPUTS = new Set(['expected-scan.json']);

/** What the bundle depends on: every source file, the packer's version and this script. */
function sourceKey(dir: string): string {
  const hash = createHash('sha256');
  const mcpb = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@anthropic-ai/mcpb/package.json'), 'utf8'));
  hash.update(`mcpb@${mcpb.version}\0`);
  // This script is an input too: a change in how bundles are made rebuilds them.
  hash.update(readFileSync(new URL(import.meta.url))).update('\0');
  for (const file of listFiles(dir))
    hash
      .update(`${relative(dir, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex');
}

function fromNpm(source: NonNullable<Source['npm']>, sourceDir: string, work: string, stage: string): void {
  const [packed] = JSON.parse(
    run('npm', ['pack', `${source.package}@${source.version}`, '--json', '--pack-destination', work], work),
  ) as { filename: string; integrity: string }[];
  if (!packed || packed.integrity !== source.integrity) {
    throw new Error(
      `${source.package}@${source.version}: tarball integrity ${packed?.integrity} != ${source.integrity}`,
    );
  }
  mkdirSync(stage);
  run('tar', ['xzf', join(work, packed.filename), '-C', stage, '--strip-components=1'], work);
  if (source.stripDevDependencies) {
    const manifest = join(stage, 'package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    delete pkg.devDependencies;
    writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  cpSync(join(sourceDir, 'package-lock.json'), join(stage, 'package-lock.json'));
  // --ignore-scripts: a bundle ships what `npm ci` puts on disk; nothing of the package runs here.
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], stage);
}

/** Debian's archive, fetched by pool path and checked by sha256, so any host distribution works. */
const DEBIAN_MIRROR = 'https://deb.debian.org/debian/';
const DEBIAN_CACHE = join(REPO_ROOT, '.cache/debian');

async function fromDebian(packages: NonNullable<Source['debian']>, work: string, stage: string): Promise<void> {
  const lib = join(stage, 'server/lib');
  mkdirSync(lib, { recursive: true });
  for (const pkg of packages) {
    // Kept by sha256, so a rebuild (and the reproducibility test) does not download again.
    const deb = join(DEBIAN_CACHE, `${pkg.sha256}.deb`);
    if (!existsSync(deb)) {
      const response = await fetch(DEBIAN_MIRROR + pkg.filename, { signal: AbortSignal.timeout(60_000) });
      if (!response.ok) throw new Error(`${DEBIAN_MIRROR}${pkg.filename}: HTTP ${response.status}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== pkg.sha256) throw new Error(`${pkg.filename}: sha256 ${sha256} != ${pkg.sha256}`);
      mkdirSync(DEBIAN_CACHE, { recursive: true });
      writeFileSync(`${deb}.partial`, bytes);
      renameSync(`${deb}.partial`, deb);
    }
    const root = join(work, `${pkg.package}-root`);
    run('dpkg-deb', ['-x', deb, root], work);
    cpSync(join(root, 'usr/lib/python3/dist-packages'), lib, { recursive: true });
  }
}

export async function buildBundle(name: string, force = false): Promise<{ path: string; built: boolean }> {
  const sourceDir = join(SOURCES_DIR, name);
  const out = bundlePath(name);
  const keyFile = `${out}.key`;
  const key = sourceKey(sourceDir);
  if (!force && existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    return { path: out, built: false };
  }
  const source = JSON.parse(readFileSync(join(sourceDir, 'source.json'), 'utf8')) as Source;
  const work = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
  try {
    const stage = join(work, 'stage');
    if (source.npm) fromNpm(source.npm, sourceDir, work, stage);
    else mkdirSync(stage);
    if (source.debian) await fromDebian(source.debian, work, stage);
    if (existsSync(join(sourceDir, 'files'))) cpSync(join(sourceDir, 'files'), stage, { recursive: true });
    cpSync(join(sourceDir, 'manifest.json'), join(stage, 'manifest.json'));
    mkdirSync(BUNDLES_DIR, { recursive: true });
    const packed = join(work, `${name}.mcpb`);
    run(join(REPO_ROOT, 'node_modules/.bin/mcpb'), ['pack', stage, packed], work);
    writeFileSync(packed, normalizeZipTimes(readFileSync(packed)));
    // Rename into place last, so an interrupted build never leaves a half-written bundle.
    renameSync(packed, out);
    writeFileSync(keyFile, key);
    return { path: out, built: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  for (const name of sourceNames({ all: process.argv.includes('--all') })) {
    const started = performance.now();
    const { path, built } = await buildBundle(name, force);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${built ? 'built' : 'up to date'}  ${relative(REPO_ROOT, path)}${built ? `  (${seconds} s)` : ''}`);
  }
}
