import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatOwner, ownersOf, parseCodeOwners } from '../core/codeowners.ts';
import type { GitHubAction } from '../core/github-actions.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import { catalogFacts } from '../commands/issue-form.ts';
import { fixtureCases, readJson } from '../test-support/fixtures.ts';
import {
  FORMS,
  RATING_OPTIONS,
  REGISTRY_OPTIONS,
  REPORT_KINDS,
  fenced,
  formOfLabels,
  parseForm,
  planApproval,
  planApprovalRequest,
  planReport,
  planReview,
  planSubmission,
  planYank,
  quote,
} from './issue-forms.ts';
import type {
  ApprovalFacts,
  IssueFacts,
  IssueFormPlan,
  PlanContext,
  SubmissionFacts,
  YankFacts,
} from './issue-forms.ts';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/issue-forms/', import.meta.url));
const CATALOG = fileURLToPath(new URL('./__fixtures__/issue-forms-catalog/', import.meta.url));

interface Facts {
  submission?: SubmissionFacts;
  approval?: Omit<ApprovalFacts, 'owners'>;
  yank?: Omit<YankFacts, 'owners'>;
}

/** The pure half of the command's dispatch: which planner an event goes to. */
async function planFixture(dir: string): Promise<IssueFormPlan> {
  const event = await readJson<Record<string, any>>(join(dir, 'event.json'));
  const facts = await readJson<Facts>(join(dir, 'facts.json'));
  const rules = parseCodeOwners(await readFile(join(CATALOG, '.github/CODEOWNERS'), 'utf8'));
  const issue: IssueFacts = {
    number: event.issue.number,
    title: event.issue.title,
    body: event.issue.body,
    labels: event.issue.labels.map((l: { name: string }) => l.name),
    state: event.issue.state,
    author: { login: event.issue.user.login, id: event.issue.user.id, type: event.issue.user.type },
  };
  const ctx: PlanContext = { repository: 'acme/catalog', issue, catalog: await catalogFacts(CATALOG) };
  const form = formOfLabels(issue.labels)!;
  if (event.comment)
    return planYank(ctx, { ...facts.yank!, owners: ownersOf(rules, 'catalog/servers/x/y/status.json') });
  if (event.action === 'labeled') {
    return planApproval(ctx, { ...facts.approval!, owners: ownersOf(rules, 'catalog/policies/corp.json') });
  }
  switch (form.kind) {
    case 'submit-server':
      return planSubmission(ctx, facts.submission ?? {});
    case 'write-review':
      return planReview(ctx);
    case 'report-server':
      return planReport(ctx, ownersOf(rules, 'catalog/servers/'));
    case 'request-approval':
      return planApprovalRequest(ctx);
  }
}

/** What expected.json records of a plan: every action, with the files of a pull request parsed. */
function summarise(plan: IssueFormPlan) {
  return {
    form: plan.form,
    decision: plan.decision,
    problems: plan.problems.map(({ code, path }) => ({ code, path })),
    actions: plan.actions.map((a: GitHubAction) =>
      a.kind === 'pull-request'
        ? {
            kind: a.kind,
            branch: a.branch,
            title: a.title,
            labels: a.labels,
            author: a.author,
            files: a.files.map((f) => ({ path: f.path, content: f.content === null ? null : JSON.parse(f.content) })),
          }
        : a.kind === 'comment'
          ? { kind: a.kind, issue: a.issue, marker: a.marker }
          : a,
    ),
  };
}

describe('issue-form fixtures: each event with its facts becomes the expected plan', async () => {
  for (const { name, dir } of await fixtureCases(FIXTURES)) {
    it(name, async () => {
      const actual = summarise(await planFixture(dir));
      const file = join(dir, 'expected.json');
      if (process.env.UPDATE_FIXTURES === '1') await writeFile(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(actual).toEqual(await readJson(file));
    });
  }
});

describe('parseForm', () => {
  const form = FORMS['write-review'];
  it('reads each section, with _No response_ as empty', () => {
    const body =
      '### Server\n\nio.github.acme/weather\n\n### Version you used\n\n1.1.0\n\n### Rating\n\n4 (good)\n\n### Summary\n\n_No response_\n\n### Review\n\nLine one\n### Not a field\nline two\n\n### Use cases\n\n_No response_';
    const { values, problems } = parseForm(form, body);
    expect(problems).toEqual([]);
    expect(values).toMatchObject({ server: 'io.github.acme/weather', title: '', 'use-cases': '' });
    expect(values.review).toBe('Line one\n### Not a field\nline two');
  });

  it('reports a missing required section, a too-long value, control and hidden characters', () => {
    const body = `### Server\n\nio.github.acme/wea\u200bther\n\n### Rating\n\n4 (good)\n\n### Summary\n\n${'x'.repeat(101)}\n\n### Review\n\nbell \u0007 here, and enough text`;
    const codes = parseForm(form, body).problems.map((p) => [p.code, p.path]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ['form-missing-field', '/version'],
        ['form-too-long', '/title'],
        ['form-hidden-character', '/server'],
        ['form-control-character', '/review'],
      ]),
    );
  });

  it('refuses a body over 65,536 characters whole', () => {
    expect(parseForm(form, 'x'.repeat(70_000)).problems.map((p) => p.code)).toEqual(['form-too-large']);
  });

  it('normalises CRLF', () => {
    expect(parseForm(form, '### Server\r\n\r\na/b\r\n').values.server).toBe('a/b');
  });
});

describe('quoting untrusted text', () => {
  it('quote: one line in a code span, no backticks, cut short', () => {
    expect(quote('a`b\n@admin')).toBe("`a'b @admin`");
    expect(quote('x'.repeat(100), 10)).toBe(`\`${'x'.repeat(10)}…\``);
    expect(quote('')).toBe('(empty)');
  });
  it('fenced: a fence longer than any backtick run inside', () => {
    expect(fenced('a ```` b')).toBe('`````text\na ```` b\n`````');
  });
});

describe('the templates agree with FORMS', () => {
  for (const form of Object.values(FORMS)) {
    it(form.template, async () => {
      const yaml = parseYaml(await readFile(join(REPO_ROOT, '.github/ISSUE_TEMPLATE', form.template), 'utf8')) as {
        labels: string[];
        body: {
          type: string;
          id?: string;
          attributes: { label?: string; options?: unknown[] };
          validations?: { required?: boolean };
        }[];
      };
      expect(yaml.labels).toContain(form.label);
      const fields = yaml.body.filter((b) => b.type !== 'markdown');
      expect(fields.map((f) => [f.id, f.attributes.label])).toEqual(form.fields.map((f) => [f.id, f.label]));
      for (const f of fields) {
        const def = form.fields.find((d) => d.id === f.id)!;
        const type = { input: 'line', textarea: 'text', dropdown: 'dropdown', checkboxes: 'checkbox' }[f.type];
        expect(type).toBe(def.type);
        if (f.type !== 'checkboxes') expect(Boolean(f.validations?.required)).toBe(def.required);
      }
      const options = (id: string) => fields.find((f) => f.id === id)?.attributes.options;
      if (form.kind === 'submit-server') expect(options('registry')).toEqual(Object.values(REGISTRY_OPTIONS));
      if (form.kind === 'write-review') expect(options('rating')).toEqual([...RATING_OPTIONS]);
      if (form.kind === 'report-server') expect(options('kind')).toEqual([...REPORT_KINDS]);
    });
  }
});

describe('CODEOWNERS', () => {
  const rules = parseCodeOwners(
    [
      '# comment',
      '*       @acme/maintainers',
      '/catalog/policies/   @acme/it   # trailing comment',
      '/catalog/policies/corp.json @carol alice@example.com',
      'docs/*  @docs',
      '**/logs @ops',
      '/catalog/policies/none.json',
    ].join('\n'),
  );
  const owners = (path: string) => ownersOf(rules, path).map(formatOwner);
  it('the last matching pattern wins', () => {
    expect(owners('catalog/policies/corp.json')).toEqual(['@carol', 'alice@example.com']);
    expect(owners('catalog/policies/other.json')).toEqual(['@acme/it']);
    expect(owners('README.md')).toEqual(['@acme/maintainers']);
  });
  it('a matching line without owners leaves the path without owners', () => {
    expect(owners('catalog/policies/none.json')).toEqual([]);
  });
  it('`docs/*` matches direct files only; `**/logs` at any depth', () => {
    expect(owners('docs/a.md')).toEqual(['@docs']);
    expect(owners('docs/x/a.md')).toEqual(['@acme/maintainers']);
    expect(owners('a/b/logs/x.txt')).toEqual(['@ops']);
  });
  it('the repository CODEOWNERS names owners for what the forms touch', async () => {
    const own = parseCodeOwners(await readFile(join(REPO_ROOT, '.github/CODEOWNERS'), 'utf8'));
    for (const path of [
      'catalog/policies/x.json',
      'catalog/curation/x.json',
      '.github/workflows/pr.yml',
      'catalog/servers/a/b/status.json',
    ]) {
      expect(ownersOf(own, path).length, path).toBeGreaterThan(0);
    }
  });
});
