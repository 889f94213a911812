/** Reads a catalog laid out like this repository from the local file system. */
import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { CATALOG_DIR, CONFIG_FILE } from '../core/layout.ts';

export interface CatalogReader {
  /** Every file of the catalog (`catalog/**` and the config), relative to the root, with `/`. */
  listFiles(): Promise<string[]>;
  /** Text of one file; undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
}

export function fsCatalogReader(root: string): CatalogReader {
  return {
    async listFiles() {
      const entries = await readdir(join(root, CATALOG_DIR), { recursive: true, withFileTypes: true }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return [];
          throw error;
        },
      );
      const files = entries
        .filter((e) => e.isFile() || e.isSymbolicLink())
        .map((e) => join(e.parentPath, e.name).slice(root.length).replace(/^[\\/]+/, '').split(sep).join('/'));
      const config = await readFile(join(root, CONFIG_FILE)).then(
        () => [CONFIG_FILE],
        () => [],
      );
      return [...config, ...files].sort();
    },
    async readText(path) {
      try {
        return await readFile(join(root, path), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
