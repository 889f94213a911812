/** dist/openapi.yaml: the static API's OpenAPI document (openapi.ts) as YAML, for people and for ToolHive. */
import { stringify } from 'yaml';
import { OPENAPI_PATH, openApiDocument } from './openapi.ts';
import type { EmittedFile } from './types.ts';

export function emitOpenApi(baseUrl: string): EmittedFile {
  const header = '# Written by pipeline/emit/openapi.ts (npm run build); the edge function serves its own variant.\n';
  return { path: OPENAPI_PATH, body: header + stringify(openApiDocument(baseUrl, 'static'), { lineWidth: 0 }) };
}
