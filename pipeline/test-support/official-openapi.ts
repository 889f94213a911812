/**
 * Validators for the official registry API's response shapes, compiled from the official OpenAPI
 * itself (__fixtures__/official-openapi.yaml, vendored unchanged): ServerList, ServerResponse, and
 * the `{error}` body of its 4xx answers. The registry API tests check every response with these.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { parse } from 'yaml';

const OPENAPI_FILE = new URL('./__fixtures__/official-openapi.yaml', import.meta.url);
const ID = 'https://modelcontextprotocol.io/schemas/draft/2025-12-01/server-registry-openapi';

export interface OfficialShapes {
  serverList: ValidateFunction;
  serverResponse: ValidateFunction;
  error: ValidateFunction;
  /** The official document, parsed. */
  document: { info: { version: string }; paths: Record<string, unknown> };
}

let shapes: OfficialShapes | undefined;

export function officialShapes(): OfficialShapes {
  if (shapes) return shapes;
  const document = parse(readFileSync(OPENAPI_FILE, 'utf8')) as OfficialShapes['document'] & {
    components: { schemas: Record<string, unknown> };
  };
  const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as unknown as (
    ajv: Ajv2020,
  ) => Ajv2020;
  // The OpenAPI's schemas carry `example` keywords, which strict mode refuses.
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  ajv.addSchema({ $id: ID, components: document.components });
  const error = ajv.compile({
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string', minLength: 1 } },
  });
  shapes = {
    serverList: ajv.compile({ $ref: `${ID}#/components/schemas/ServerList` }),
    serverResponse: ajv.compile({ $ref: `${ID}#/components/schemas/ServerResponse` }),
    error,
    document,
  };
  return shapes;
}

/** Throws with ajv's errors when `body` is not of the named official shape. */
export function assertOfficial(kind: 'serverList' | 'serverResponse' | 'error', body: unknown, where: string): void {
  const validate = officialShapes()[kind];
  if (!validate(body)) throw new Error(`${where}: not an official ${kind}: ${JSON.stringify(validate.errors)}`);
}
