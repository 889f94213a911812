import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { copyFixture, fixtureCases, readJson } from '../test-support/fixtures.ts';
import { loadCatalog } from './load.ts';
import {
  validateCatalog,
  ownershipQuestions,
  README_LIMIT,
  ISSUE_FORM_AUTHOR,
  type OwnershipFacts,
  type ValidateInput,
} from './validate.ts';
import type { DomainProof } from '../core/domain-proof.ts';
import type { LoadedCatalog } from './load.ts';
import { classify } from '../core/layout.ts';
import { parseJson } from '../core/json-source.ts';

interface Expected {
  code: string;
  file: string;
  path: string;
  /** Default `error`. */
  severity?: 'error' | 'warning';
}

const cases = await fixtureCases(new URL('./__fixtures__/validate/', import.meta.url));

describe('validate stage: one fixture per rule', () => {
  it.each(cases)('$name', async ({ dir }) => {
    const root = await copyFixture(dir);
    const expected = await readJson<Expected[]>(join(root, 'expected.json'));
    const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
    const { issues } = validateCatalog({ catalog });
    expect(issues.map(({ code, file, path, severity }) => ({ code, file, path, severity }))).toEqual(
      expected
        .map((e) => ({ ...e, severity: e.severity ?? 'error' }))
        .sort((a, b) => a.file.localeCompare(b.file) || a.path.localeCompare(b.path)),
    );
    // Every issue inside a JSON file can be found in the editor.
    for (const issue of issues.filter((i) => i.file.endsWith('.json'))) expect(issue.line).toBeGreaterThan(0);
  });

  it('covers every rule code the validator can emit', async () => {
    const source = await import('node:fs/promises').then((fs) =>
      fs.readFile(new URL('./validate.ts', import.meta.url), 'utf8'),
    );
    const emitted = new Set([...source.matchAll(/code: '([a-z0-9-]+)'/g)].map((m) => m[1]!));
    const covered = new Set<string>();
    for (const { dir } of cases)
      for (const e of await readJson<Expected[]>(join(dir, 'expected.json'))) covered.add(e.code);
    // Rules with a test of their own below, or that need git history (validate-changes.test.ts).
    for (const code of [
      'readme-too-large',
      'listing-immutable',
      'namespace-not-owned',
      'review-not-own',
      'ownership-lookup-failed',
      'namespace-proof-mismatch',
      'namespace-proof-unavailable',
      'namespace-proof-missing',
      'review-submitter-unverified',
      'review-submitter-mismatch',
    ])
      covered.add(code);
    expect([...emitted].filter((code) => !covered.has(code))).toEqual([]);
  });
});

describe('validate stage: details', () => {
  it('flags a README over the size limit', () => {
    const text = '#'.repeat(README_LIMIT + 1);
    const { issues } = validateCatalog({
      catalog: {
        inventory: [
          classify('catalog/servers/io.github.a/b/README.md'),
          classify('catalog/servers/io.github.a/b/1.0.0.json'),
        ],
        files: [{ location: classify('catalog/servers/io.github.a/b/README.md'), text }],
      },
    });
    expect(issues.map((i) => i.code)).toEqual(['readme-too-large']);
  });

  it('reports the line and column of a nested error', () => {
    const text = '{\n  "rating": 4,\n  "body": "Twenty characters at least.",\n  "version": 1\n}\n';
    const location = classify('catalog/reviews/io.github.a/b/someone.json');
    const { issues } = validateCatalog({
      catalog: {
        inventory: [location, classify('catalog/servers/io.github.a/b/1.0.0.json')],
        files: [{ location, text, json: parseJson(text) }],
      },
    });
    expect(issues).toEqual([expect.objectContaining({ code: 'schema-type', path: '/version', line: 4, column: 3 })]);
  });

  it('collects every problem of a file, not just the first', () => {
    const text = JSON.stringify({ rating: 9, body: 'short', version: 1, extra: true });
    const location = classify('catalog/reviews/io.github.a/b/someone.json');
    const { issues } = validateCatalog({
      catalog: { inventory: [location], files: [{ location, text, json: parseJson(text) }] },
    });
    expect(issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual([
      'review-unknown-server ',
      'schema-maximum /rating',
      'schema-min-length /body',
      'schema-type /version',
      'schema-unknown-property /extra',
    ]);
  });
});

/** A pull request's catalog in memory: the files it changed (added) and what else exists. */
function pullRequest(
  changed: Record<string, unknown>,
  existing: string[] = [],
  config: Record<string, unknown> = {},
): Pick<ValidateInput, 'catalog' | 'changes'> {
  const files = Object.entries(changed).map(([path, value]) => {
    const text = JSON.stringify(value, null, 2);
    return { location: classify(path), text, json: parseJson(text) };
  });
  const configText = JSON.stringify({ categories: [{ id: 'data', title: 'Data' }], ...config });
  const catalog: LoadedCatalog = {
    inventory: [...Object.keys(changed), ...existing].map(classify),
    files,
    config: { location: classify('catalog.config.json'), text: configText, json: parseJson(configText) },
  };
  return { catalog, changes: { base: 'main', files: Object.keys(changed).map((path) => ({ path, status: 'added' })) } };
}

const listing = (name: string) => ({
  $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
  name,
  description: 'A test server for the ownership rules.',
  version: '1.0.0',
  remotes: [{ type: 'streamable-http', url: 'https://mcp.example.com/mcp' }],
});
const listingAt = (name: string) => ({ [`catalog/servers/${name}/1.0.0.json`]: listing(name) });
const review = (extra: Record<string, unknown> = {}) => ({
  rating: 4,
  body: 'Does what it says, and fast.',
  version: '1.0.0',
  ...extra,
});
const facts = (partial: Partial<OwnershipFacts>): OwnershipFacts => ({
  memberships: new Map(),
  domainProofs: new Map(),
  issueAuthors: new Map(),
  ...partial,
});
const proof = (namespace: string, domain: string, checks: DomainProof['checks']): [string, DomainProof] => [
  namespace,
  { namespace, domain, checks },
];
const found = (where: string, owners: string[]) => ({ method: 'dns' as const, where, kind: 'found' as const, owners });
const outcome = (input: ValidateInput) => validateCatalog(input).issues.map((i) => `${i.code} ${i.file} ${i.path}`);

describe('validate stage: namespace ownership', () => {
  it('lets a login publish under io.github.<login>, and nobody else without a fact', () => {
    const pr = pullRequest(listingAt('io.github.alice/tool'));
    expect(outcome({ ...pr, author: 'Alice' })).toEqual([]);
    expect(outcome({ ...pr, author: 'mallory' })).toEqual([
      'namespace-not-owned catalog/servers/io.github.alice/tool/1.0.0.json /name',
    ]);
    expect(ownershipQuestions({ ...pr, author: 'mallory' })).toEqual({
      domainProofs: [],
      memberships: ['@alice'],
      issues: [],
    });
    expect(ownershipQuestions({ ...pr, author: 'alice' })).toEqual({ domainProofs: [], memberships: [], issues: [] });
  });

  it('lets the members of io.github.<org> publish there, through the membership fact', () => {
    const pr = pullRequest(listingAt('io.github.acme/tool'));
    const member = facts({ memberships: new Map([['@acme', { ok: true, value: true }]]) });
    const stranger = facts({ memberships: new Map([['@acme', { ok: true, value: false }]]) });
    const broken = facts({ memberships: new Map([['@acme', { ok: false, error: 'GitHub answered 502' }]]) });
    expect(outcome({ ...pr, author: 'bob', ownership: member })).toEqual([]);
    expect(outcome({ ...pr, author: 'bob', ownership: stranger })).toEqual([
      'namespace-not-owned catalog/servers/io.github.acme/tool/1.0.0.json /name',
    ]);
    expect(outcome({ ...pr, author: 'bob', ownership: broken })).toEqual([
      'ownership-lookup-failed catalog/servers/io.github.acme/tool/1.0.0.json /name',
    ]);
  });

  it('reads logins, @org and @org/team entries of namespaceOwners', () => {
    const pr = pullRequest(listingAt('com.acme/tool'), [], {
      namespaceOwners: { 'com.acme': ['carol', '@acme-corp/mcp'] },
    });
    expect(outcome({ ...pr, author: 'carol' })).toEqual([]);
    expect(ownershipQuestions({ ...pr, author: 'dave' })).toEqual({
      domainProofs: ['com.acme'],
      memberships: ['@acme-corp/mcp'],
      issues: [],
    });
    const team = facts({ memberships: new Map([['@acme-corp/mcp', { ok: true, value: true }]]) });
    expect(outcome({ ...pr, author: 'dave', ownership: team })).toEqual([]);
  });

  it('accepts a domain proof that names the author, or an org the author is in', () => {
    const pr = pullRequest(listingAt('com.example.api/tool'));
    const proofs = new Map([
      proof('com.example.api', 'api.example.com', [found('_mcp-catalog.example.com', ['erin', '@example'])]),
    ]);
    expect(outcome({ ...pr, author: 'erin', ownership: facts({ domainProofs: proofs }) })).toEqual([]);
    // The proof names an org: its membership is the next question.
    expect(
      ownershipQuestions({ ...pr, author: 'frank', ownership: facts({ domainProofs: proofs }) }).memberships,
    ).toEqual(['@example']);
    const member = facts({ domainProofs: proofs, memberships: new Map([['@example', { ok: true, value: true }]]) });
    expect(outcome({ ...pr, author: 'frank', ownership: member })).toEqual([]);
    expect(outcome({ ...pr, author: 'mallory', ownership: facts({ domainProofs: proofs }) })).toEqual([
      'namespace-proof-mismatch catalog/servers/com.example.api/tool/1.0.0.json /name',
    ]);
  });

  it('says which record to publish when there is no proof, and why one could not be read', () => {
    const pr = pullRequest(listingAt('com.example/tool'));
    const none = new Map([
      proof('com.example', 'example.com', [
        { method: 'dns', where: '_mcp-catalog.example.com', kind: 'absent' },
        { method: 'https', where: 'https://example.com/.well-known/mcp-catalog-owners.json', kind: 'absent' },
      ]),
    ]);
    const [missing] = validateCatalog({ ...pr, author: 'gina', ownership: facts({ domainProofs: none }) }).issues;
    expect(missing).toMatchObject({ code: 'namespace-proof-missing', path: '/name' });
    expect(missing?.message).toContain('_mcp-catalog.example.com');
    expect(missing?.message).toContain('mcp-catalog-owner=gina');
    expect(missing?.message).toContain('https://example.com/.well-known/mcp-catalog-owners.json');
    const failing = new Map([
      proof('com.example', 'example.com', [
        { method: 'dns', where: '_mcp-catalog.example.com', kind: 'error', code: 'dns-failed', detail: 'SERVFAIL' },
      ]),
    ]);
    expect(outcome({ ...pr, author: 'gina', ownership: facts({ domainProofs: failing }) })).toEqual([
      'namespace-proof-unavailable catalog/servers/com.example/tool/1.0.0.json /name',
    ]);
  });

  it('judges tools.json and README.md of a server like its listing', () => {
    const pr = pullRequest(
      { 'catalog/servers/io.github.alice/tool/tools.json': { tools: [{ name: 'run', description: 'Runs.' }] } },
      ['catalog/servers/io.github.alice/tool/1.0.0.json'],
    );
    expect(outcome({ ...pr, author: 'mallory' })).toEqual([
      'namespace-not-owned catalog/servers/io.github.alice/tool/tools.json /tools',
    ]);
  });
});

describe('validate stage: review authorship', () => {
  const REVIEW = 'catalog/reviews/io.github.alice/tool/bob.json';
  const SERVER = ['catalog/servers/io.github.alice/tool/1.0.0.json'];

  it('accepts a review by the login it is named after, and refuses anyone else', () => {
    const pr = pullRequest({ [REVIEW]: review() }, SERVER);
    expect(outcome({ ...pr, author: 'bob' })).toEqual([]);
    expect(outcome({ ...pr, author: 'mallory' })).toEqual([`review-not-own ${REVIEW} `]);
  });

  it('accepts a review the issue form submitted when the issue is by that login', () => {
    const pr = pullRequest({ [REVIEW]: review({ submittedVia: { issue: 12 } }) }, SERVER);
    expect(ownershipQuestions({ ...pr, author: ISSUE_FORM_AUTHOR }).issues).toEqual([12]);
    const byBob = facts({ issueAuthors: new Map([[12, { ok: true, value: 'Bob' }]]) });
    const byMallory = facts({ issueAuthors: new Map([[12, { ok: true, value: 'mallory' }]]) });
    const unknown = facts({ issueAuthors: new Map([[12, { ok: false, error: 'not found' }]]) });
    expect(outcome({ ...pr, author: ISSUE_FORM_AUTHOR, ownership: byBob })).toEqual([]);
    expect(outcome({ ...pr, author: ISSUE_FORM_AUTHOR, ownership: byMallory })).toEqual([
      `review-submitter-mismatch ${REVIEW} /submittedVia/issue`,
    ]);
    expect(outcome({ ...pr, author: ISSUE_FORM_AUTHOR, ownership: unknown })).toEqual([
      `review-submitter-unverified ${REVIEW} /submittedVia/issue`,
    ]);
    expect(outcome({ ...pr, author: ISSUE_FORM_AUTHOR })).toEqual([
      `review-submitter-unverified ${REVIEW} /submittedVia/issue`,
    ]);
  });

  it('honours submittedVia only in pull requests the issue form opened', () => {
    const pr = pullRequest({ [REVIEW]: review({ submittedVia: { issue: 12 } }) }, SERVER);
    const byBob = facts({ issueAuthors: new Map([[12, { ok: true, value: 'bob' }]]) });
    expect(outcome({ ...pr, author: 'mallory', ownership: byBob })).toEqual([`review-not-own ${REVIEW} /submittedVia`]);
    expect(ownershipQuestions({ ...pr, author: 'mallory' }).issues).toEqual([]);
  });
});
