/**
 * `init-fork`, end to end and refusal by refusal.
 *
 * The end-to-end test follows docs/private-catalog.md by reading its `sh` blocks, so the recipe
 * cannot drift from what is tested: in a temporary copy of the repository (the real sample
 * catalog, the real config), it runs init-fork in key mode, adds a private bundle, validates,
 * commits, builds and signs with the printed key, serves dist/ over HTTPS on 127.0.0.1 as the
 * fork's static host, downloads the fork's install.mjs from it and installs the server. Then the
 * public catalog (built keyless against sigstore's mock services, as publish.yml would) and the
 * fork refuse each other's index, with the installer's signature error code.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInstaller } from '../../installer/build.ts';
import { repoBuildInfo } from '../../installer/pin.ts';
import { runInstaller, sandbox, serveDist, snapshot, type CatalogServer } from '../../installer/test-support.ts';
import { checkKeyPair } from '../adapters/signing-key.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import type { CatalogConfig } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { gitInit, readJson, runCliAsync, tempDir } from '../test-support/fixtures.ts';
import {
  DEFAULT_REPOSITORY,
  DEFAULT_REPOSITORY_ID,
  startSigstoreServices,
  type SigstoreServices,
} from '../test-support/sigstore-services.ts';
import { initForkCommand, PUBLIC_KEY_PATH, SAMPLE_SNAPSHOTS, type InitForkIssue, type Removal } from './init-fork.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__/init-fork');
const RECIPE = join(REPO_ROOT, 'docs/private-catalog.md');
const EXAMPLE_URL = 'https://acme.github.io/mcp-catalog/';
const EXAMPLE_BUNDLE = '~/build/dateutil-clock-1.0.0.mcpb';
const REAL_BUNDLE = join(REPO_ROOT, 'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb');
const FORK_ARGS = ['--name', 'Acme MCP Catalog', '--url', EXAMPLE_URL, '--repo', 'acme/mcp-catalog'];
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'commit.gpgsign',
  GIT_CONFIG_VALUE_0: 'false',
};

/** A temporary copy of the repository as a fork starts: the real config and sample catalog, committed. */
async function forkCopy(options: { overlay?: string[]; git?: boolean } = {}): Promise<string> {
  const root = await tempDir('mcp-catalog-fork-');
  for (const path of ['catalog.config.json', 'catalog', '.gitignore'])
    await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
  for (const fixture of options.overlay ?? []) await cp(join(FIXTURES, fixture), root, { recursive: true });
  if (options.git !== false) gitInit(root);
  return root;
}

type Json = { ok: boolean; issues?: InitForkIssue[]; removed?: Removal[]; [key: string]: unknown };

async function initFork(root: string, ...args: string[]) {
  const result = await initForkCommand([...args, '--root', root, '--json']);
  return { ...result, json: JSON.parse(result.stdout) as Json };
}

const issuesOf = (json: Json) => (json.issues ?? []).map((i) => ({ code: i.code, field: i.field }));

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, path)));
    else out.push(path);
  }
  return out.sort();
}

describe('init-fork: what it removes', () => {
  it('removes exactly the sample data, by kind, and keeps every file a user added', async () => {
    const root = await forkCopy({ overlay: ['user-files'] });
    const before = await listFiles(join(root, 'catalog'));
    const result = await initFork(root, ...FORK_ARGS, '--repository-id', '123456789');
    expect(result.exitCode, result.stdout).toBe(0);
    const removed = result.json.removed!;
    const count = (kind: string) => removed.filter((r) => r.kind === kind).length;
    // catalog/NOTICE.md: 27 + 4 official, 20 mcpm, 20 docker listings; four catalog-hosted bundles.
    expect(count('imported-listing')).toBe(71);
    expect(count('sample-bundle-listing')).toBe(4);
    expect(count('sample-bundle')).toBe(4);
    expect(count('sample-review')).toBe(7);
    expect(count('sample-policy')).toBe(2);
    expect(count('sample-notice')).toBe(1);
    const after = await listFiles(join(root, 'catalog'));
    // What is left is what the user added, plus the files of the sample server the user added a version to.
    expect(after).toEqual([
      'policies/acme-default.json',
      'servers/io.github.acme/clock/1.0.0.json',
      'servers/io.github.modelcontextprotocol/fetch/1.0.0.json',
      'servers/io.github.modelcontextprotocol/fetch/README.md',
      'servers/io.github.modelcontextprotocol/fetch/tools.json',
    ]);
    expect(before.length - after.length).toBe(removed.length);
    expect(removed.map((r) => r.path)).not.toContain('catalog/servers/io.github.modelcontextprotocol/fetch/README.md');
    // Every sample review is a sample-reviewer's, every sample policy a sample-* one.
    for (const r of removed.filter((r) => r.kind === 'sample-review')) expect(r.path).toMatch(/\/sample-reviewer-/);
    for (const r of removed.filter((r) => r.kind === 'sample-policy')) expect(r.path).toMatch(/\/sample-[^/]*\.json$/);
    // The catalog it leaves validates, with the config it wrote.
    const validate = await runCliAsync(['validate', '--root', root, '--json']);
    expect(validate.status, validate.stdout).toBe(0);
  });

  it('knows every registry snapshot that npm run sample:import reads', async () => {
    const script = await readFile(join(REPO_ROOT, 'scripts/import-sample.sh'), 'utf8');
    const commits = [...script.matchAll(/--upstream-commit ([0-9a-f]{40})/g)].map((m) => m[1]);
    expect(commits.length).toBeGreaterThan(0);
    expect(new Set(SAMPLE_SNAPSHOTS.map((s) => s.commit))).toEqual(new Set(commits));
  });

  it('keeps everything with --keep-sample, and keeps the sample default policy', async () => {
    const root = await forkCopy();
    const before = await listFiles(join(root, 'catalog'));
    const result = await initFork(root, ...FORK_ARGS, '--keep-sample');
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.removed).toEqual([]);
    expect(await listFiles(join(root, 'catalog'))).toEqual(before);
    expect((await readJson<CatalogConfig>(join(root, 'catalog.config.json'))).defaultPolicy).toBe('sample-standard');
  });

  it('refuses a removal that would leave a user file pointing at nothing, and writes nothing', async () => {
    const root = await forkCopy({ overlay: ['review-of-sample'] });
    const before = await snapshot(root);
    const result = await initFork(root, ...FORK_ARGS);
    expect(result.exitCode).toBe(1);
    expect(issuesOf(result.json)).toEqual([
      { code: 'would-break-catalog', field: 'catalog/reviews/io.github.modelcontextprotocol/sqlite/jdoe.json#' },
    ]);
    expect(await snapshot(root)).toEqual(before);
  });
});

describe('init-fork: the config and the identity', () => {
  it('keyless: pins the fork repository publish workflow and its id, in the config and in the installer it builds', async () => {
    const root = await forkCopy();
    const result = await initFork(root, ...FORK_ARGS, '--repository-id', '123456789', '--color', '#0b5fff');
    expect(result.exitCode, result.stdout).toBe(0);
    const config = await readJson<CatalogConfig>(join(root, 'catalog.config.json'));
    expect(validateSchema('config', config)).toEqual([]);
    expect(config).toMatchObject({
      name: 'Acme MCP Catalog',
      baseUrl: EXAMPLE_URL,
      repository: { owner: 'acme', name: 'mcp-catalog', id: '123456789' },
      signing: { mode: 'keyless', workflow: '.github/workflows/publish.yml', ref: 'refs/heads/main' },
      branding: { primaryColor: '#0b5fff' },
    });
    // The sample's description and default policy were the upstream's.
    expect(config.description).toBeUndefined();
    expect(config.defaultPolicy).toBeUndefined();
    expect(config.sources?.every((s) => s.enabled === false)).toBe(true);
    const pinned = repoBuildInfo(root, 'keyless', {});
    expect(pinned.identity).toEqual({
      mode: 'keyless',
      issuer: 'https://token.actions.githubusercontent.com',
      workflow: 'https://github.com/acme/mcp-catalog/.github/workflows/publish.yml@refs/heads/main',
      repositoryId: '123456789',
    });
    expect(pinned.indexUrl).toBe(`${EXAMPLE_URL}index.json`);
  });

  it('keyless without --repository-id: says that the id must be added and how to find it', async () => {
    const root = await forkCopy();
    const result = await initFork(root, ...FORK_ARGS);
    expect(result.exitCode, result.stdout).toBe(0);
    expect((result.json.notes as string[]).join('\n')).toContain('gh api repos/acme/mcp-catalog --jq .id');
    const text = await initForkCommand([...FORK_ARGS, '--root', root, '--force']);
    expect(text.stdout).toContain('repository.id must be added');
  });

  it('key: writes the public half, prints the private half once, and writes the private half nowhere', async () => {
    const root = await forkCopy();
    const result = await initFork(root, ...FORK_ARGS, '--signing', 'key');
    expect(result.exitCode, result.stdout).toBe(0);
    const secret = result.json.secret as { name: string; privateKeyPem: string };
    expect(secret.name).toBe('CATALOG_SIGNING_KEY');
    const publicKeyPem = await readFile(join(root, PUBLIC_KEY_PATH), 'utf8');
    expect(() => checkKeyPair({ privateKeyPem: secret.privateKeyPem, publicKeyPem })).not.toThrow();
    const config = await readJson<CatalogConfig>(join(root, 'catalog.config.json'));
    expect(config.signing).toEqual({ mode: 'key', publicKey: PUBLIC_KEY_PATH });
    const body = secret.privateKeyPem.split('\n')[1]!;
    for (const file of await listFiles(root)) {
      if (file.startsWith('.git/')) continue;
      expect(await readFile(join(root, file), 'latin1'), file).not.toContain(body);
    }
    expect(repoBuildInfo(root, undefined, {}).identity).toEqual({ mode: 'key', publicKeyPem });
  });

  it('runs again as a no-op, keeping the key pair that installers already trust', async () => {
    const root = await forkCopy();
    const first = await initFork(root, ...FORK_ARGS, '--signing', 'key');
    expect(first.exitCode, first.stdout).toBe(0);
    const git = (...args: string[]) =>
      promisify(execFile)('git', args, { cwd: root, env: { ...process.env, ...GIT_ENV } });
    await git('add', '-A');
    await git('commit', '-q', '-m', 'init-fork');
    const committed = await snapshot(root);
    // Without --signing, a fork that signs with a key stays in key mode.
    const again = await initFork(root, ...FORK_ARGS);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json).toMatchObject({ configChanged: false, removed: [] });
    expect(again.json.secret).toBeUndefined();
    expect((again.json.identity as { keyId: string }).keyId).toBe((first.json.identity as { keyId: string }).keyId);
    expect(await snapshot(root)).toEqual(committed);
  });

  it('--upstream: refused when the config it forks has no baseUrl or identity, as the bundled sample', async () => {
    const root = await forkCopy();
    const before = await snapshot(root);
    const result = await initFork(root, ...FORK_ARGS, '--upstream');
    expect(result.exitCode).toBe(1);
    expect(issuesOf(result.json)).toEqual([{ code: 'upstream-unknown', field: '--upstream' }]);
    expect(await snapshot(root)).toEqual(before);
  });

  it('--upstream: adds the forked catalog as a disabled catalog source pinned to its publish workflow', async () => {
    const root = await forkCopy({ git: false });
    const config = await readJson<CatalogConfig>(join(root, 'catalog.config.json'));
    await writeFile(
      join(root, 'catalog.config.json'),
      JSON.stringify({
        ...config,
        baseUrl: 'https://mcp-catalog.example/',
        repository: { owner: 'mcp-catalog', name: 'catalog', id: '812345678' },
      }),
    );
    gitInit(root);
    const result = await initFork(root, ...FORK_ARGS, '--upstream', '--repository-id', '123456789');
    const upstream = {
      type: 'catalog',
      name: 'public',
      url: 'https://mcp-catalog.example/index.json',
      identity: {
        workflow: 'https://github.com/mcp-catalog/catalog/.github/workflows/publish.yml@refs/heads/main',
        repositoryId: '812345678',
      },
      trust: 'community',
      priority: 10,
      enabled: false,
    };
    // The `catalog` source kind is another engineer's; until the config schema has it, the new
    // config fails its schema and init-fork refuses to write it.
    const schemaKnowsCatalog = validateSchema('config', { sources: [upstream] }).length === 0;
    if (schemaKnowsCatalog) {
      expect(result.exitCode, result.stdout).toBe(0);
      const written = await readJson<CatalogConfig>(join(root, 'catalog.config.json'));
      expect(written.sources?.at(-1)).toEqual(upstream);
    } else {
      expect(result.exitCode).toBe(1);
      expect(issuesOf(result.json).every((i) => i.code === 'config-schema')).toBe(true);
    }
  });
});

describe('init-fork: refusals', () => {
  it('reports every bad option at once, with its field, and writes nothing', async () => {
    const root = await forkCopy();
    const before = await snapshot(root);
    const result = await initFork(
      root,
      '--name',
      'x'.repeat(81),
      '--url',
      'http://acme.example/catalog',
      '--repo',
      'acme',
      '--repository-id',
      'R_123',
      '--signing',
      'gpg',
      '--color',
      'blue',
      '--logo',
      '../outside.svg',
      '--description',
      'y'.repeat(301),
    );
    expect(result.exitCode).toBe(1);
    expect(issuesOf(result.json)).toEqual([
      { code: 'name-invalid', field: '--name' },
      { code: 'url-invalid', field: '--url' },
      { code: 'repo-invalid', field: '--repo' },
      { code: 'repository-id-invalid', field: '--repository-id' },
      { code: 'signing-invalid', field: '--signing' },
      { code: 'color-invalid', field: '--color' },
      { code: 'description-invalid', field: '--description' },
      { code: 'logo-invalid', field: '--logo' },
    ]);
    expect(await snapshot(root)).toEqual(before);
  });

  it('names each missing required option', async () => {
    const root = await forkCopy();
    const result = await initFork(root);
    expect(issuesOf(result.json)).toEqual([
      { code: 'option-missing', field: '--name' },
      { code: 'option-missing', field: '--url' },
      { code: 'option-missing', field: '--repo' },
    ]);
  });

  it('asks for the trailing slash of the base URL; a missing logo file is refused, an https logo is not', async () => {
    const root = await forkCopy();
    const slash = await initFork(root, ...FORK_ARGS.slice(0, 2), '--url', 'https://acme.github.io/mcp-catalog');
    expect(issuesOf(slash.json)).toEqual([
      { code: 'url-trailing-slash', field: '--url' },
      { code: 'option-missing', field: '--repo' },
    ]);
    const logo = await initFork(root, ...FORK_ARGS, '--logo', 'site/public/acme.svg');
    expect(issuesOf(logo.json)).toEqual([{ code: 'logo-invalid', field: '--logo' }]);
    const https = await initFork(root, ...FORK_ARGS, '--logo', 'https://acme.example/logo.svg');
    expect(https.exitCode, https.stdout).toBe(0);
  });

  it('refuses uncommitted changes in catalog/ unless --force', async () => {
    const root = await forkCopy({ overlay: ['user-files'], git: false });
    gitInit(root);
    await writeFile(join(root, 'catalog/policies/acme-default.json'), '{"description": "edited, not committed"}\n');
    const result = await initFork(root, ...FORK_ARGS);
    expect(result.exitCode).toBe(1);
    expect(issuesOf(result.json)).toEqual([
      { code: 'uncommitted-changes', field: 'catalog/policies/acme-default.json' },
    ]);
    const forced = await initFork(root, ...FORK_ARGS, '--force');
    expect(forced.exitCode, forced.stdout).toBe(0);
    expect(await readFile(join(root, 'catalog/policies/acme-default.json'), 'utf8')).toContain('not committed');
  });

  it('refuses outside a git checkout unless --force', async () => {
    const root = await forkCopy({ git: false });
    const result = await initFork(root, ...FORK_ARGS);
    expect(issuesOf(result.json)).toEqual([{ code: 'not-a-git-repository', field: root }]);
    expect((await initFork(root, ...FORK_ARGS, '--force')).exitCode).toBe(0);
  });

  it('refuses a key file it did not make, and a missing or broken config', async () => {
    const root = await forkCopy({ git: false });
    await mkdir(join(root, 'keys'));
    await writeFile(join(root, PUBLIC_KEY_PATH), 'someone else’s key\n');
    gitInit(root);
    const result = await initFork(root, ...FORK_ARGS, '--signing', 'key');
    expect(issuesOf(result.json)).toEqual([{ code: 'public-key-exists', field: PUBLIC_KEY_PATH }]);
    expect(await readFile(join(root, PUBLIC_KEY_PATH), 'utf8')).toBe('someone else’s key\n');

    const empty = await tempDir('mcp-catalog-fork-');
    expect(issuesOf((await initFork(empty, ...FORK_ARGS, '--force')).json)).toEqual([
      { code: 'config-missing', field: 'catalog.config.json' },
    ]);
    await writeFile(join(empty, 'catalog.config.json'), '[1, 2]');
    expect(issuesOf((await initFork(empty, ...FORK_ARGS, '--force')).json)).toEqual([
      { code: 'config-invalid-json', field: 'catalog.config.json' },
    ]);
  });

  it('throws a usage error for an unknown option', async () => {
    await expect(initForkCommand(['--nmae', 'x'])).rejects.toThrow(/init-fork/);
  });
});

// ---------------------------------------------------------------------------------------------
// The recipe, end to end

interface Step {
  variant: 'key' | 'keyless' | undefined;
  /** One command line (continuations joined), or a bash script of several lines. */
  kind: 'command' | 'script';
  text: string;
}

/** The recipe's `sh` blocks as steps: lines the test dispatches, and the rest as bash scripts. */
export function recipeSteps(markdown: string, dispatched: (line: string) => boolean): Step[] {
  const steps: Step[] = [];
  for (const match of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = match[1]!.replace(/\\\n/g, ' ').split('\n');
    const variant = /^# (keyless|key):/.exec(lines[0] ?? '')?.[1] as Step['variant'];
    let script: string[] = [];
    const flush = () => {
      if (script.some((l) => l.trim() && !l.trim().startsWith('#')))
        steps.push({ variant, kind: 'script', text: script.join('\n') });
      script = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const heredoc = /<<'?(\w+)'?/.exec(line);
      if (heredoc) {
        flush();
        const end = lines.indexOf(heredoc[1]!, i + 1);
        script = lines.slice(i, end + 1);
        flush();
        i = end;
      } else if (dispatched(line.trim())) {
        flush();
        steps.push({ variant, kind: 'command', text: line.trim() });
      } else script.push(line);
    }
    flush();
  }
  return steps;
}

/** Shell words of one simple command line: quotes and backslashes, nothing else. */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^\s"'\\]|\\.)+)/g;
  let current = '';
  let last = 0;
  for (const match of line.matchAll(pattern)) {
    if (match.index! > last && /\s/.test(line.slice(last, match.index!)) && current) {
      out.push(current);
      current = '';
    }
    current += match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3]!.replace(/\\(.)/g, '$1');
    last = match.index! + match[0].length;
  }
  if (current) out.push(current);
  return out;
}

/** What the test does for each command line of the recipe that it does not hand to bash. */
const COMMANDS = [
  'git clone ',
  'cd ',
  'npm ci',
  'gh api ',
  'gh variable set ',
  'gh secret set CATALOG_SIGNING_KEY',
  'git push',
  'npm run catalog -- init-fork ',
  'npm run catalog -- validate',
  'npm run build -- ',
  'curl -fsSLO ',
  'node install.mjs ',
];
const isDispatched = (line: string) => COMMANDS.some((c) => line === c.trim() || line.startsWith(c));

function download(url: string, caFile: string, to: string): Promise<void> {
  return readFile(caFile).then(
    (ca) =>
      new Promise<void>((resolve, reject) => {
        request(url, { ca }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => writeFile(to, Buffer.concat(chunks)).then(resolve, reject));
        })
          .on('error', reject)
          .end();
      }),
  );
}

describe('docs/private-catalog.md, followed step by step', () => {
  let services: SigstoreServices;
  let oidc: Server;
  let host: CatalogServer;
  let publicRoot: string;
  let publicInstaller: string;
  const log: string[] = [];
  const fork = { root: '', out: '', installer: '', url: '' };

  beforeAll(async () => {
    // The fork's static host, up first: its URL is the fork's --url.
    const site = await tempDir('mcp-catalog-host-');
    host = await serveDist(site);
    fork.url = `${host.url}mcp-catalog/`;
    fork.out = join(site, 'mcp-catalog');
    fork.root = await forkCopy();
    // The site build resolves Astro from the repository it runs in.
    await symlink(join(REPO_ROOT, 'node_modules'), join(fork.root, 'node_modules'));
    const users = await tempDir('mcp-catalog-users-');
    const box = await sandbox();
    const env: Record<string, string> = {};
    let privateKey: string | undefined;

    const steps = recipeSteps(await readFile(RECIPE, 'utf8'), isDispatched).filter((s) => s.variant !== 'keyless');
    const local = (text: string) => text.replaceAll(EXAMPLE_URL, fork.url).replaceAll(EXAMPLE_BUNDLE, REAL_BUNDLE);
    for (const step of steps) {
      const text = local(step.text);
      log.push(text);
      if (step.kind === 'script') {
        const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', text], {
          cwd: fork.root,
          env: { ...process.env, ...GIT_ENV },
        });
        log.push(run.stdout);
        continue;
      }
      // `npm run catalog -- <command> ARGS` and `npm run build -- ARGS`, as words.
      const argv = words(text);
      if (/^(git clone|cd|npm ci|gh api|gh variable set|git push)\b/.test(text)) continue; // done by the temp copy, or GitHub's side
      if (text.startsWith('gh secret set CATALOG_SIGNING_KEY')) {
        expect(privateKey, 'init-fork printed no private key before the secret step').toBeDefined();
        env.CATALOG_SIGNING_KEY = privateKey!;
      } else if (text.startsWith('npm run catalog -- init-fork ')) {
        const result = await initForkCommand([...argv.slice(5), '--root', fork.root]);
        log.push(result.stdout);
        expect(result.exitCode, result.stdout).toBe(0);
        privateKey = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/.exec(result.stdout)?.[0];
      } else if (text.startsWith('npm run catalog -- validate')) {
        const result = await runCliAsync(['validate', ...argv.slice(5), '--root', fork.root]);
        expect(result.status, result.stdout + result.stderr).toBe(0);
      } else if (text.startsWith('npm run build -- ')) {
        // Tests never reach the internet: OSV is not asked (bundles with dependencies get review).
        const result = await runCliAsync([...argv.slice(4), '--root', fork.root, '--out', fork.out, '--offline'], {
          script: 'pipeline/run.ts',
          env,
        });
        log.push(result.stdout);
        expect(result.status, result.stdout + result.stderr).toBe(0);
      } else if (text.startsWith('curl -fsSLO ')) {
        const url = words(text).at(-1)!;
        fork.installer = join(users, url.split('/').at(-1)!);
        await download(url, host.caFile, fork.installer);
      } else if (text.startsWith('node install.mjs ')) {
        const result = await runInstaller(fork.installer, [...words(text).slice(2), '--yes'], box, {
          env: { NODE_EXTRA_CA_CERTS: host.caFile },
        });
        log.push(result.stdout + result.stderr);
        expect(result.status, result.stdout + result.stderr).toBe(0);
        expect(result.json.ok).toBe(true);
        const cursor = await readFile(join(box.home, '.cursor/mcp.json'), 'utf8');
        expect(cursor).toContain('dateutil-clock');
      }
    }
    expect(fork.installer, 'the recipe downloads install.mjs').not.toBe('');

    // The public catalog: the bundled sample's config and one of its servers, built keyless by its
    // publish workflow (sigstore's mock services and a local stand-in for GitHub's OIDC endpoint).
    services = await startSigstoreServices();
    oidc = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer request-token') return void res.writeHead(403).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ value: services.mintToken() }));
    });
    await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
    publicRoot = await tempDir('mcp-catalog-public-');
    for (const path of [
      'catalog.config.json',
      'catalog/policies',
      'catalog/servers/io.github.mcp-catalog/dateutil-clock',
      'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb',
    ])
      await cp(join(REPO_ROOT, path), join(publicRoot, path), { recursive: true });
    await writeFile(join(publicRoot, 'trusted-root.json'), JSON.stringify(services.trustedRoot));
    const config = await readJson<CatalogConfig>(join(publicRoot, 'catalog.config.json'));
    await writeFile(
      join(publicRoot, 'catalog.config.json'),
      JSON.stringify({ ...config, baseUrl: 'https://mcp-catalog.example/' }),
    );
    gitInit(publicRoot);
    const keyless = {
      GITHUB_REPOSITORY: DEFAULT_REPOSITORY,
      GITHUB_REPOSITORY_ID: DEFAULT_REPOSITORY_ID,
      SIGSTORE_TRUSTED_ROOT: 'trusted-root.json',
    };
    const built = await runCliAsync(['--root', publicRoot, '--offline', '--signing', 'keyless', '--no-site'], {
      script: 'pipeline/run.ts',
      env: {
        ...keyless,
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        SIGSTORE_FULCIO_URL: services.fulcioURL,
        SIGSTORE_REKOR_URL: services.rekorURL,
        SIGSTORE_TSA_URL: services.tsaURL,
      },
    });
    expect(built.status, built.stderr + built.stdout).toBe(0);
    publicInstaller = (
      await buildInstaller({ root: publicRoot, out: await tempDir('mcp-installer-'), signing: 'keyless', env: keyless })
    ).file;
  }, 240_000);

  afterAll(async () => {
    await host?.close();
    await services?.close();
    await new Promise<void>((resolve) => (oidc ? oidc.close(() => resolve()) : resolve()));
  });

  it('builds and signs the fork with its own key, and publishes an installer that pins it', async () => {
    const config = await readJson<CatalogConfig>(join(fork.root, 'catalog.config.json'));
    expect(config).toMatchObject({ baseUrl: fork.url, signing: { mode: 'key', publicKey: PUBLIC_KEY_PATH } });
    const index = await readJson<{ servers: { name: string }[] }>(join(fork.out, 'index.json'));
    // The sample is gone; the private server is all the fork lists.
    expect(index.servers.map((s) => s.name)).toEqual(['io.github.acme/dateutil-clock']);
    const published = await readFile(join(fork.out, 'signing-key.pub.pem'), 'utf8');
    expect(published).toBe(await readFile(join(fork.root, PUBLIC_KEY_PATH), 'utf8'));
    const bundle = await readFile(join(fork.out, 'bundles/io.github.acme--dateutil-clock-1.0.0.mcpb'));
    expect(createHash('sha256').update(bundle).digest('hex')).toBe(
      createHash('sha256')
        .update(await readFile(REAL_BUNDLE))
        .digest('hex'),
    );
    expect(await readFile(fork.installer)).toEqual(await readFile(join(fork.out, 'install.mjs')));
  });

  it('the public catalog installer refuses the fork index, and writes nothing', async () => {
    const box = await sandbox();
    const result = await runInstaller(
      publicInstaller,
      ['install', 'io.github.acme/dateutil-clock', '--index', fork.url, '--client', 'cursor', '--yes'],
      box,
      { env: { NODE_EXTRA_CA_CERTS: host.caFile } },
    );
    expect(result.json.error?.code, result.stdout + result.stderr).toBe('index-identity-mismatch');
    expect(result.status).toBe(1);
    expect(await readdir(box.home)).toEqual([]);
  });

  it('the fork installer refuses the public catalog index, and writes nothing', async () => {
    const box = await sandbox();
    const result = await runInstaller(
      fork.installer,
      [
        'install',
        'io.github.mcp-catalog/dateutil-clock',
        '--index',
        join(publicRoot, 'dist'),
        '--client',
        'cursor',
        '--yes',
      ],
      box,
    );
    expect(result.json.error?.code, result.stdout + result.stderr).toBe('index-identity-mismatch');
    expect(result.status).toBe(1);
    expect(await readdir(box.home)).toEqual([]);
  });

  it('the keyless variant of the recipe writes the fork publish workflow identity', async () => {
    const root = await forkCopy();
    const steps = recipeSteps(await readFile(RECIPE, 'utf8'), isDispatched).filter((s) => s.variant === 'keyless');
    const commands = steps.filter((s) => s.text.startsWith('npm run catalog -- init-fork '));
    expect(commands).toHaveLength(1);
    // Every other keyless line is GitHub's side (gh), which the test cannot run.
    expect(steps.filter((s) => !commands.includes(s)).every((s) => s.text.startsWith('gh '))).toBe(true);
    const result = await initForkCommand([...words(commands[0]!.text).slice(5), '--root', root]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(repoBuildInfo(root, undefined, {}).identity).toEqual({
      mode: 'keyless',
      issuer: 'https://token.actions.githubusercontent.com',
      workflow: 'https://github.com/acme/mcp-catalog/.github/workflows/publish.yml@refs/heads/main',
      repositoryId: '123456789',
    });
  });
});
