import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_DIR } from './schema-files.ts';
import { validateSchema, validateOfficial, type SchemaKind } from './schema-validator.ts';

/**
 * schemas/examples/<schema>/valid/*.json must pass; invalid/<code>[.variant].json must fail with
 * that code (the file is named after the rule it breaks).
 */
const EXAMPLES = join(SCHEMA_DIR, 'examples');
const ourSchemas = readdirSync(SCHEMA_DIR)
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => f.slice(0, -'.schema.json'.length));
const kindsWithExamples = readdirSync(EXAMPLES).sort();

function examples(kind: string, validity: 'valid' | 'invalid') {
  const dir = join(EXAMPLES, kind, validity);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({ file: f, value: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }))
    : [];
}

describe('schema examples', () => {
  it('exist for every schema, both valid and invalid (except publisher-meta, covered through listing)', () => {
    expect(kindsWithExamples).toEqual(ourSchemas.filter((s) => s !== 'publisher-meta').sort());
    for (const kind of kindsWithExamples) {
      expect(examples(kind, 'valid').length, `${kind} valid`).toBeGreaterThan(0);
      expect(examples(kind, 'invalid').length, `${kind} invalid`).toBeGreaterThan(0);
    }
  });

  for (const kind of kindsWithExamples) {
    describe(kind, () => {
      it.each(examples(kind, 'valid'))('valid/$file passes', ({ value }) => {
        expect(validateSchema(kind as SchemaKind, value)).toEqual([]);
      });
      it.each(examples(kind, 'invalid'))('invalid/$file fails with its code', ({ file, value }) => {
        const code = file.split('.')[0]!;
        expect(validateSchema(kind as SchemaKind, value).map((f) => f.code)).toContain(code);
      });
    });
  }
});

describe('schemas', () => {
  it('describe every property, so the schema documents the format', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      for (const [key, child] of Object.entries(
        (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {},
      )) {
        if (!child.description && !child.$ref) undocumented.push(`${where}/properties/${key}`);
      }
      // An `if` only tests values; its properties are not part of the format.
      for (const [key, value] of Object.entries(schema)) if (key !== 'if') walk(value, `${where}/${key}`);
    };
    for (const name of ourSchemas)
      walk(JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.schema.json`), 'utf8')), name);
    expect(undocumented).toEqual([]);
  });

  // The validator skips ajv's meta-schema check at run time (it costs every command a compile),
  // so it is done here, once, for every schema it loads.
  it('are valid draft-07 schemas, and the check catches one that is not', () => {
    const meta = new Ajv({ strict: false });
    const files = [...ourSchemas.map((name) => `${name}.schema.json`), 'vendor/server.schema.2025-12-11.json'];
    for (const file of files) {
      const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as object;
      expect(meta.validateSchema(schema), `${file}: ${meta.errorsText()}`).toBe(true);
    }
    expect(meta.validateSchema({ type: 'object', properties: { name: { type: 'text' } } })).toBe(false);
  });
});

describe('error mapping', () => {
  it('reports the matching branch of an anyOf, not every branch', () => {
    const findings = validateOfficial({
      name: 'a/b',
      description: 'x',
      version: '1.0.0',
      packages: [
        { registryType: 'npm', identifier: 'x', transport: { type: 'sse' }, packageArguments: [{ type: 'named' }] },
      ],
      remotes: [{ type: 'stdio', url: 'https://x.example' }],
    });
    expect(findings.map((f) => `${f.code} ${f.path}`)).toEqual([
      'schema-required /packages/0/packageArguments/0/name',
      'schema-required /packages/0/transport/url',
      'schema-enum /remotes/0/type',
    ]);
  });
});
