/**
 * Official MCP Registry data (`server.json` objects, e.g. its data/seed.json) → candidates.
 * The entries already are server.json; the mapping declares the 2025-12-11 schema and adds
 * attribution. Whether an entry is valid is left to the validator, which judges it exactly as
 * a pull request. The pre-release 2025-05 snake_case shape is refused, not converted by guesswork.
 */
import { PUBLISHER_META_KEY, OFFICIAL_SCHEMA_ID } from '../core/schema-files.ts';
import type { Listing } from '../core/schema-types.gen.ts';
import { isObject } from '../core/guards.ts';
import type { ImportAttribution, ImportRejection, MappedSource } from './types.ts';

export const OFFICIAL_SOURCE = {
  repository: 'https://github.com/modelcontextprotocol/registry',
  path: 'data/seed.json',
  // The seed data predates the registry's move to Apache-2.0 for new contributions (2026-01-12).
  license: 'MIT',
} as const;

/** Keys of the legacy shape (seed of 2025-05-16), which no current schema accepts. */
const LEGACY_KEYS = ['version_detail', 'registry_name', 'package_arguments', 'environment_variables'];

export function mapOfficial(
  document: unknown,
  sourceFile: string,
  upstream: { commit?: string; path?: string } = {},
): MappedSource {
  const entries = Array.isArray(document) ? document : [document];
  const result: MappedSource = { candidates: [], rejected: [] };
  entries.forEach((entry, index) => {
    const sourceId = isObject(entry) && typeof entry.name === 'string' ? entry.name : `#${index}`;
    const reject = (code: string, path: string, message: string) =>
      result.rejected.push({ sourceId, sourceFile, code, path, message } satisfies ImportRejection);
    if (!isObject(entry)) return reject('not-an-object', '', 'The entry is not a JSON object.');
    const legacy = findLegacyKey(entry);
    if (legacy) {
      return reject(
        'legacy-format',
        legacy,
        'This is the pre-release registry format of 2025-05 (snake_case, version_detail); it is not a server.json of any released schema. Re-export the entry from the current registry API.',
      );
    }
    if (entry.$schema !== undefined && entry.$schema !== OFFICIAL_SCHEMA_ID && typeof entry.$schema === 'string') {
      // A newer or older declared schema may mean fields we would misread.
      if (!/\/schemas\/2025-(09-29|10-11|10-17|12-11)\//.test(entry.$schema)) {
        return reject(
          'unsupported-schema',
          '/$schema',
          `Unsupported server.json schema ${entry.$schema}; this importer reads 2025-09-29 to 2025-12-11.`,
        );
      }
    }
    const importedFrom: ImportAttribution = {
      registry: 'official',
      repository: OFFICIAL_SOURCE.repository,
      ...(upstream.commit ? { commit: upstream.commit } : {}),
      path: upstream.path ?? OFFICIAL_SOURCE.path,
      entry: Array.isArray(document) ? `${index}` : sourceId,
      license: OFFICIAL_SOURCE.license,
    };
    const { $schema: _ignored, _meta, ...rest } = entry;
    const publisherProvided = isObject(_meta) && isObject(_meta[PUBLISHER_META_KEY]) ? _meta[PUBLISHER_META_KEY] : {};
    const listing = {
      $schema: OFFICIAL_SCHEMA_ID,
      ...rest,
      _meta: { ...(isObject(_meta) ? _meta : {}), [PUBLISHER_META_KEY]: { ...publisherProvided, importedFrom } },
    } as unknown as Listing;
    result.candidates.push({ sourceId, sourceFile, listing, warnings: [] });
  });
  return result;
}

function findLegacyKey(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findLegacyKey(item, `${path}/${i}`);
      if (found) return found;
    }
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (LEGACY_KEYS.includes(key)) return `${path}/${key}`;
      const found = findLegacyKey(child, `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
