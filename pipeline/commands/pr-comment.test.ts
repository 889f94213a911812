/** pr-comment treats the downloaded report folder as untrusted: what it refuses, it does not post. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import { prCommentCommand } from './pr-comment.ts';
import { startDoubles, workflowRunEvent, type Doubles } from './pr-feedback.test-support.ts';

let doubles: Doubles;
beforeAll(async () => {
  doubles = await startDoubles(new Map());
});
afterAll(() => doubles.close());

function report(number: number, headSha: string, extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    pullRequest: { number, author: 'alice', headSha, baseSha: 'a'.repeat(40) },
    ok: true,
    errors: 0,
    warnings: 0,
    servers: [],
    reviews: [],
    issues: [],
    labels: { add: [], remove: ['new-server', 'new-version', 'review', 'policy', 'needs-maintainer-ack'] },
    ...extra,
  };
}

async function folder(value: unknown): Promise<string> {
  const dir = join(await tempDir('pr-comment-'), 'report');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), JSON.stringify(value));
  return dir;
}

describe('pr-comment', () => {
  it('refuses a report that does not match its schema, a foreign commit, or a stale head', async () => {
    const number = doubles.github.seedPull({ head: 'feature', user: 'alice', files: { 'a.txt': 'a' } });
    const head = doubles.github.state.pulls.find((p) => p.number === number)!.headSha;
    const writes = () => doubles.github.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const run = await workflowRunEvent(head);
    const tampered = await folder(report(number, head, { labels: { add: ['merge-me'], remove: [] } }));
    expect((await prCommentCommand(['--report', tampered, '--event', run], { github: doubles.repo })).exitCode).toBe(1);
    const other = await folder(report(number, 'b'.repeat(40)));
    expect((await prCommentCommand(['--report', other, '--event', run], { github: doubles.repo })).exitCode).toBe(1);
    const stale = await workflowRunEvent('c'.repeat(40));
    const forStale = await folder(report(number, 'c'.repeat(40)));
    expect((await prCommentCommand(['--report', forStale, '--event', stale], { github: doubles.repo })).exitCode).toBe(
      1,
    );
    const wrongNumber = await workflowRunEvent(head, [number + 100]);
    const ok = await folder(report(number, head));
    expect((await prCommentCommand(['--report', ok, '--event', wrongNumber], { github: doubles.repo })).exitCode).toBe(
      1,
    );
    expect(writes()).toBe(before);
    // The same report, with the right event, is posted.
    expect((await prCommentCommand(['--report', ok, '--event', run], { github: doubles.repo })).exitCode).toBe(0);
    expect(doubles.github.state.comments.filter((c) => c.issue === number)).toHaveLength(1);
  });

  it('does nothing when the check wrote no report', async () => {
    const run = await workflowRunEvent('d'.repeat(40));
    const empty = await tempDir('pr-comment-empty-');
    expect((await prCommentCommand(['--report', empty, '--event', run], { github: doubles.repo })).exitCode).toBe(0);
  });
});
