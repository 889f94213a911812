/**
 * `openapi.yaml` at the root of the API: what this catalog's registry API serves, in the shape of
 * the official registry's OpenAPI (modelcontextprotocol/registry docs/reference/api/openapi.yaml,
 * info.version 2025-12-01). Two variants from one description: the static files (no query
 * parameters honoured, no JSON error bodies) and the edge function (edge/worker.ts), which serves
 * the whole read API.
 *
 * ToolHive's registry client (stacklok/toolhive pkg/registry/api/client.go, ValidateEndpoint)
 * accepts an endpoint whose `<base>/openapi.yaml` has `info.version` "1.0.0" and an
 * `info.description` that contains https://github.com/modelcontextprotocol/registry, which is
 * what the official registry serves at its own root; so does this file. Pure: the edge function
 * serves the same object as JSON, which is YAML too.
 */
import { OFFICIAL_META_KEY, PUBLISHER_PROVIDED_KEY, SERVER_SCHEMA_ID } from './registry-api.ts';

export const OPENAPI_PATH = 'openapi.yaml';
/** The official API description this one follows. */
export const OFFICIAL_API_VERSION = '2025-12-01';
/** The source URL ToolHive looks for in `info.description`. */
export const OFFICIAL_REGISTRY_REPO = 'https://github.com/modelcontextprotocol/registry';

export type OpenApiVariant = 'static' | 'edge';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const notFound = (what: string) => ({
  description: `${what} not found`,
  content: json(ref('Error')),
});

/** The OpenAPI 3.1 document for this catalog at `baseUrl`. */
export function openApiDocument(baseUrl: string, variant: OpenApiVariant): Record<string, unknown> {
  const edge = variant === 'edge';
  const serverName = {
    name: 'serverName',
    in: 'path',
    required: true,
    description: 'URL-encoded server name (e.g. "com.example%2Fmy-server").',
    schema: { type: 'string' },
  };
  const version = {
    name: 'version',
    in: 'path',
    required: true,
    description:
      'URL-encoded version (e.g. "1.0.0", or "1.0.0%2B20130313144700" with build metadata); "latest" is the highest version that is not deleted.',
    schema: { type: 'string' },
  };
  const includeDeleted = {
    name: 'include_deleted',
    in: 'query',
    required: false,
    description: 'Include deleted (yanked) versions (default false).',
    schema: { type: 'boolean', default: false },
  };
  const listParameters = [
    {
      name: 'cursor',
      in: 'query',
      description: 'Opaque cursor from `metadata.nextCursor`.',
      schema: { type: 'string' },
    },
    {
      name: 'limit',
      in: 'query',
      description: 'Items per page, 1 to 100 (default 30; larger values are capped at 100).',
      schema: { type: 'integer', minimum: 1, default: 30 },
    },
    {
      name: 'search',
      in: 'query',
      description:
        "Search text: the catalog site's typo-tolerant search over names, titles, tags and descriptions, best match first.",
      schema: { type: 'string' },
    },
    {
      name: 'updated_since',
      in: 'query',
      description: 'Only versions updated at or after this RFC 3339 time; deleted versions are included.',
      schema: { type: 'string', format: 'date-time' },
    },
    {
      name: 'version',
      in: 'query',
      description: '"latest" (the latest version of each server) or an exact version.',
      schema: { type: 'string' },
    },
    { ...includeDeleted, description: 'Include deleted (yanked) versions (default false; true with updated_since).' },
  ];
  const errorResponses = edge ? { '400': { description: 'Invalid parameter', content: json(ref('Error')) } } : {};
  const description = [
    `The read endpoints of the MCP Registry API (${OFFICIAL_REGISTRY_REPO}, OpenAPI ${OFFICIAL_API_VERSION}) for this catalog.`,
    edge
      ? "Served by the catalog's edge function: search, paging, updated_since, version, include_deleted, JSON errors and CORS."
      : "Served as static files: query parameters are ignored, every list holds every server at its latest version in one page (no nextCursor), and a missing path answers the host's 404 page.",
    `Each response carries the catalog's own facts under _meta["dev.mcp-catalog/listing"]; integrity is in the signed ${new URL('index.json', baseUrl).href}.`,
  ].join(' ');
  return {
    openapi: '3.1.0',
    info: {
      title: 'MCP Server Registry API',
      // ToolHive accepts "1.0.0", the version the official registry serves at its root.
      version: '1.0.0',
      description,
      'x-mcp-registry-api-version': OFFICIAL_API_VERSION,
    },
    servers: [{ url: baseUrl.replace(/\/$/, '') }],
    paths: {
      '/v0.1/servers': {
        get: {
          tags: ['servers'],
          summary: 'List MCP servers',
          description: edge
            ? 'Servers at the requested version (latest by default), by name, or by relevance when searching.'
            : 'Every server at its latest version, by name, in one page.',
          ...(edge ? { parameters: listParameters } : {}),
          responses: {
            '200': { description: 'A list of MCP servers', content: json(ref('ServerList')) },
            ...errorResponses,
          },
        },
      },
      '/v0.1/servers/{serverName}/versions': {
        get: {
          tags: ['servers'],
          summary: 'List all versions of an MCP server',
          description: 'Every version that is not deleted, newest publication first.',
          parameters: edge ? [serverName, includeDeleted] : [serverName],
          responses: {
            '200': { description: 'The versions of the server', content: json(ref('ServerList')) },
            ...(edge ? { '404': notFound('Server') } : {}),
          },
        },
      },
      '/v0.1/servers/{serverName}/versions/{version}': {
        get: {
          tags: ['servers'],
          summary: 'Get a specific MCP server version',
          description: edge
            ? 'One version; a deleted one only with include_deleted.'
            : 'One version, deleted (yanked) ones included with their status.',
          parameters: edge ? [serverName, version, includeDeleted] : [serverName, version],
          responses: {
            '200': { description: 'The server version', content: json(ref('ServerResponse')) },
            ...(edge ? { '404': notFound('Server or version') } : {}),
          },
        },
      },
    },
    components: {
      schemas: {
        ServerDetail: { $ref: SERVER_SCHEMA_ID },
        ServerResponse: {
          type: 'object',
          required: ['server', '_meta'],
          properties: {
            server: ref('ServerDetail'),
            _meta: {
              type: 'object',
              required: [OFFICIAL_META_KEY],
              properties: {
                [OFFICIAL_META_KEY]: {
                  type: 'object',
                  required: ['status', 'publishedAt', 'updatedAt', 'isLatest'],
                  additionalProperties: false,
                  properties: {
                    status: { type: 'string', enum: ['active', 'deprecated', 'deleted'] },
                    statusMessage: { type: 'string', maxLength: 500 },
                    statusChangedAt: { type: 'string', format: 'date-time' },
                    publishedAt: { type: 'string', format: 'date-time' },
                    updatedAt: { type: 'string', format: 'date-time' },
                    isLatest: { type: 'boolean' },
                  },
                },
                'dev.mcp-catalog/listing': {
                  type: 'object',
                  description:
                    "The catalog's facts: trust, rating, stats, scan verdicts and bundle digests, attestation and report URLs.",
                },
              },
              additionalProperties: true,
            },
          },
          description: `The server.json may carry _meta["${PUBLISHER_PROVIDED_KEY}"].github (readme, licence, stars, topics) for VS Code.`,
        },
        ServerList: {
          type: 'object',
          required: ['servers', 'metadata'],
          properties: {
            servers: { type: 'array', items: ref('ServerResponse') },
            metadata: {
              type: 'object',
              required: ['count'],
              properties: {
                ...(edge ? { nextCursor: { type: 'string' } } : {}),
                count: { type: 'integer', description: 'Number of items in this page.' },
              },
            },
          },
        },
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      },
    },
  };
}
