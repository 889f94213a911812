/**
 * Writes the emitted files into dist/. Incremental: `.dist-manifest.json` records the sha256 of
 * every file the last build wrote, so a rebuild after one changed listing rewrites a handful of
 * files out of tens of thousands, and a file the catalog no longer produces is removed (only
 * files this writer wrote: nothing else in dist/ is touched). Every file is written to a
 * temporary name and renamed, so a killed build leaves each file old or new, never torn; the
 * caller writes index.json, the root that names everything else by digest, last.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../core/concurrency.ts';
import type { EmittedFile } from '../emit/types.ts';

export const DIST_MANIFEST = '.dist-manifest.json';

/** A file copied as it is (a catalog-hosted bundle), by its known sha256. */
export interface DistCopy {
  from: string;
  path: string;
  sha256: string;
  /** Move the file rather than copy it (a staging file on the same file system, not needed after). */
  move?: boolean;
}

export interface DistWriteResult {
  written: number;
  /** The paths written this time. */
  paths: string[];
  unchanged: number;
  removed: number;
}

type Manifest = Record<string, string>;

export interface DistWriteOptions {
  /** The manifest file, for a second writer with files of its own (the site writes `.site-manifest.json`). */
  manifest?: string;
  /** Paths written before that stay as they are without being given again (pages a partial build did not render). */
  keep?: Iterable<string>;
}

export async function writeDist(
  out: string,
  files: readonly EmittedFile[],
  copies: readonly DistCopy[] = [],
  options: DistWriteOptions = {},
): Promise<DistWriteResult> {
  const manifestName = options.manifest ?? DIST_MANIFEST;
  const before = await readManifest(out, manifestName);
  const after: Manifest = {};
  for (const path of options.keep ?? []) if (before[path] !== undefined) after[path] = before[path];
  const result: DistWriteResult = { written: 0, paths: [], unchanged: 0, removed: 0 };
  const directories = new Set<string>();
  const ensureDir = async (path: string) => {
    const dir = dirname(join(out, path));
    if (directories.has(dir)) return;
    await mkdir(dir, { recursive: true });
    directories.add(dir);
  };
  // existsSync, not an awaited stat: at 50,000 files the promise round trips cost more than the checks.
  const present = (path: string, sha256: string) => before[path] === sha256 && existsSync(join(out, path));

  const writes = files.map((file) => ({ file, sha256: sha256Of(file.body) }));
  const cleared = await clearConflicts(out, before, [...files.map((f) => f.path), ...copies.map((c) => c.path)]);
  result.removed += cleared.size;
  await mapLimit(writes, 16, async ({ file, sha256 }) => {
    after[file.path] = sha256;
    if (present(file.path, sha256)) return void result.unchanged++;
    await ensureDir(file.path);
    // A file no index has named yet is written in place: until index.json (written last) names
    // it, no reader looks for it, and a torn one is rewritten next time (it is not in the
    // manifest). A file that replaces another goes through a temporary name and a rename.
    if (file.path in before) await atomicWrite(join(out, file.path), file.body);
    else await writeFile(join(out, file.path), file.body);
    result.written++;
    result.paths.push(file.path);
  });
  await mapLimit(copies, 16, async (copy) => {
    after[copy.path] = copy.sha256;
    if (present(copy.path, copy.sha256)) return void result.unchanged++;
    await ensureDir(copy.path);
    if (copy.move) {
      await rename(copy.from, join(out, copy.path));
    } else {
      const temporary = temporaryName(join(out, copy.path));
      await copyFile(copy.from, temporary);
      await rename(temporary, join(out, copy.path));
    }
    result.written++;
    result.paths.push(copy.path);
  });
  for (const path of Object.keys(before)) {
    if (path in after || cleared.has(path)) continue;
    await rm(join(out, path), { force: true });
    result.removed++;
  }
  await atomicWrite(join(out, manifestName), JSON.stringify(sortKeys(after)) + '\n');
  return result;
}

/**
 * Stale files go after the new ones are written (a reader of the old index still finds its files
 * meanwhile), except where a new path needs their place: a file where a folder must now be, or
 * files inside a folder that a new file replaces (`versions/latest/index.html` before
 * `versions/latest`). Those go first, with the folders they leave empty.
 */
async function clearConflicts(out: string, before: Manifest, paths: readonly string[]): Promise<Set<string>> {
  const fresh = new Set(paths);
  const parents = new Set(
    paths.flatMap((p) =>
      p
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  const conflicts = Object.keys(before).filter((old) => {
    if (fresh.has(old)) return false;
    if (parents.has(old)) return true; // A file where a folder must be.
    const segments = old.split('/');
    return segments.slice(0, -1).some((_, i) => fresh.has(segments.slice(0, i + 1).join('/'))); // Inside a folder a file replaces.
  });
  for (const path of conflicts) {
    await rm(join(out, path), { force: true });
    // Remove the folders the file leaves empty, up to dist/ itself.
    for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) {
      try {
        await rmdir(join(out, dir));
      } catch {
        break; // Not empty (or gone): stop climbing.
      }
    }
  }
  return new Set(conflicts);
}

export async function atomicWrite(path: string, body: string | Uint8Array): Promise<void> {
  const temporary = temporaryName(path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(temporary, body);
  await rename(temporary, path);
}

async function readManifest(out: string, name: string): Promise<Manifest> {
  try {
    const value = JSON.parse(await readFile(join(out, name), 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Manifest) : {};
  } catch {
    return {};
  }
}

function sha256Of(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function temporaryName(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}

function sortKeys(manifest: Manifest): Manifest {
  return Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
