/**
 * The MCPB manifest validator, shared by the scanner and the installer: the JSON Schemas that
 * `@anthropic-ai/mcpb` publishes for each `manifest_version`, compiled by a dedicated ajv, with
 * ajv's errors mapped to Findings (a JSON pointer each) by the same code as our own schemas.
 *
 * The package's export map names `./mcpb-manifest-latest.schema.json`, which it does not ship,
 * and does not export v0.4 at all, so the schema files are read from the package directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { McpbManifestAny } from '@anthropic-ai/mcpb';
import { errorsToFindings } from './schema-validator.ts';
import { pointer, type Finding } from './issues.ts';

/** A manifest that passed its version's schema (the mcpb package's own type, all versions). */
export type McpbManifest = McpbManifestAny;

/** The versions the installed mcpb package has schemas for; a newer one is refused, not guessed. */
export const MCPB_MANIFEST_VERSIONS = ['0.1', '0.2', '0.3', '0.4'] as const;
export type McpbManifestVersion = (typeof MCPB_MANIFEST_VERSIONS)[number];

export type McpbValidation =
  | { ok: true; version: McpbManifestVersion; manifest: McpbManifest }
  /**
   * `version` is undefined when the manifest declares none the package knows; then `findings`
   * holds one `mcpb-version-missing` or `mcpb-version-unknown`, and the schema was not applied.
   */
  | { ok: false; version: McpbManifestVersion | undefined; findings: Finding[] };

/**
 * The version a manifest declares. `manifest_version` wins; old bundles (DXT) only have
 * `dxt_version`. When both are present and differ, the schema of `manifest_version` rejects the
 * other through its `const`.
 */
export function declaredManifestVersion(
  value: unknown,
): { field: 'manifest_version' | 'dxt_version'; version: unknown } | undefined {
  if (!isObject(value)) return undefined;
  if ('manifest_version' in value) return { field: 'manifest_version', version: value.manifest_version };
  if ('dxt_version' in value) return { field: 'dxt_version', version: value.dxt_version };
  return undefined;
}

export function isKnownManifestVersion(version: unknown): version is McpbManifestVersion {
  return (MCPB_MANIFEST_VERSIONS as readonly unknown[]).includes(version);
}

/** Validate a parsed `manifest.json` against the MCPB schema of the version it declares. */
export function validateMcpbManifest(value: unknown): McpbValidation {
  const declared = declaredManifestVersion(value);
  if (!declared) {
    return {
      ok: false,
      version: undefined,
      findings: [
        {
          code: 'mcpb-version-missing',
          path: isObject(value) ? pointer('manifest_version') : '',
          message: isObject(value)
            ? `Add "manifest_version" (one of ${MCPB_MANIFEST_VERSIONS.join(', ')}).`
            : 'The manifest must be a JSON object.',
        },
      ],
    };
  }
  if (!isKnownManifestVersion(declared.version)) {
    return {
      ok: false,
      version: undefined,
      findings: [
        {
          code: 'mcpb-version-unknown',
          path: pointer(declared.field),
          message: `${declared.field} ${JSON.stringify(declared.version)} is not a manifest version this catalog knows (${MCPB_MANIFEST_VERSIONS.join(', ')}).`,
        },
      ],
    };
  }
  const validate = validatorFor(declared.version);
  if (validate(value)) return { ok: true, version: declared.version, manifest: value as McpbManifest };
  return { ok: false, version: declared.version, findings: errorsToFindings(validate.errors ?? [], ajv()) };
}

/** Where the mcpb package keeps its schema files (`dist/`, next to its entry point). */
export function mcpbSchemaDir(): string {
  return dirname(fileURLToPath(import.meta.resolve('@anthropic-ai/mcpb')));
}

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as unknown as (
  ajv: Ajv,
) => Ajv;

let shared: Ajv | undefined;
const compiled = new Map<McpbManifestVersion, ValidateFunction>();

function ajv(): Ajv {
  // The schemas are draft-07 and compile under full strict mode (no unknown keywords, no
  // ambiguous types), so nothing is relaxed. They carry no `$id`: each compiles on its own.
  // They come with the pinned mcpb package: mcpb-manifest.test.ts checks them against the
  // draft-07 meta-schema, rather than every scan paying for ajv to compile the meta-schema.
  shared ??= addFormats(new Ajv({ allErrors: true, verbose: true, strict: true, validateSchema: false }));
  return shared;
}

function validatorFor(version: McpbManifestVersion): ValidateFunction {
  let validate = compiled.get(version);
  if (!validate) {
    const file = join(mcpbSchemaDir(), `mcpb-manifest-v${version}.schema.json`);
    validate = ajv().compile(JSON.parse(readFileSync(file, 'utf8')) as object);
    compiled.set(version, validate);
  }
  return validate;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
