import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { validateCommand } from '../commands/validate.ts';
import { copyFixture, fixtureCases, readJson } from '../test-support/fixtures.ts';
import { loadCatalog } from './load.ts';
import {
  branchesFromBodies,
  planUpdates,
  updateTargets,
  upstreamQueries,
  type Outcome,
  type UpdateNeed,
  type UpstreamAnswers,
} from './update-bot.ts';

interface Upstream {
  queries: Record<string, Outcome<never>>;
  needs: Record<string, Outcome<string>>;
  maxPrs?: number;
  existingBranches?: string[];
}

interface Expected {
  pullRequests: { branch: string; title: string; labels: string[]; files: { path: string; json: unknown }[] }[];
  needs: UpdateNeed[];
  notes: { code: string; server: string; file: string; path: string }[];
}

const cases = await fixtureCases(new URL('./__fixtures__/update-bot/', import.meta.url));

describe('update bot planner: one fixture per case', () => {
  it.each(cases)('$name', async ({ dir }) => {
    const root = await copyFixture(dir);
    const upstream = await readJson<Upstream>(join(root, 'upstream.json'));
    const expected = await readJson<Expected>(join(root, 'expected.json'));
    const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
    const { targets, notes } = updateTargets(catalog);
    const answers: UpstreamAnswers = {
      queries: new Map(Object.entries(upstream.queries)),
      needs: new Map(Object.entries(upstream.needs)),
    };
    // Every query the planner asks is answered by the fixture, so no case passes on a missing answer.
    for (const query of upstreamQueries(targets)) expect(Object.keys(upstream.queries)).toContain(query.key);
    const plan = planUpdates({
      targets,
      answers,
      ...(upstream.maxPrs === undefined ? {} : { maxPrs: upstream.maxPrs }),
      ...(upstream.existingBranches ? { existingBranches: new Set(upstream.existingBranches) } : {}),
    });
    expect(
      plan.actions.map((a) => ({
        branch: a.branch,
        title: a.title,
        labels: a.labels,
        files: a.files.map((f) => ({ path: f.path, json: JSON.parse(f.content!) as unknown })),
      })),
    ).toEqual(expected.pullRequests);
    expect(plan.needs).toEqual(expected.needs);
    expect([...notes, ...plan.notes].map(({ code, server, file, path }) => ({ code, server, file, path }))).toEqual(
      expected.notes,
    );

    // Each pull request's body names its branch for the next run, and its listing passes validate.
    for (const action of plan.actions) {
      expect(branchesFromBodies([action.body])).toEqual(new Set([action.branch]));
      for (const file of action.files) {
        await mkdir(dirname(join(root, file.path)), { recursive: true });
        await writeFile(join(root, file.path), file.content!);
      }
    }
    const validated = await validateCommand({ root, json: true });
    expect(JSON.parse(validated.stdout)).toMatchObject({ issues: [], checked: expect.any(Number) });
    expect(JSON.parse(validated.stdout).checked).toBeGreaterThan(plan.actions.length);
  });
});

describe('update bot planner: details', () => {
  it('plans the same thing twice: a stable order and no hidden state', async () => {
    const dir = cases.find((c) => c.name === 'max-prs-and-existing')!.dir;
    const catalog = await loadCatalog({ reader: fsCatalogReader(dir) });
    const upstream = await readJson<Upstream>(join(dir, 'upstream.json'));
    const answers = { queries: new Map(Object.entries(upstream.queries)), needs: new Map() };
    const { targets } = updateTargets(catalog);
    const first = planUpdates({ targets, answers, maxPrs: 2 });
    const second = planUpdates({ targets: [...targets].reverse().reverse(), answers, maxPrs: 2 });
    expect(first).toEqual(second);
    expect(first.actions.map((a) => a.branch)).toEqual([
      'update-bot/io.github.acme/alpha/1.2.0',
      'update-bot/io.github.acme/beta/1.2.0',
    ]);
  });

  it('reports a failed bundle download and does not count it against --max-prs', async () => {
    const dir = cases.find((c) => c.name === 'needs-download')!.dir;
    const catalog = await loadCatalog({ reader: fsCatalogReader(dir) });
    const upstream = await readJson<Upstream>(join(dir, 'upstream.json'));
    const { targets } = updateTargets(catalog);
    const first = planUpdates({
      targets,
      answers: { queries: new Map(Object.entries(upstream.queries)), needs: new Map() },
    });
    expect(first.needs.map((n) => n.kind)).toEqual(['mcpb-sha256']);
    const failed = new Map([[first.needs[0]!.key, { ok: false as const, code: 'http-status', message: 'HTTP 404.' }]]);
    const second = planUpdates({
      targets,
      answers: { queries: new Map(Object.entries(upstream.queries)), needs: failed },
    });
    expect(second.actions).toEqual([]);
    expect(second.needs).toEqual([]);
    expect(second.notes.map((n) => [n.code, n.path])).toEqual([['asset-unavailable', '/packages/2/identifier']]);
  });
});
