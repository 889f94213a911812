/** Where the schemas live, and how a schema `$id` maps to a file in schemas/. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMA_DIR = join(REPO_ROOT, 'schemas');

/** Base of our own schema ids. They are identifiers, not URLs that anything fetches. */
export const OUR_SCHEMA_BASE = 'https://mcp-catalog.dev/schemas/';
export const OFFICIAL_SCHEMA_ID = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
export const PUBLISHER_META_KEY = 'io.modelcontextprotocol.registry/publisher-provided';

/** The vendored official schema and our own, by `$id`. */
export function schemaIdToFile(id: string): string | undefined {
  const bare = id.split('#')[0] ?? id;
  if (bare === OFFICIAL_SCHEMA_ID) return join(SCHEMA_DIR, 'vendor/server.schema.2025-12-11.json');
  if (bare.startsWith(OUR_SCHEMA_BASE)) return join(SCHEMA_DIR, bare.slice(OUR_SCHEMA_BASE.length));
  return undefined;
}
