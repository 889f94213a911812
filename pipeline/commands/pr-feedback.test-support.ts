/**
 * The pull request check end to end, for pr-report.test.ts and pr-comment.test.ts: a real git
 * repository with a base commit (the base branch's checkout) cloned into a pull request checkout
 * that gets commits, the recorded event payloads of __fixtures__/pr-feedback/events/ with this
 * repository's numbers, the GitHub double, a DNS server and an HTTPS host for domain proofs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createDomainProofSource } from '../adapters/domain-proof.ts';
import { createGitHubRepo, type GitHubRepo } from '../adapters/github-repo.ts';
import { readBaseBundle, zip } from '../test-support/bundle-fixtures.ts';
import { startDnsServer, type DnsAnswer, type DnsTestServer } from '../test-support/dns-server.ts';
import { gitInit, tempDir } from '../test-support/fixtures.ts';
import { startGitHubRepoServer, type GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { startHttpsServer, type HttpsTestServer } from '../test-support/https-server.ts';
import type { OwnershipLookups } from './validate.ts';

export const EVENTS = new URL('./__fixtures__/pr-feedback/events/', import.meta.url);
export const CLOCK = 'io.github.alice/clock';
const SCHEMA = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

export interface Doubles {
  github: GitHubRepoTestServer;
  repo: GitHubRepo;
  dns: DnsTestServer;
  https: HttpsTestServer;
  lookups: OwnershipLookups;
  close(): Promise<void>;
}

export async function startDoubles(dnsRecords: Map<string, DnsAnswer>): Promise<Doubles> {
  const github = await startGitHubRepoServer({
    owner: 'acme',
    repo: 'catalog',
    orgs: { 'clock-works': { members: ['dora'] } },
  });
  const repo = createGitHubRepo({
    baseUrl: github.url,
    token: 'test-token',
    owner: 'acme',
    repo: 'catalog',
    retries: 0,
  });
  const dns = await startDnsServer(dnsRecords);
  const https = await startHttpsServer(new Map());
  const lookups: OwnershipLookups = {
    github: repo,
    domains: createDomainProofSource({
      dnsServers: [dns.server],
      dnsTimeoutMs: 500,
      ca: https.caPem,
      originOf: (domain) => `${https.url}/${domain}`,
    }),
  };
  return {
    github,
    repo,
    dns,
    https,
    lookups,
    close: async () => {
      await Promise.all([github.close(), dns.close(), https.close()]);
    },
  };
}

/** A bundle like the scanner fixtures' base, with the given name, version and tools. */
export async function bundle(version: string, tools: { name: string; description: string }[]): Promise<Buffer> {
  const files = await readBaseBundle();
  return zip(
    files.map((file) => {
      if (file.path !== 'manifest.json') return file;
      const manifest = JSON.parse(file.data.toString('utf8')) as Record<string, unknown>;
      return {
        path: file.path,
        data: Buffer.from(JSON.stringify({ ...manifest, name: 'clock', version, tools }, null, 2)),
      };
    }),
  );
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function clockListing(version: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return {
    $schema: SCHEMA,
    name: CLOCK,
    title: 'Clock',
    description: 'Tells the time in any time zone.',
    version,
    packages: [
      {
        registryType: 'mcpb',
        identifier: `bundles/io.github.alice--clock-${version}.mcpb`,
        version,
        fileSha256: sha256(bytes),
        transport: { type: 'stdio' },
      },
    ],
    _meta: { 'io.modelcontextprotocol.registry/publisher-provided': { category: 'data', tags: ['time'] } },
    ...extra,
  };
}

export function remoteListing(name: string) {
  return {
    $schema: SCHEMA,
    name,
    description: 'A remote server for the domain proof tests.',
    version: '1.0.0',
    remotes: [{ type: 'streamable-http', url: 'https://mcp.example.com/mcp' }],
  };
}

export const ECHO = { name: 'echo', description: 'Return the text it is given.' };

export type Files = Record<string, string | Buffer | object | null>;

export interface Scenario {
  base: string;
  pr: string;
  baseSha: string;
  /** Write (or with null delete) files in the pull request checkout and commit them. */
  push(files: Files): Promise<string>;
}

async function writeFiles(root: string, files: Files): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) {
      await rm(full, { force: true });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(
      full,
      typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2) + '\n',
    );
  }
}

/** The base branch: a config and io.github.alice/clock 1.0.0 with its bundle; then its clone, the PR. */
export async function scenario(): Promise<Scenario> {
  const base = await tempDir('pr-base-');
  const v1 = await bundle('1.0.0', [ECHO]);
  await writeFiles(base, {
    '.gitignore': '.cache/\ndist/\n',
    'catalog.config.json': { name: 'Test Catalog', categories: [{ id: 'data', title: 'Data' }] },
    [`catalog/servers/${CLOCK}/1.0.0.json`]: clockListing('1.0.0', v1),
    'catalog/bundles/io.github.alice--clock-1.0.0.mcpb': v1,
  });
  const baseGit = gitInit(base);
  const baseSha = baseGit('rev-parse', 'HEAD').trim();
  const pr = await tempDir('pr-head-');
  execFileSync('git', ['clone', '-q', base, pr]);
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: pr,
        encoding: 'utf8',
      },
    );
  return {
    base,
    pr,
    baseSha,
    async push(files) {
      await writeFiles(pr, files);
      git('add', '-A');
      git('commit', '-q', '-m', 'pull request');
      return git('rev-parse', 'HEAD').trim();
    },
  };
}

/** The recorded pull_request event, for this pull request. */
export async function pullRequestEvent(pr: {
  number: number;
  author: string;
  headSha: string;
  baseSha: string;
  /** The head branch and the repository it is in (`owner/name`); the recorded fork's by default. */
  head?: { ref: string; repository: string };
}) {
  const event = JSON.parse(await readFile(new URL('pull_request.synchronize.json', EVENTS), 'utf8'));
  if (pr.head) {
    event.pull_request.head.ref = pr.head.ref;
    event.pull_request.head.label = `${pr.head.repository.split('/')[0]}:${pr.head.ref}`;
    event.pull_request.head.repo.full_name = pr.head.repository;
    event.pull_request.head.repo.fork = pr.head.repository !== event.pull_request.base.repo.full_name;
  }
  event.number = pr.number;
  event.pull_request.number = pr.number;
  event.pull_request.user.login = pr.author;
  event.sender.login = pr.author;
  event.pull_request.head.sha = pr.headSha;
  event.after = pr.headSha;
  event.pull_request.base.sha = pr.baseSha;
  return writeEvent('pull_request', event);
}

/** The recorded workflow_run event of the pr workflow's run at `headSha`. */
export async function workflowRunEvent(headSha: string, pullRequests: number[] = []) {
  const event = JSON.parse(await readFile(new URL('workflow_run.completed.json', EVENTS), 'utf8'));
  event.workflow_run.head_sha = headSha;
  event.workflow_run.head_commit.id = headSha;
  event.workflow_run.pull_requests = pullRequests.map((number) => ({ number, head: { sha: headSha } }));
  return writeEvent('workflow_run', event);
}

async function writeEvent(name: string, event: unknown): Promise<string> {
  const file = join(await tempDir('event-'), `${name}.json`);
  await writeFile(file, JSON.stringify(event));
  return file;
}

/** A 40-hex commit id that stands for the pull request's head on the GitHub double. */
export function headOf(github: GitHubRepoTestServer, number: number): string {
  const pull = github.state.pulls.find((p) => p.number === number);
  if (!pull) throw new Error(`no pull request #${number} on the double`);
  return pull.headSha;
}
