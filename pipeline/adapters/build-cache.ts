/**
 * The build's content-addressed cache (`.cache/build/`): a result is stored under the sha256 of
 * everything it was computed from, so a run where nothing changed recomputes nothing, and a
 * changed input simply misses. Entries are written to a temporary name and renamed, so a killed
 * build never leaves a torn entry behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface JsonCache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** sha256 of the JSON of `parts`; callers pass plain data in a fixed key order. */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function fileCache(dir: string): JsonCache {
  const at = (key: string) => join(dir, key.slice(0, 2), `${key}.json`);
  return {
    async get<T>(key: string): Promise<T | undefined> {
      try {
        return JSON.parse(await readFile(at(key), 'utf8')) as T;
      } catch {
        // Missing or unreadable (a foreign file, a full disk earlier): recompute.
        return undefined;
      }
    },
    async set(key: string, value: unknown): Promise<void> {
      const path = at(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, JSON.stringify(value));
      await rename(temporary, path);
    },
  };
}

/**
 * sha256 over the source files under `dirs` (relative paths and contents): the scanner's own
 * code is an input of every scan result, so editing a rule invalidates the cached reports even
 * when nobody bumped the rule set version.
 */
export async function sourceDigest(root: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const path of paths) {
    const full = join(root, path);
    const entries = await readdir(full, { recursive: true, withFileTypes: true }).catch(() => undefined);
    if (!entries) files.push(full);
    else
      for (const entry of entries)
        if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
          files.push(join(entry.parentPath, entry.name));
  }
  for (const file of files.sort()) {
    hash.update(relative(root, file).split(sep).join('/')).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}
