/**
 * Builds a scanner fixture case's bundle (convention: pipeline/stages/__fixtures__/scan/_base/README.md).
 * A case with a recipe in hostile-bundles.ts is built by it; any other case overlays its `bundle/`
 * folder on the base bundle and is zipped with yazl. Output bytes are deterministic: entries are
 * sorted, and times and modes are fixed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { GENERATED_BUNDLES } from './generated-bundles.ts';
import { HOSTILE_BUNDLES, type BundleFile, type Recipe } from './hostile-bundles.ts';

/** Every recipe, by fixture case name. */
export const RECIPES: Record<string, Recipe> = { ...HOSTILE_BUNDLES, ...GENERATED_BUNDLES };

export const SCAN_FIXTURES_DIR = fileURLToPath(new URL('../stages/__fixtures__/scan/', import.meta.url));
export const BASE_BUNDLE_DIR = join(SCAN_FIXTURES_DIR, '_base', 'bundle');

/** yazl writes this as the DOS time and the extended timestamp alike. */
const FIXED_MTIME = new Date('2025-01-01T00:00:00Z');
const DELETE_SUFFIX = '.delete';

/** Every file under `dir`, `/`-separated and sorted, with its executable bit; none when `dir` is missing. */
async function readTree(dir: string): Promise<(BundleFile & { executable: boolean })[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const files = await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const full = join(e.parentPath, e.name);
        const [data, info] = await Promise.all([readFile(full), stat(full)]);
        return { path: relative(dir, full).split(sep).join('/'), data, executable: (info.mode & 0o111) !== 0 };
      }),
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function readBaseBundle(): Promise<BundleFile[]> {
  return (await readTree(BASE_BUNDLE_DIR)).map(({ path, data }) => ({ path, data }));
}

export async function buildFixtureBundle(caseDir: string): Promise<Buffer> {
  const recipe = RECIPES[basename(caseDir)];
  if (recipe) return recipe(await readBaseBundle());

  const files = new Map((await readTree(BASE_BUNDLE_DIR)).map((f) => [f.path, f]));
  for (const file of await readTree(join(caseDir, 'bundle'))) {
    if (file.path.endsWith(DELETE_SUFFIX)) {
      const target = file.path.slice(0, -DELETE_SUFFIX.length);
      if (!files.delete(target)) throw new Error(`${caseDir}: ${file.path} deletes ${target}, which the base lacks`);
    } else files.set(file.path, file);
  }
  return zip([...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)));
}

export function zip(files: readonly (BundleFile & { executable?: boolean })[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const file of files) {
    archive.addBuffer(file.data, file.path, { mtime: FIXED_MTIME, mode: file.executable ? 0o100755 : 0o100644 });
  }
  archive.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('error', reject);
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** The case folders: every directory beside `_base`, sorted. */
export async function scanFixtureCases(): Promise<{ name: string; dir: string }[]> {
  const entries = await readdir(SCAN_FIXTURES_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
    .map((e) => ({ name: e.name, dir: join(SCAN_FIXTURES_DIR, e.name) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
