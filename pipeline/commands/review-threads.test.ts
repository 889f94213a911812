import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubRepoServer, type GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { reviewThreadMarker } from '../stages/review-votes.ts';
import { reviewThreadsCommand } from './review-threads.ts';

const SERVER = 'io.github.acme/weather';

function catalogRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'review-threads-'));
  const write = (path: string, value: unknown) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify(value, null, 2));
  };
  write('catalog.config.json', { name: 'Test', baseUrl: 'https://catalog.example/' });
  const review = (title: string) => ({
    rating: 5,
    title,
    body: 'Twenty characters or more of text.',
    version: '1.0.0',
  });
  write(`catalog/reviews/${SERVER}/alice.json`, review('Great'));
  write(`catalog/reviews/${SERVER}/bob.json`, review('Fine'));
  write(`catalog/reviews/${SERVER}/mallory.json`, review('Spam'));
  write(`catalog/curation/${SERVER}.json`, {
    hiddenReviews: [{ login: 'mallory', reason: 'advertising', by: 'maintainer' }],
  });
  return root;
}

let github: GitHubRepoTestServer | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

describe('review-threads', () => {
  it('opens one thread per published review, none for a hidden one, and none again on a rerun', async () => {
    github = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog' });
    const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/catalog', GITHUB_API_URL: github.url };
    const root = catalogRoot();

    const first = await reviewThreadsCommand(['--root', root, '--json'], env);
    expect(first.exitCode).toBe(0);
    expect(github.state.issues.map((i) => [i.title, i.labels])).toEqual([
      [`Review of ${SERVER} by @alice`, ['review-thread']],
      [`Review of ${SERVER} by @bob`, ['review-thread']],
    ]);
    expect(github.state.issues[0]!.body).toContain(`<!-- mcp-catalog:${reviewThreadMarker(SERVER, 'alice')} -->`);
    expect(github.state.issues[0]!.body).toContain(`https://catalog.example/servers/${SERVER}/`);

    const second = await reviewThreadsCommand(['--root', root, '--json'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ planned: 0, opened: [] });
    expect(github.state.issues).toHaveLength(2);
  });

  it('plans without writing on --dry-run, and needs the repository otherwise', async () => {
    const root = catalogRoot();
    const dry = await reviewThreadsCommand(['--root', root, '--dry-run', '--json'], {});
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, planned: 3 - 1 });
    await expect(reviewThreadsCommand(['--root', root], {})).rejects.toThrow(/GITHUB_TOKEN/);
    await expect(reviewThreadsCommand(['--max', '-1'], {})).rejects.toThrow(/--max/);
  });
});
