import { describe, expect, it } from 'vitest';
import type { IssueAction } from '../core/github-actions.ts';
import { compareHelpful, planReviewThreads, reviewThreadMarker, votesByMarker } from './review-votes.ts';

const review = (login: string, title = 'Works well') => ({ login, rating: 4, title, version: '1.0.0' });

describe('planReviewThreads', () => {
  it('plans one labelled, marked issue per review without a thread, in marker order, up to max', () => {
    const actions = planReviewThreads({
      reviews: [
        { server: 'io.github.b/two', review: review('Zed') },
        { server: 'io.github.a/one', review: review('amy') },
        { server: 'io.github.a/one', review: review('bob') },
      ],
      existing: new Set([reviewThreadMarker('io.github.a/one', 'bob')]),
      pageUrl: (s) => `https://example.org/servers/${s}/`,
      max: 10,
    }) as IssueAction[];
    expect(actions.map((a) => [a.kind, a.marker, a.labels])).toEqual([
      ['issue', 'review-thread:io.github.a/one/amy', ['review-thread']],
      ['issue', 'review-thread:io.github.b/two/zed', ['review-thread']],
    ]);
    expect(actions[0]!.body).toContain('<!-- mcp-catalog:review-thread:io.github.a/one/amy -->');
    expect(actions[0]!.body).toContain('https://example.org/servers/io.github.a/one/');
    expect(
      planReviewThreads({
        reviews: [{ server: 'io.github.a/one', review: review('amy') }],
        existing: new Set(),
        max: 0,
      }),
    ).toEqual([]);
  });

  it('quotes review text without mentioning anyone or referencing issues', () => {
    const [action] = planReviewThreads({
      reviews: [{ server: 'io.github.a/one', review: review('amy', 'ping @octocat, fixes #12\n# heading') }],
      existing: new Set(),
      max: 1,
    }) as IssueAction[];
    expect(action!.body).not.toMatch(/@octocat|#12/);
    expect(action!.body).not.toContain('\n# heading');
  });
});

describe('votesByMarker', () => {
  it('reads the marker back and keeps the first thread of a marker', () => {
    const marker = reviewThreadMarker('io.github.a/one', 'Amy');
    const votes = votesByMarker(
      [
        { body: `<!-- mcp-catalog:${marker} -->\ntext`, url: 'https://github.com/o/r/issues/1', up: 3, down: 1 },
        { body: `<!-- mcp-catalog:${marker} -->`, url: 'https://github.com/o/r/issues/2', up: 9, down: 0 },
        { body: 'no marker', url: 'https://github.com/o/r/issues/3', up: 5, down: 5 },
      ],
      new Date('2026-12-03T00:00:00Z'),
    );
    expect([...votes]).toEqual([
      [marker, { up: 3, down: 1, thread: 'https://github.com/o/r/issues/1', asOf: '2026-12-03T00:00:00.000Z' }],
    ]);
  });
});

describe('compareHelpful', () => {
  it('orders by net votes, then by all votes, then newest; uncounted is zero', () => {
    const at = (publishedAt: string, up?: number, down?: number) => ({
      publishedAt,
      ...(up === undefined
        ? {}
        : { helpful: { up, down: down ?? 0, thread: 'https://github.com/o/r/issues/1', asOf: publishedAt } }),
    });
    const reviews = {
      net2: at('2026-01-01T00:00:00Z', 2),
      net2more: at('2026-01-01T00:00:00Z', 4, 2),
      none: at('2026-06-01T00:00:00Z'),
      zeroOld: at('2025-01-01T00:00:00Z', 0),
      negative: at('2026-09-01T00:00:00Z', 0, 3),
    };
    const order = Object.entries(reviews)
      .sort(([, a], [, b]) => compareHelpful(a, b))
      .map(([k]) => k);
    expect(order).toEqual(['net2more', 'net2', 'none', 'zeroOld', 'negative']);
  });
});
