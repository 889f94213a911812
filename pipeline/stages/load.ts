/**
 * Stage 1, load: list the catalog, then read and parse the files that are to be checked,
 * keeping positions so that every later issue can name a line and column.
 */
import type { CatalogReader } from '../adapters/catalog-fs.ts';
import { classify, type CatalogPath } from '../core/layout.ts';
import { mapLimit } from '../core/concurrency.ts';
import { parseJson, type JsonSource } from '../core/json-source.ts';

export interface LoadInput {
  reader: CatalogReader;
  /** Which files to read; all when omitted. The config is always read. */
  select?: (location: CatalogPath) => boolean;
}

export interface CatalogFile {
  location: CatalogPath;
  text: string;
  /** Parsed JSON, for .json files. */
  json?: JsonSource;
}

export interface LoadedCatalog {
  /** Every file in the catalog, read or not: existence checks use it without reading. */
  inventory: CatalogPath[];
  /** The files that were read. */
  files: CatalogFile[];
  config?: CatalogFile;
}

export async function loadCatalog({ reader, select = () => true }: LoadInput): Promise<LoadedCatalog> {
  const inventory = (await reader.listFiles()).map(classify);
  const wanted = inventory.filter((location) => location.kind === 'config' || select(location));
  const files = await mapLimit(wanted, 32, async (location): Promise<CatalogFile | undefined> => {
    const text = await reader.readText(location.path);
    if (text === undefined) return undefined;
    return location.path.endsWith('.json') ? { location, text, json: parseJson(text) } : { location, text };
  });
  const read = files.filter((f): f is CatalogFile => f !== undefined);
  return {
    inventory,
    files: read.filter((f) => f.location.kind !== 'config'),
    config: read.find((f) => f.location.kind === 'config'),
  };
}
