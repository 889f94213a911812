/**
 * The one validator, shared by the pipeline and the installer: ajv over schemas/, with ajv's
 * errors turned into Findings that name a JSON pointer and say how to fix the problem.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { SCHEMA_DIR, OFFICIAL_SCHEMA_ID, OUR_SCHEMA_BASE } from './schema-files.ts';
import { pointer, type Finding } from './issues.ts';

export type SchemaKind =
  | 'listing'
  | 'status'
  | 'tools'
  | 'review'
  | 'curation'
  | 'policy'
  | 'config'
  | 'validation-report'
  | 'scan-report'
  | 'index'
  | 'server-record'
  | 'admin-policy'
  | 'pr-report';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as unknown as (
  ajv: Ajv,
) => Ajv;

function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    // The schemas are ours and fixed: schema-validator.test.ts checks each against its
    // meta-schema, rather than every command paying for ajv to compile the meta-schema.
    validateSchema: false,
  });
  // The official schema uses the OpenAPI `example` annotation, which is not a JSON Schema keyword.
  ajv.addVocabulary(['example']);
  addFormats(ajv);
  ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, 'vendor/server.schema.2025-12-11.json'), 'utf8')));
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')));
  }
  return ajv;
}

let shared: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(id: string): ValidateFunction {
  shared ??= createAjv();
  let validate = compiled.get(id);
  if (!validate) {
    validate = shared.getSchema(id);
    if (!validate) throw new Error(`No schema with id ${id}`);
    compiled.set(id, validate);
  }
  return validate;
}

export function schemaId(kind: SchemaKind): string {
  return `${OUR_SCHEMA_BASE}${kind}.schema.json`;
}

/** Validate a value against one of our schemas; every problem, each with a pointer and a fix. */
export function validateSchema(kind: SchemaKind, value: unknown): Finding[] {
  return validateWith(validatorFor(schemaId(kind)), value);
}

/** Validate against the official server.json schema alone (the importer's yardstick). */
export function validateOfficial(value: unknown): Finding[] {
  return validateWith(validatorFor(OFFICIAL_SCHEMA_ID), value);
}

function validateWith(validate: ValidateFunction, value: unknown): Finding[] {
  if (validate(value)) return [];
  return errorsToFindings(validate.errors ?? [], shared!);
}

/**
 * ajv errors as Findings, for validators compiled by another ajv instance (the MCPB manifest
 * schemas in mcpb-manifest.ts). `ajv` compiles the branches of a failing anyOf/oneOf.
 */
export function errorsToFindings(errors: readonly ErrorObject[], ajv: Ajv): Finding[] {
  return dedupe(collapseAnyOf(errors, ajv).flatMap(toFinding));
}

/**
 * An `anyOf` that fails reports the errors of every branch, most of them noise ("type must be
 * stdio", "type must be sse", ...). Re-validate the data against each branch and keep the errors
 * of the branch whose `type` matches; without such a branch, report one error for the anyOf.
 */
function collapseAnyOf(errors: readonly ErrorObject[], ajv: Ajv): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      out.push(error);
      continue;
    }
    const branches = (error.schema as object[]).map((branch) =>
      branchErrors(branch, error.data, error.instancePath, ajv),
    );
    const branchKeys = new Set(branches.flat().map(errorKey));
    // Drop what the branches already said: the re-validation below reports it once, correctly.
    for (let i = out.length - 1; i >= 0; i--) if (branchKeys.has(errorKey(out[i]!))) out.splice(i, 1);
    const typePath = `${error.instancePath}/type`;
    const matching = branches.filter((b) => !b.some((e) => e.instancePath === typePath && isChoice(e.keyword)));
    const discriminated = branches.some((b) => b.some((e) => e.instancePath === typePath && isChoice(e.keyword)));
    if (discriminated && matching.length > 0) {
      const best = matching.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...best);
    } else if (discriminated) {
      const allowed = branches.flatMap((b) =>
        b.filter((e) => e.instancePath === typePath).flatMap((e) => choices(e.params)),
      );
      out.push({ ...error, keyword: 'enum', instancePath: typePath, params: { allowedValues: [...new Set(allowed)] } });
    } else {
      out.push(error);
    }
  }
  return out;
}

const branchValidators = new WeakMap<object, ValidateFunction>();

function branchErrors(branch: object, data: unknown, basePath: string, ajv: Ajv): ErrorObject[] {
  let validate = branchValidators.get(branch);
  if (!validate) {
    const ref = (branch as { $ref?: string }).$ref;
    // Every anyOf with $ref branches lives in the official schema, whose refs are document-local.
    validate = ref?.startsWith('#') ? validatorFor(OFFICIAL_SCHEMA_ID + ref) : ajv.compile(branch);
    branchValidators.set(branch, validate);
  }
  if (validate(data)) return [];
  return collapseAnyOf(validate.errors ?? [], ajv).map((e) => ({ ...e, instancePath: basePath + e.instancePath }));
}

const isChoice = (keyword: string) => keyword === 'enum' || keyword === 'const';
const choices = (params: Record<string, unknown>): unknown[] =>
  'allowedValues' in params ? (params.allowedValues as unknown[]) : [params.allowedValue];
const errorKey = (e: ErrorObject) => `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}|${f.path}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toFinding(e: ErrorObject): Finding[] {
  const at = e.instancePath;
  const p = e.params as Record<string, unknown>;
  const field = describeField(e);
  // The inner error of `propertyNames` repeats the outer one, which names the key.
  if (e.propertyName !== undefined) return [];
  switch (e.keyword) {
    case 'if':
      return []; // the `then` branch reports the actual problem
    case 'required':
      return [
        finding(
          'schema-required',
          at + pointer(String(p.missingProperty)),
          `Add the required property "${String(p.missingProperty)}".`,
        ),
      ];
    case 'additionalProperties':
    case 'propertyNames': {
      const name = String(p.additionalProperty ?? p.propertyName);
      const allowed = allowedKeys(e);
      return [
        finding(
          'schema-unknown-property',
          at + pointer(name),
          `Unknown property "${name}". Check the spelling${allowed ? `; allowed here: ${allowed}` : ''}.`,
        ),
      ];
    }
    case 'type':
      return [finding('schema-type', at, `${field}must be ${String(p.type).replace(',', ' or ')}.`)];
    case 'enum':
    case 'const':
      return [
        finding(
          `schema-${e.keyword}`,
          at,
          `${field}must be ${choices(p).length === 1 ? '' : 'one of '}${choices(p)
            .map((v) => JSON.stringify(v))
            .join(', ')}.`,
        ),
      ];
    case 'maxLength':
      return [
        finding(
          'schema-max-length',
          at,
          `${field}is ${typeof e.data === 'string' ? [...e.data].length : '?'} characters long; the limit is ${String(p.limit)}. Shorten it${at.endsWith('/description') ? ' (longer text belongs in README.md beside the listing)' : ''}.`,
        ),
      ];
    case 'minLength':
      return [
        finding(
          'schema-min-length',
          at,
          p.limit === 1 ? `${field}must not be empty.` : `${field}must be at least ${String(p.limit)} characters long.`,
        ),
      ];
    case 'pattern':
      return [
        finding(
          'schema-pattern',
          at,
          `${field}${JSON.stringify(e.data)} does not have the required form (${String(p.pattern)}).`,
        ),
      ];
    case 'format':
      return [finding('schema-format', at, `${field}${JSON.stringify(e.data)} is not a valid ${String(p.format)}.`)];
    case 'not':
      return [
        finding(
          'schema-not',
          at,
          `${field}${JSON.stringify(e.data)} is not allowed here${JSON.stringify(e.data) === '"latest"' ? '; give an exact version' : ''}.`,
        ),
      ];
    case 'anyOf':
    case 'oneOf':
      return [
        finding(
          `schema-${e.keyword === 'anyOf' ? 'any-of' : 'one-of'}`,
          at,
          `${field}must match one of: ${describeBranches(e)}.`,
        ),
      ];
    case 'uniqueItems':
      return [
        finding(
          'schema-unique-items',
          at,
          `${field}has duplicate items (${String(p.j)} and ${String(p.i)}); remove one.`,
        ),
      ];
    default:
      return [finding(`schema-${kebab(e.keyword)}`, at, `${field}${e.message ?? 'is invalid'}.`)];
  }
}

function finding(code: string, path: string, message: string): Finding {
  return { code, path, message };
}

function describeField(e: ErrorObject): string {
  return e.instancePath ? `${e.instancePath}: ` : 'The document ';
}

function allowedKeys(e: ErrorObject): string | undefined {
  const parent = e.parentSchema as { properties?: object; propertyNames?: { enum?: string[] } } | undefined;
  const keys = parent?.propertyNames?.enum ?? (parent?.properties ? Object.keys(parent.properties) : undefined);
  return keys?.join(', ');
}

function describeBranches(e: ErrorObject): string {
  return (e.schema as { required?: string[]; $ref?: string }[])
    .map((b) => (b.required ? `a "${b.required.join('", "')}" property` : (b.$ref?.split('/').pop() ?? 'a variant')))
    .join(' or ');
}

const kebab = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
