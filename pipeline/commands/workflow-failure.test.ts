import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import { startGitHubRepoServer } from '../test-support/github-repo-server.ts';
import type { GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { planWorkflowFailure, readWorkflowRun, workflowFailureCommand } from './workflow-failure.ts';

const EVENT = fileURLToPath(new URL('./__fixtures__/workflow-failure/publish-failed.json', import.meta.url));
const servers: GitHubRepoTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function event(patch: (e: any) => void = () => {}) {
  const e = JSON.parse(await readFile(EVENT, 'utf8'));
  patch(e);
  const file = join(await tempDir(), 'event.json');
  await writeFile(file, JSON.stringify(e));
  return file;
}

describe('workflow-failure', () => {
  it('opens one issue per failing workflow, updates it on repeat, closes it on the next success', async () => {
    const server = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog' });
    servers.push(server);
    const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/catalog', GITHUB_API_URL: server.url };
    expect((await workflowFailureCommand(['--event', await event()], env)).exitCode).toBe(0);
    expect(server.state.issues).toHaveLength(1);
    expect(server.state.issues[0]).toMatchObject({
      title: 'Workflow publish fails on main',
      labels: ['workflow-failure'],
    });
    await workflowFailureCommand(['--event', await event()], env);
    expect(server.state.issues).toHaveLength(1);
    await workflowFailureCommand(['--event', await event((e) => (e.workflow_run.run_attempt = 2))], env);
    expect(server.state.issues).toHaveLength(1);
    expect(server.state.issues[0]!.body).toContain('attempt 2');
    // Another workflow: its own issue.
    await workflowFailureCommand(
      ['--event', await event((e) => (e.workflow_run.path = '.github/workflows/sync.yml'))],
      env,
    );
    expect(server.state.issues).toHaveLength(2);
    await workflowFailureCommand(['--event', await event((e) => (e.workflow_run.conclusion = 'success'))], env);
    expect(server.state.issues.map((i) => i.state)).toEqual(['closed', 'open']);
    expect(server.state.comments.map((c) => c.issue)).toEqual([1]);
  });

  it('ignores pull-request runs, other branches, and cancelled runs', async () => {
    const base = readWorkflowRun(JSON.parse(await readFile(EVENT, 'utf8')))!;
    expect(planWorkflowFailure({ ...base, event: 'pull_request' }, undefined)).toEqual([]);
    expect(planWorkflowFailure({ ...base, branch: 'feature' }, undefined)).toEqual([]);
    expect(planWorkflowFailure({ ...base, conclusion: 'cancelled' }, undefined)).toEqual([]);
    expect(planWorkflowFailure({ ...base, conclusion: 'success' }, undefined)).toEqual([]);
    expect(planWorkflowFailure({ ...base, path: '../x.yml' }, undefined)).toEqual([]);
    expect(planWorkflowFailure(base, undefined).map((a) => a.kind)).toEqual(['issue']);
  });

  it('keeps hostile run names out of the Markdown', async () => {
    const base = readWorkflowRun(JSON.parse(await readFile(EVENT, 'utf8')))!;
    const [action] = planWorkflowFailure({ ...base, name: 'x `@admin` <img src=x>' }, undefined);
    expect(action).toMatchObject({ kind: 'issue' });
    expect(JSON.stringify(action)).not.toMatch(/[`@<>]admin|<img/);
  });
});
