import { describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFixture, gitInit, runCli } from '../test-support/fixtures.ts';
import { validateSchema } from '../core/schema-validator.ts';

const VALID = fileURLToPath(new URL('../stages/__fixtures__/validate/valid/', import.meta.url));
const WEATHER = 'catalog/servers/io.github.acme/weather';

async function repoFromValidFixture() {
  const root = await copyFixture(VALID);
  await rm(join(root, 'expected.json'));
  const git = gitInit(root);
  return { root, git };
}

async function readListing(root: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(root, WEATHER, '1.1.0.json'), 'utf8'));
}

function validate(root: string, ...args: string[]) {
  // No GitHub from the environment: these tests never leave the machine.
  const result = runCli(['validate', '--root', root, '--json', ...args], {
    env: { GITHUB_REPOSITORY: '', GITHUB_TOKEN: '' },
  });
  return {
    ...result,
    report: result.stdout
      ? (JSON.parse(result.stdout) as { issues: { code: string; file: string; path: string }[]; checked: number })
      : undefined,
  };
}

const codes = (report: { issues: { code: string; file: string }[] } | undefined) =>
  report?.issues.map((i) => `${i.code} ${i.file}`);

describe('catalog validate --changed-since', () => {
  it('checks only the changed server when one version is added', async () => {
    const { root } = await repoFromValidFixture();
    const listing = await readListing(root);
    await writeFile(join(root, WEATHER, '1.2.0.json'), JSON.stringify({ ...listing, version: '1.2.0' }, null, 2));
    const { status, report } = validate(root, '--changed-since', 'HEAD');
    expect(status).toBe(0);
    expect(report?.issues).toEqual([]);
    // config + the weather server's 6 files (3 versions, status, README, tools) + its review + curation
    expect(report?.checked).toBe(9);
  });

  it('refuses a rewritten or deleted version file', async () => {
    const { root } = await repoFromValidFixture();
    await writeFile(join(root, WEATHER, '1.1.0.json'), '{}\n');
    await rm(join(root, WEATHER, '1.0.0.json'));
    const { status, report } = validate(root, '--changed-since', 'HEAD');
    expect(status).toBe(1);
    expect(codes(report)).toEqual(
      expect.arrayContaining([`listing-immutable ${WEATHER}/1.0.0.json`, `listing-immutable ${WEATHER}/1.1.0.json`]),
    );
  });

  it('validates everything when the config changes', async () => {
    const { root } = await repoFromValidFixture();
    await writeFile(
      join(root, 'catalog.config.json'),
      JSON.stringify({ name: 'Renamed', categories: [{ id: 'other', title: 'Other' }] }),
    );
    const { status, report } = validate(root, '--changed-since', 'HEAD');
    expect(status).toBe(1);
    expect(report?.checked).toBe(11);
    expect(new Set(report?.issues.map((i) => i.code))).toEqual(new Set(['unknown-category']));
  });

  it('checks namespace ownership and review authorship with --author', async () => {
    const { root } = await repoFromValidFixture();
    const listing = await readListing(root);
    await writeFile(join(root, WEATHER, '1.2.0.json'), JSON.stringify({ ...listing, version: '1.2.0' }));
    await mkdir(join(root, 'catalog/reviews/io.github.acme/bundle'), { recursive: true });
    await writeFile(
      join(root, 'catalog/reviews/io.github.acme/bundle/someone-else.json'),
      JSON.stringify({ rating: 3, body: 'Works, but the setup took a while.', version: '2.0.0' }),
    );
    const stranger = validate(root, '--changed-since', 'HEAD', '--author', 'mallory');
    expect(stranger.status).toBe(1);
    expect(stranger.report?.issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'review-not-own ',
      'namespace-not-owned /name',
    ]);

    const owner = validate(root, '--changed-since', 'HEAD', '--author', 'Acme');
    expect(owner.report?.issues.map((i) => i.code)).toEqual(['review-not-own']);
  });

  it('accepts an organisation namespace listed in namespaceOwners', async () => {
    const { root, git } = await repoFromValidFixture();
    await writeFile(
      join(root, 'catalog.config.json'),
      JSON.stringify({
        defaultPolicy: 'strict',
        categories: [{ id: 'data', title: 'Data' }],
        namespaceOwners: { 'io.github.acme': ['alice'] },
      }),
    );
    git('commit', '-qam', 'owners');
    const listing = await readListing(root);
    await writeFile(join(root, WEATHER, '1.2.0.json'), JSON.stringify({ ...listing, version: '1.2.0' }));
    expect(validate(root, '--changed-since', 'HEAD', '--author', 'alice').status).toBe(0);
  });

  it('fails with exit code 2 and a hint on an unknown base', async () => {
    const { root } = await repoFromValidFixture();
    const { status, stderr } = validate(root, '--changed-since', 'no-such-branch');
    expect(status).toBe(2);
    expect(stderr).toContain('no-such-branch');
  });
});

describe('catalog validate output', () => {
  it('prints a report that matches its schema, with positions', async () => {
    const root = await copyFixture(
      fileURLToPath(new URL('../stages/__fixtures__/validate/schema-required-in-any-of/', import.meta.url)),
    );
    const { status, stdout } = runCli(['validate', '--root', root, '--json']);
    expect(status).toBe(1);
    const report = JSON.parse(stdout);
    expect(validateSchema('validation-report', report)).toEqual([]);
    expect(report.issues[0]).toMatchObject({
      code: 'schema-required',
      path: '/packages/0/transport/url',
      severity: 'error',
      line: expect.any(Number),
      column: expect.any(Number),
    });
  });

  it('prints one readable line per issue and GitHub annotations under Actions', async () => {
    const root = await copyFixture(
      fileURLToPath(new URL('../stages/__fixtures__/validate/unknown-category/', import.meta.url)),
    );
    const plain = runCli(['validate', '--root', root]);
    expect(plain.status).toBe(1);
    expect(plain.stdout).toMatch(
      /^catalog\/servers\/io\.github\.acme\/weather\/1\.0\.0\.json:\d+:\d+ error unknown-category \/_meta\//m,
    );
    const actions = runCli(['validate', '--root', root], { env: { GITHUB_ACTIONS: 'true' } });
    expect(actions.stdout).toMatch(
      /^::error title=unknown-category,file=.*catalog\/servers\/io\.github\.acme\/weather\/1\.0\.0\.json,line=\d+,col=\d+::/m,
    );
  });

  it('rejects unknown options with exit code 2', () => {
    const { status, stderr } = runCli(['validate', '--bogus']);
    expect(status).toBe(2);
    expect(stderr).toContain('Usage');
  });
});
