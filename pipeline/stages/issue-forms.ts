/**
 * Issue forms to pull requests, as pure planning: the four forms of `.github/ISSUE_TEMPLATE/`
 * (submit a server, write a review, report a server, request approval), an event payload's issue,
 * and the facts the command fetched (the catalog on the default branch, package metadata, the
 * CODEOWNERS verdict) in; `GitHubAction[]` out, carried out by `pipeline/adapters/github-repo.ts`.
 *
 * Every field is untrusted. A form with any problem gets one comment, keyed by a marker so that
 * an edit of the issue updates it, that lists every problem and how to fix it, and no pull request.
 * Every file a pull request would add is checked against its schema first, so a form never turns
 * into a broken pull request. Values a comment quotes back are put in code spans, cut short and
 * stripped of backticks and line breaks, so they can neither render Markdown nor mention anyone.
 */
import semver from 'semver';
import { validateSchema } from '../core/schema-validator.ts';
import type { SchemaKind } from '../core/schema-validator.ts';
import type { GitHubAction, PullRequestAction } from '../core/github-actions.ts';
import { isObject } from '../core/guards.ts';
import { formatOwner } from '../core/codeowners.ts';
import type { CodeOwner } from '../core/codeowners.ts';

export const OFFICIAL_SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

// ---- the forms -------------------------------------------------------------------------------

export type FormKind = 'submit-server' | 'write-review' | 'report-server' | 'request-approval';

export interface FormField {
  id: string;
  /** The field's label in the template: the `### Label` heading GitHub renders it under. */
  label: string;
  required: boolean;
  /** `line`: one line, no control characters; `text`: a textarea (line breaks allowed). */
  type: 'line' | 'text' | 'dropdown' | 'checkbox';
  maxLength: number;
}

export interface FormDefinition {
  kind: FormKind;
  /** The template file in `.github/ISSUE_TEMPLATE/`. */
  template: string;
  /** The label the template gives every issue it opens: how a workflow knows the form. */
  label: string;
  fields: FormField[];
}

/** The one definition the templates must agree with (issue-forms.test.ts checks the YAML against it). */
export const FORMS: Record<FormKind, FormDefinition> = {
  'submit-server': {
    kind: 'submit-server',
    template: 'submit-server.yml',
    label: 'submission',
    fields: [
      { id: 'registry', label: 'Where is it published?', required: true, type: 'dropdown', maxLength: 100 },
      { id: 'package', label: 'Package name', required: false, type: 'line', maxLength: 214 },
      { id: 'version', label: 'Version', required: false, type: 'line', maxLength: 255 },
      { id: 'repository', label: 'Source repository', required: false, type: 'line', maxLength: 300 },
      { id: 'name', label: 'Server name', required: false, type: 'line', maxLength: 200 },
      { id: 'description', label: 'Description', required: false, type: 'line', maxLength: 100 },
      { id: 'confirm', label: 'Publisher', required: true, type: 'checkbox', maxLength: 300 },
    ],
  },
  'write-review': {
    kind: 'write-review',
    template: 'write-review.yml',
    label: 'review',
    fields: [
      { id: 'server', label: 'Server', required: true, type: 'line', maxLength: 200 },
      { id: 'version', label: 'Version you used', required: true, type: 'line', maxLength: 255 },
      { id: 'rating', label: 'Rating', required: true, type: 'dropdown', maxLength: 100 },
      { id: 'title', label: 'Summary', required: false, type: 'line', maxLength: 100 },
      { id: 'review', label: 'Review', required: true, type: 'text', maxLength: 5000 },
      { id: 'use-cases', label: 'Use cases', required: false, type: 'text', maxLength: 1100 },
    ],
  },
  'report-server': {
    kind: 'report-server',
    template: 'report-server.yml',
    label: 'report',
    fields: [
      { id: 'server', label: 'Server', required: true, type: 'line', maxLength: 200 },
      { id: 'versions', label: 'Affected versions', required: false, type: 'line', maxLength: 300 },
      { id: 'kind', label: 'What is wrong', required: true, type: 'dropdown', maxLength: 100 },
      { id: 'details', label: 'Details', required: true, type: 'text', maxLength: 10000 },
    ],
  },
  'request-approval': {
    kind: 'request-approval',
    template: 'request-approval.yml',
    label: 'approval-request',
    fields: [
      { id: 'server', label: 'Server', required: true, type: 'line', maxLength: 200 },
      { id: 'version', label: 'Version', required: true, type: 'line', maxLength: 255 },
      { id: 'policy', label: 'Policy', required: true, type: 'line', maxLength: 100 },
      { id: 'group', label: 'Group', required: false, type: 'line', maxLength: 64 },
      { id: 'justification', label: 'Justification', required: true, type: 'text', maxLength: 2000 },
    ],
  },
};

export const REGISTRY_OPTIONS = { npm: 'npm', pypi: 'PyPI', github: 'GitHub repository with a server.json' } as const;
export const RATING_OPTIONS = ['5 (excellent)', '4 (good)', '3 (fair)', '2 (poor)', '1 (unusable)'] as const;
export const REPORT_KINDS = [
  'Malicious code or behaviour',
  'Security vulnerability (already public)',
  'Impersonation or typosquatting',
  'Spam or abuse',
  'Broken or misleading listing',
] as const;
/** The label a policy owner sets to approve a request. */
export const APPROVED_LABEL = 'approved';
/** Longer issue bodies are refused whole: GitHub allows 65,536 characters. */
export const MAX_BODY = 65_536;

export function formOfLabels(labels: readonly string[]): FormDefinition | undefined {
  return Object.values(FORMS).find((f) => labels.includes(f.label));
}

// ---- parsing ---------------------------------------------------------------------------------

/** A problem with a form: a stable code, the field as a JSON pointer (`/server`), and how to fix it. */
export interface FormProblem {
  code: string;
  path: string;
  message: string;
}

export interface ParsedForm {
  values: Record<string, string>;
  problems: FormProblem[];
}

// Zero-width, bidi controls, BOM, tag characters and other invisibles: text that reads differently than it is.
const HIDDEN =
  /[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\u{e0000}-\u{e0fff}]/u;
const CONTROL_LINE = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * The values of a form from the Markdown GitHub renders it as: `### Label\n\nvalue` per field in
 * template order, `_No response_` for an empty one. Only the form's own labels split sections, so
 * a textarea may hold `###` lines of its own; a label heading that appears twice (a value that
 * forges the next field) is a problem, not a guess.
 */
export function parseForm(form: FormDefinition, body: string | null | undefined): ParsedForm {
  const problems: FormProblem[] = [];
  const values: Record<string, string> = {};
  const text = (body ?? '').replace(/\r\n?/g, '\n');
  if (text.length > MAX_BODY) {
    return {
      values,
      problems: [
        {
          code: 'form-too-large',
          path: '',
          message: `The issue is over ${MAX_BODY} characters; shorten it to what the form asks.`,
        },
      ],
    };
  }
  const byLabel = new Map(form.fields.map((f) => [f.label, f]));
  const headings: { field: FormField; start: number; end: number }[] = [];
  const lines = text.split('\n');
  let offset = 0;
  for (const line of lines) {
    const m = /^###[ \t]+(.+?)[ \t]*$/.exec(line);
    const field = m ? byLabel.get(m[1]!) : undefined;
    if (field) headings.push({ field, start: offset, end: offset + line.length });
    offset += line.length + 1;
  }
  const seen = new Set<string>();
  for (const [i, h] of headings.entries()) {
    if (seen.has(h.field.id)) {
      problems.push({
        code: 'form-duplicate-field',
        path: `/${h.field.id}`,
        message: `The heading "### ${h.field.label}" appears more than once; remove it from the other answers.`,
      });
      continue;
    }
    seen.add(h.field.id);
    const next = headings[i + 1]?.start ?? text.length;
    let value = text.slice(h.end, next).trim();
    if (value === '_No response_' || value === 'None')
      value = h.field.type === 'dropdown' && value === 'None' ? '' : value === '_No response_' ? '' : value;
    values[h.field.id] = value;
  }
  for (const field of form.fields) {
    const value = values[field.id] ?? '';
    const path = `/${field.id}`;
    if (!(field.id in values) && !seen.has(field.id)) {
      if (field.required) {
        problems.push({
          code: 'form-missing-field',
          path,
          message: `The section "### ${field.label}" is missing: open a new issue from the form, or restore the heading.`,
        });
      }
      continue;
    }
    if (field.required && value === '' && field.type !== 'checkbox') {
      problems.push({ code: 'form-required', path, message: `"${field.label}" is required.` });
    }
    if (value.length > field.maxLength) {
      problems.push({
        code: 'form-too-long',
        path,
        message: `"${field.label}" is ${value.length} characters long; at most ${field.maxLength} fit.`,
      });
    }
    if ((field.type === 'text' ? CONTROL_TEXT : CONTROL_LINE).test(value)) {
      problems.push({
        code: 'form-control-character',
        path,
        message: `"${field.label}" holds a control character${field.type === 'text' ? '' : ' or a line break'}; remove it.`,
      });
    }
    if (HIDDEN.test(value)) {
      problems.push({
        code: 'form-hidden-character',
        path,
        message: `"${field.label}" holds an invisible character (zero-width, bidirectional control or similar); retype it.`,
      });
    }
  }
  return { values, problems };
}

/** A checkbox of a form renders as `- [X] text` when ticked. */
function ticked(value: string | undefined): boolean {
  return /^- \[[xX]\] /m.test(value ?? '');
}

// ---- quoting ---------------------------------------------------------------------------------

/** An untrusted value, shown in a comment: one line, short, in a code span (no Markdown, no @mention). */
export function quote(value: string, max = 80): string {
  const flat = value
    .replace(/[\u0000-\u001f\u007f-\u009f]+/gu, ' ')
    .replace(/`/g, "'")
    .trim();
  const cut = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  return cut === '' ? '(empty)' : `\`${cut}\``;
}

/** A fenced block for longer untrusted text, with a fence longer than any backtick run inside. */
export function fenced(value: string): string {
  const longest = Math.max(2, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')}\n${fence}`;
}

// ---- the facts the command gathers -------------------------------------------------------------

export interface IssueFacts {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  author: { login: string; id: number; type: string };
}

export interface CatalogFacts {
  /** Server name → its versions in the catalog on the default branch. */
  servers: Record<string, string[]>;
  /** Policy name → the text of `catalog/policies/<name>.json`. */
  policies: Record<string, string>;
  /** Server name → the text of its `status.json`, when it has one. */
  statuses: Record<string, string>;
}

export interface PlanContext {
  /** `owner/name` of the catalog repository. */
  repository: string;
  issue: IssueFacts;
  catalog: CatalogFacts;
}

export interface IssueFormPlan {
  form: FormKind | undefined;
  /** What was decided, for logs and tests: `pull-request`, `problems`, `acknowledged`, `refused`, `ignored`. */
  decision: 'pull-request' | 'problems' | 'acknowledged' | 'refused' | 'ignored';
  problems: FormProblem[];
  actions: GitHubAction[];
}

export const MARKERS = {
  form: 'issue-form',
  approval: 'approval',
  yank: 'yank',
} as const;

const SERVER_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const LOGIN = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A server name this catalog can hold as a folder: the schema's pattern, and no `.`/`..` part or leading dot. */
export function serverNameProblem(name: string): string | undefined {
  if (!SERVER_NAME.test(name) || name.length > 200) {
    return 'must look like `namespace/name` (letters, digits, `.`, `-`; `_` in the name), e.g. `io.github.octocat/weather`';
  }
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.') || part.includes('..'))) {
    return 'must not have a part that starts or ends with `.` or holds `..`';
  }
  return undefined;
}

function problemsComment(kind: FormDefinition, problems: FormProblem[], intro: string): string {
  const labels = new Map(kind.fields.map((f) => [`/${f.id}`, f.label]));
  const items = problems.map((p) => {
    const where = p.path === '' ? 'The issue' : `**${labels.get(p.path) ?? p.path.slice(1)}**`;
    return `- ${where}: ${p.message} <sub>(${p.code})</sub>`;
  });
  return [
    `### ${intro}`,
    '',
    ...items,
    '',
    'Edit the issue (the `…` menu, then **Edit**) to fix these; this check runs again on every edit and updates this comment.',
  ].join('\n');
}

function semverProblem(version: string, path: string): FormProblem | undefined {
  if (version === '0.0.0-unversioned') return undefined;
  if (semver.valid(version) === null || version.startsWith('v')) {
    return { code: 'version-not-semver', path, message: `${quote(version)} is not a semantic version like \`1.2.3\`.` };
  }
  return undefined;
}

function schemaProblems(kind: SchemaKind, value: unknown, file: string): FormProblem[] {
  return validateSchema(kind, value).map((f) => ({
    code: 'generated-invalid',
    path: '',
    message: `The ${file} this form makes fails its schema at \`${f.path || '/'}\` (${f.code}): ${f.message.replace(/`/g, "'")}`,
  }));
}

function noreplyEmail(author: IssueFacts['author']): string {
  return `${author.id}+${author.login}@users.noreply.github.com`;
}

function listingPath(name: string, version: string): string {
  return `catalog/servers/${name}/${version}.json`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const refused = (form: FormKind, problems: FormProblem[], comment: GitHubAction): IssueFormPlan => ({
  form,
  decision: 'problems',
  problems,
  actions: [comment],
});

// ---- submit a server ---------------------------------------------------------------------------

/** What the command fetched for a submission; each absent when not asked or not found. */
export interface SubmissionFacts {
  npm?: { description?: string; latest?: string; versions: string[]; repositoryUrl?: string } | 'not-found';
  pypi?: { summary?: string; version: string; versions: string[]; sourceUrl?: string } | 'not-found';
  /** The repository's root `server.json`: its text, `not-found`, or absent when no repository was given. */
  serverJson?: { text: string } | 'not-found';
  /** A failure to reach a registry: the form is fine, so it is reported and retried on the next edit. */
  fetchErrors?: string[];
}

/** `https://github.com/<owner>/<repo>` (optional `.git` or trailing slash), strictly. */
export function parseGitHubRepositoryUrl(value: string): { owner: string; repo: string } | undefined {
  const m = /^https:\/\/github\.com\/([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/.exec(
    value,
  );
  if (!m || m[2] === '.' || m[2] === '..') return undefined;
  return { owner: m[1]!, repo: m[2]! };
}

export interface SubmissionRequest {
  registry: keyof typeof REGISTRY_OPTIONS;
  package: string;
  version: string;
  repository: { owner: string; repo: string } | undefined;
}

/** Step one of a submission: the fields, checked, and what to fetch; or the problems. */
export function readSubmission(body: string): {
  request?: SubmissionRequest;
  values: Record<string, string>;
  problems: FormProblem[];
} {
  const form = FORMS['submit-server'];
  const { values, problems } = parseForm(form, body);
  const registry = (Object.keys(REGISTRY_OPTIONS) as (keyof typeof REGISTRY_OPTIONS)[]).find(
    (k) => REGISTRY_OPTIONS[k] === values.registry,
  );
  if (values.registry && !registry) {
    problems.push({
      code: 'unknown-registry',
      path: '/registry',
      message: `${quote(values.registry)} is not one of the choices: ${Object.values(REGISTRY_OPTIONS).join(', ')}.`,
    });
  }
  const pkg = values.package ?? '';
  if (registry === 'npm' && !(NPM_NAME.test(pkg) && pkg.length <= 214)) {
    problems.push({
      code: 'invalid-package',
      path: '/package',
      message: `${quote(pkg)} is not an npm package name (lower case, e.g. \`weather-mcp\` or \`@acme/weather-mcp\`).`,
    });
  }
  if (registry === 'pypi' && !PYPI_NAME.test(pkg)) {
    problems.push({ code: 'invalid-package', path: '/package', message: `${quote(pkg)} is not a PyPI project name.` });
  }
  const version = values.version ?? '';
  if (version !== '') {
    const p = semverProblem(version, '/version');
    if (p) problems.push(p);
  }
  const repoText = values.repository ?? '';
  const repository = repoText === '' ? undefined : parseGitHubRepositoryUrl(repoText);
  if (repoText !== '' && !repository) {
    problems.push({
      code: 'invalid-repository',
      path: '/repository',
      message: `${quote(repoText)} is not a GitHub repository URL like \`https://github.com/octocat/weather-mcp\`.`,
    });
  }
  if (registry === 'github' && repoText === '') {
    problems.push({
      code: 'form-required',
      path: '/repository',
      message: 'A repository is needed when the server is published only there.',
    });
  }
  if (values.name) {
    const p = serverNameProblem(values.name);
    if (p) problems.push({ code: 'invalid-server-name', path: '/name', message: `${quote(values.name)} ${p}.` });
  }
  if (!ticked(values.confirm)) {
    problems.push({
      code: 'form-not-confirmed',
      path: '/confirm',
      message: 'Tick the box that you publish this server (or may list it for its publisher).',
    });
  }
  if (problems.length || !registry) return { values, problems };
  return { request: { registry, package: pkg, version, repository }, values, problems };
}

function slugOf(text: string): string {
  const slug = text
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
  return slug.slice(0, 100) || 'server';
}

function httpsGitHub(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const cleaned = url
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/\.git$/, '');
  const parsed = parseGitHubRepositoryUrl(cleaned);
  return parsed ? `https://github.com/${parsed.owner}/${parsed.repo}` : undefined;
}

export function planSubmission(ctx: PlanContext, facts: SubmissionFacts): IssueFormPlan {
  const form = FORMS['submit-server'];
  const read = readSubmission(ctx.issue.body);
  const comment = (problems: FormProblem[]): GitHubAction => ({
    kind: 'comment',
    issue: ctx.issue.number,
    marker: MARKERS.form,
    body: problemsComment(form, problems, 'This submission needs a fix before it becomes a pull request'),
  });
  if (!read.request) return refused('submit-server', read.problems, comment(read.problems));
  const { request, values } = read;
  const problems: FormProblem[] = [];
  if (facts.fetchErrors?.length) {
    return {
      form: 'submit-server',
      decision: 'problems',
      problems: [],
      actions: [
        {
          kind: 'comment',
          issue: ctx.issue.number,
          marker: MARKERS.form,
          body: [
            '### The registries could not be reached',
            '',
            ...facts.fetchErrors.map((e) => `- ${e.replace(/`/g, "'")}`),
            '',
            'Nothing is wrong with the form; a maintainer can re-run the workflow, or edit the issue to try again.',
          ].join('\n'),
        },
      ],
    };
  }

  // The repository's own server.json, when it has one in the current schema, is the best source.
  let fromRepo: Record<string, unknown> | undefined;
  if (typeof facts.serverJson === 'object') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(facts.serverJson.text);
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed)) {
      problems.push({
        code: 'server-json-invalid',
        path: '/repository',
        message: "The repository's `server.json` is not a JSON object; fix it, or remove the repository.",
      });
    } else fromRepo = parsed;
  } else if (request.registry === 'github' && facts.serverJson === 'not-found') {
    problems.push({
      code: 'server-json-missing',
      path: '/repository',
      message:
        'The repository has no `server.json` at its root; add one (see the official registry docs), or pick npm or PyPI.',
    });
  }
  const current = fromRepo?.$schema === OFFICIAL_SCHEMA_URL;

  let version = request.version;
  let description = values.description || undefined;
  let repositoryUrl = request.repository
    ? `https://github.com/${request.repository.owner}/${request.repository.repo}`
    : undefined;
  let packages: unknown[] | undefined;
  if (request.registry === 'npm') {
    const npm = facts.npm;
    if (!npm || npm === 'not-found') {
      problems.push({
        code: 'package-not-found',
        path: '/package',
        message: `npm has no package ${quote(request.package)}; publish it first, or check the name.`,
      });
    } else {
      version ||= npm.latest ?? '';
      if (!npm.versions.includes(version)) {
        problems.push({
          code: 'version-not-found',
          path: '/version',
          message: `npm has no version ${quote(version)} of ${quote(request.package)}.`,
        });
      }
      description ??= npm.description;
      repositoryUrl ??= httpsGitHub(npm.repositoryUrl);
      packages = [
        { registryType: 'npm', identifier: request.package, version, runtimeHint: 'npx', transport: { type: 'stdio' } },
      ];
    }
  } else if (request.registry === 'pypi') {
    const pypi = facts.pypi;
    if (!pypi || pypi === 'not-found') {
      problems.push({
        code: 'package-not-found',
        path: '/package',
        message: `PyPI has no project ${quote(request.package)}; publish it first, or check the name.`,
      });
    } else {
      version ||= pypi.version;
      if (!pypi.versions.includes(version)) {
        problems.push({
          code: 'version-not-found',
          path: '/version',
          message: `PyPI has no release ${quote(version)} of ${quote(request.package)}.`,
        });
      }
      description ??= pypi.summary;
      repositoryUrl ??= httpsGitHub(pypi.sourceUrl);
      packages = [
        {
          registryType: 'pypi',
          identifier: request.package,
          version,
          runtimeHint: 'uvx',
          transport: { type: 'stdio' },
        },
      ];
    }
  } else if (fromRepo) {
    if (!current) {
      problems.push({
        code: 'server-json-schema',
        path: '/repository',
        message: `The repository's \`server.json\` must declare \`"$schema": "${OFFICIAL_SCHEMA_URL}"\`.`,
      });
    }
    version ||= typeof fromRepo.version === 'string' ? fromRepo.version : '';
    if (Array.isArray(fromRepo.packages)) packages = fromRepo.packages;
  }
  if (problems.length) return refused('submit-server', problems, comment(problems));

  const repoName = typeof fromRepo?.name === 'string' ? fromRepo.name : undefined;
  const name =
    values.name ||
    repoName ||
    `io.github.${ctx.issue.author.login.toLowerCase()}/${slugOf(request.package || request.repository?.repo || '')}`;
  const nameProblem = serverNameProblem(name);
  if (nameProblem)
    problems.push({ code: 'invalid-server-name', path: '/name', message: `${quote(name)} ${nameProblem}.` });
  const vp = semverProblem(version, '/version');
  if (vp) problems.push(vp);
  if (ctx.catalog.servers[name]?.includes(version)) {
    problems.push({
      code: 'listing-exists',
      path: '/version',
      message: `The catalog already lists ${quote(name)} ${quote(version)}; listings are immutable, so submit a new version.`,
    });
  }
  description = (description ?? (typeof fromRepo?.description === 'string' ? fromRepo.description : '')).trim();
  if (description === '') {
    problems.push({
      code: 'form-required',
      path: '/description',
      message: 'No description could be fetched; write one (up to 100 characters).',
    });
  }
  if (description.length > 100) description = `${description.slice(0, 99)}…`;
  if (problems.length) return refused('submit-server', problems, comment(problems));

  const listing: Record<string, unknown> = {
    $schema: OFFICIAL_SCHEMA_URL,
    name,
    description,
    ...(current && typeof fromRepo?.title === 'string' ? { title: fromRepo.title } : {}),
    version,
    ...(current && typeof fromRepo?.websiteUrl === 'string' ? { websiteUrl: fromRepo.websiteUrl } : {}),
    ...(repositoryUrl ? { repository: { url: repositoryUrl, source: 'github' } } : {}),
    ...(packages ? { packages } : {}),
    ...(current && Array.isArray(fromRepo?.remotes) ? { remotes: fromRepo.remotes } : {}),
  };
  const path = listingPath(name, version);
  const invalid = schemaProblems('listing', listing, path);
  if (invalid.length) return refused('submit-server', invalid, comment(invalid));

  const login = ctx.issue.author.login;
  const pr: PullRequestAction = {
    kind: 'pull-request',
    branch: `issue-form/${ctx.issue.number}`,
    title: `Add ${name} ${version}`,
    body: [
      `Submitted by @${login} through the issue form in #${ctx.issue.number}; the listing was filled in from ${REGISTRY_OPTIONS[request.registry]}${fromRepo ? " and the repository's server.json" : ''}.`,
      '',
      `Closes #${ctx.issue.number}.`,
    ].join('\n'),
    commitMessage: `Add ${name} ${version}\n\nSubmitted through the issue form in #${ctx.issue.number}.`,
    files: [{ path, content: json(listing) }],
    labels: ['submission'],
    author: { name: login, email: noreplyEmail(ctx.issue.author) },
  };
  return {
    form: 'submit-server',
    decision: 'pull-request',
    problems: [],
    actions: [
      pr,
      {
        kind: 'comment',
        issue: ctx.issue.number,
        marker: MARKERS.form,
        body: `Thanks! The pull request from branch \`${pr.branch}\` adds ${quote(name)} ${quote(version)}; the catalog's checks run on it now. Later edits of this issue do not change it: comment on the pull request instead.`,
      },
    ],
  };
}

// ---- write a review ----------------------------------------------------------------------------

export function planReview(ctx: PlanContext): IssueFormPlan {
  const form = FORMS['write-review'];
  const { values, problems } = parseForm(form, ctx.issue.body);
  const comment = (all: FormProblem[]): GitHubAction => ({
    kind: 'comment',
    issue: ctx.issue.number,
    marker: MARKERS.form,
    body: problemsComment(form, all, 'This review needs a fix before it becomes a pull request'),
  });
  const login = ctx.issue.author.login;
  if (!LOGIN.test(login) || ctx.issue.author.type !== 'User') {
    problems.push({
      code: 'reviewer-not-a-person',
      path: '',
      message: 'Reviews come from people: the issue author must be a personal GitHub account.',
    });
  }
  const server = values.server ?? '';
  const np = server ? serverNameProblem(server) : undefined;
  if (np) problems.push({ code: 'invalid-server-name', path: '/server', message: `${quote(server)} ${np}.` });
  else if (server && !ctx.catalog.servers[server]) {
    problems.push({
      code: 'review-unknown-server',
      path: '/server',
      message: `The catalog has no server ${quote(server)}; copy the name from its page.`,
    });
  }
  const version = values.version ?? '';
  if (server && !np && ctx.catalog.servers[server] && version && !ctx.catalog.servers[server]!.includes(version)) {
    problems.push({
      code: 'review-unknown-version',
      path: '/version',
      message: `${quote(server)} has no version ${quote(version)} in the catalog; it has ${ctx.catalog.servers[
        server
      ]!.slice(-5)
        .map((v) => quote(v))
        .join(', ')}.`,
    });
  }
  const rating = /^([1-5]) \(/.exec(values.rating ?? '')?.[1];
  if (values.rating && !rating) {
    problems.push({
      code: 'invalid-rating',
      path: '/rating',
      message: `Pick one of the ratings: ${RATING_OPTIONS.join(', ')}.`,
    });
  }
  const text = values.review ?? '';
  if (text && text.length < 20)
    problems.push({ code: 'review-too-short', path: '/review', message: 'Write at least 20 characters.' });
  const useCases = (values['use-cases'] ?? '')
    .split('\n')
    .map((l) => l.replace(/^\s*[-*]\s+/, '').trim())
    .filter(Boolean);
  if (useCases.length > 10 || useCases.some((u) => u.length > 100)) {
    problems.push({
      code: 'invalid-use-cases',
      path: '/use-cases',
      message: 'Give at most 10 use cases, one per line, each up to 100 characters.',
    });
  }
  if (new Set(useCases).size !== useCases.length) {
    problems.push({ code: 'invalid-use-cases', path: '/use-cases', message: 'A use case is listed twice.' });
  }
  if (problems.length) return refused('write-review', problems, comment(problems));

  const review = {
    $schema: '../../../../schemas/review.schema.json',
    rating: Number(rating),
    ...(values.title ? { title: values.title } : {}),
    body: text,
    version,
    ...(useCases.length ? { useCases } : {}),
    submittedVia: { issue: ctx.issue.number },
  };
  const path = `catalog/reviews/${server}/${login}.json`;
  const invalid = schemaProblems('review', review, path);
  if (invalid.length) return refused('write-review', invalid, comment(invalid));
  const pr: PullRequestAction = {
    kind: 'pull-request',
    branch: `issue-form/${ctx.issue.number}`,
    title: `Review of ${server} by @${login}`,
    body: [
      `A review by @${login}, written in the issue form #${ctx.issue.number}. The file records \`submittedVia.issue: ${ctx.issue.number}\`, and validation checks that the issue's author is \`${login}\`.`,
      '',
      `Closes #${ctx.issue.number}.`,
    ].join('\n'),
    commitMessage: `Review of ${server} by ${login}\n\nWritten in the issue form #${ctx.issue.number}.`,
    files: [{ path, content: json(review) }],
    labels: ['review'],
    author: { name: login, email: noreplyEmail(ctx.issue.author) },
  };
  return {
    form: 'write-review',
    decision: 'pull-request',
    problems: [],
    actions: [
      pr,
      {
        kind: 'comment',
        issue: ctx.issue.number,
        marker: MARKERS.form,
        body: `Thanks for the review! The pull request from branch \`${pr.branch}\` adds it as \`${path}\`. Later edits of this issue do not change it: comment on the pull request instead.`,
      },
    ],
  };
}

// ---- report a server ---------------------------------------------------------------------------

export function planReport(ctx: PlanContext, maintainers: CodeOwner[]): IssueFormPlan {
  const form = FORMS['report-server'];
  const { values, problems } = parseForm(form, ctx.issue.body);
  const server = values.server ?? '';
  const np = server ? serverNameProblem(server) : undefined;
  if (np) problems.push({ code: 'invalid-server-name', path: '/server', message: `${quote(server)} ${np}.` });
  else if (server && !ctx.catalog.servers[server]) {
    problems.push({
      code: 'report-unknown-server',
      path: '/server',
      message: `The catalog has no server ${quote(server)}; copy the name from its page.`,
    });
  }
  if (values.kind && !(REPORT_KINDS as readonly string[]).includes(values.kind)) {
    problems.push({ code: 'invalid-report-kind', path: '/kind', message: `Pick one of: ${REPORT_KINDS.join('; ')}.` });
  }
  if (problems.length) {
    return refused('report-server', problems, {
      kind: 'comment',
      issue: ctx.issue.number,
      marker: MARKERS.form,
      body: problemsComment(form, problems, 'This report needs a fix'),
    });
  }
  const who = maintainers.filter((o) => o.kind !== 'email').map(formatOwner);
  return {
    form: 'report-server',
    decision: 'acknowledged',
    problems: [],
    actions: [
      {
        kind: 'comment',
        issue: ctx.issue.number,
        marker: MARKERS.form,
        body: [
          `Thanks for the report about ${quote(server)}. ${who.length ? `Maintainers (${who.join(', ')})` : 'The maintainers'} will look at it.`,
          '',
          'A maintainer yanks a version by commenting `/yank <version> <reason>` here; the workflow then opens the pull request that marks it yanked in `status.json`.',
        ].join('\n'),
      },
      { kind: 'labels', issue: ctx.issue.number, add: ['needs-maintainer'] },
    ],
  };
}

/** `/yank <version> <reason>` as the first line of a comment; undefined for any other comment. */
export function parseYankCommand(body: string): { version: string; reason: string } | undefined {
  const first = body.replace(/\r\n?/g, '\n').split('\n')[0]!.trim();
  const m = /^\/yank[ \t]+(\S+)[ \t]+(.+)$/.exec(first);
  return m
    ? { version: m[1]!, reason: m[2]!.trim() }
    : first.startsWith('/yank')
      ? { version: '', reason: '' }
      : undefined;
}

export interface YankFacts {
  commenter: string;
  /** Whether the commenter is a CODEOWNER of the server's `status.json` (or a listed maintainer). */
  commenterIsMaintainer: boolean;
  owners: CodeOwner[];
  comment: string;
  commentId: number;
}

export function planYank(ctx: PlanContext, facts: YankFacts): IssueFormPlan {
  const form = FORMS['report-server'];
  const command = parseYankCommand(facts.comment);
  if (!command) return { form: 'report-server', decision: 'ignored', problems: [], actions: [] };
  const say = (body: string): GitHubAction => ({
    kind: 'comment',
    issue: ctx.issue.number,
    marker: MARKERS.yank,
    body,
  });
  if (!facts.commenterIsMaintainer) {
    const who = facts.owners.filter((o) => o.kind !== 'email').map(formatOwner);
    return {
      form: 'report-server',
      decision: 'refused',
      problems: [{ code: 'yank-not-maintainer', path: '', message: 'Only maintainers can yank.' }],
      actions: [
        say(
          `Only the maintainers of \`catalog/servers/\` (${who.join(', ') || 'none are named in CODEOWNERS'}) can yank a version; ${quote(facts.commenter)} is not one of them, so nothing was done.`,
        ),
      ],
    };
  }
  const { values } = parseForm(form, ctx.issue.body);
  const server = values.server ?? '';
  const problems: FormProblem[] = [];
  const versions = serverNameProblem(server) ? undefined : ctx.catalog.servers[server];
  if (!versions)
    problems.push({
      code: 'report-unknown-server',
      path: '/server',
      message: `The report names no server of the catalog (${quote(server)}).`,
    });
  if (!command.version || !command.reason) {
    problems.push({
      code: 'yank-usage',
      path: '',
      message: 'Write `/yank <version> <reason>`, e.g. `/yank 1.2.0 steals tokens`.',
    });
  } else if (versions && !versions.includes(command.version)) {
    problems.push({
      code: 'yank-unknown-version',
      path: '',
      message: `${quote(server)} has no version ${quote(command.version)} in the catalog.`,
    });
  }
  if (command.reason.length > 500 || CONTROL_LINE.test(command.reason) || HIDDEN.test(command.reason)) {
    problems.push({
      code: 'yank-reason',
      path: '',
      message: 'The reason must be one line of at most 500 visible characters.',
    });
  }
  let status: Record<string, unknown> = {};
  const statusText = ctx.catalog.statuses[server];
  if (!problems.length && statusText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(statusText);
      if (isObject(parsed)) status = parsed;
      else throw new Error('not an object');
    } catch {
      problems.push({
        code: 'status-unreadable',
        path: '',
        message: `The current \`status.json\` of ${quote(server)} is not a JSON object; fix it by hand.`,
      });
    }
  }
  const versionsObject = isObject(status.versions) ? status.versions : {};
  const existing = versionsObject[command.version];
  if (!problems.length && isObject(existing) && existing.status === 'yanked') {
    return {
      form: 'report-server',
      decision: 'ignored',
      problems: [],
      actions: [say(`${quote(server)} ${quote(command.version)} is already yanked.`)],
    };
  }
  const next = {
    ...(statusText === undefined ? { $schema: '../../../../schemas/status.schema.json' } : {}),
    ...status,
    versions: { ...versionsObject, [command.version]: { status: 'yanked', message: command.reason } },
  };
  const path = `catalog/servers/${server}/status.json`;
  if (!problems.length) problems.push(...schemaProblems('status', next, path));
  if (problems.length) {
    return {
      form: 'report-server',
      decision: 'problems',
      problems,
      actions: [say(problemsComment(form, problems, 'The yank was not done'))],
    };
  }
  const safeVersion = command.version.replace(/[^A-Za-z0-9.-]/g, '-');
  const pr: PullRequestAction = {
    kind: 'pull-request',
    branch: `yank/${ctx.issue.number}-${safeVersion}`,
    title: `Yank ${server} ${command.version}`,
    body: `Yanked by @${facts.commenter} after the report #${ctx.issue.number}.\n\nReason:\n\n${fenced(command.reason)}`,
    commitMessage: `Yank ${server} ${command.version}\n\nAfter the report #${ctx.issue.number}.`,
    files: [{ path, content: json(next) }],
    labels: ['yank'],
  };
  return {
    form: 'report-server',
    decision: 'pull-request',
    problems: [],
    actions: [
      pr,
      say(`The pull request from branch \`${pr.branch}\` yanks ${quote(server)} ${quote(command.version)}.`),
    ],
  };
}

// ---- request approval --------------------------------------------------------------------------

interface ApprovalRequest {
  server: string;
  version: string;
  policy: string;
  group: string | undefined;
  policyJson: Record<string, unknown>;
}

function readApproval(ctx: PlanContext): { request?: ApprovalRequest; problems: FormProblem[] } {
  const form = FORMS['request-approval'];
  const { values, problems } = parseForm(form, ctx.issue.body);
  const server = values.server ?? '';
  const np = server ? serverNameProblem(server) : undefined;
  if (np) problems.push({ code: 'invalid-server-name', path: '/server', message: `${quote(server)} ${np}.` });
  else if (server && !ctx.catalog.servers[server]) {
    problems.push({
      code: 'approval-unknown-server',
      path: '/server',
      message: `The catalog has no server ${quote(server)}.`,
    });
  }
  const version = values.version ?? '';
  if (version) {
    const p = semverProblem(version, '/version');
    if (p) problems.push(p);
    else if (!np && ctx.catalog.servers[server] && !ctx.catalog.servers[server]!.includes(version)) {
      problems.push({
        code: 'approval-unknown-version',
        path: '/version',
        message: `${quote(server)} has no version ${quote(version)} in the catalog.`,
      });
    }
  }
  const policy = values.policy ?? '';
  let policyJson: Record<string, unknown> | undefined;
  if (policy && (!KEBAB.test(policy) || ctx.catalog.policies[policy] === undefined)) {
    const known = Object.keys(ctx.catalog.policies);
    problems.push({
      code: 'approval-unknown-policy',
      path: '/policy',
      message: `There is no policy ${quote(policy)}; the policies are ${known.map((k) => quote(k)).join(', ') || '(none)'}.`,
    });
  } else if (policy) {
    try {
      const parsed: unknown = JSON.parse(ctx.catalog.policies[policy]!);
      if (isObject(parsed)) policyJson = parsed;
    } catch {
      // reported below
    }
    if (!policyJson)
      problems.push({
        code: 'policy-unreadable',
        path: '/policy',
        message: `The policy file ${quote(policy)} is not valid JSON; a maintainer must fix it.`,
      });
  }
  const group = values.group || undefined;
  if (group !== undefined && policyJson) {
    const groups = isObject(policyJson.groups) ? policyJson.groups : {};
    if (!KEBAB.test(group) || !(group in groups)) {
      problems.push({
        code: 'approval-unknown-group',
        path: '/group',
        message: `The policy ${quote(policy)} has no group ${quote(group)}; leave it empty or use one of ${
          Object.keys(groups)
            .map((g) => quote(g))
            .join(', ') || '(none)'
        }.`,
      });
    }
  }
  if (problems.length || !policyJson) return { problems };
  return { request: { server, version, policy, group, policyJson }, problems };
}

export function planApprovalRequest(ctx: PlanContext): IssueFormPlan {
  const form = FORMS['request-approval'];
  const { request, problems } = readApproval(ctx);
  if (!request) {
    return refused('request-approval', problems, {
      kind: 'comment',
      issue: ctx.issue.number,
      marker: MARKERS.approval,
      body: problemsComment(form, problems, 'This approval request needs a fix'),
    });
  }
  return {
    form: 'request-approval',
    decision: 'acknowledged',
    problems: [],
    actions: [
      {
        kind: 'comment',
        issue: ctx.issue.number,
        marker: MARKERS.approval,
        body: `This asks to approve ${quote(request.server)} ${quote(request.version)} under the policy ${quote(request.policy)}${request.group ? ` for the group ${quote(request.group)}` : ''}. An owner of \`catalog/policies/${request.policy}.json\` (see CODEOWNERS) approves by adding the label \`${APPROVED_LABEL}\`; to approve a range rather than this exact version, they first comment \`/versions <semver range>\`.`,
      },
    ],
  };
}

export interface ApprovalFacts {
  labeller: string;
  labellerIsOwner: boolean;
  owners: CodeOwner[];
  /** When the label was added (RFC 3339). */
  labelledAt: string;
  /** The bodies of the labeller's comments on the issue, oldest first: the last `/versions <range>` wins. */
  labellerComments: string[];
}

export function planApproval(ctx: PlanContext, facts: ApprovalFacts): IssueFormPlan {
  const form = FORMS['request-approval'];
  const say = (body: string): GitHubAction => ({
    kind: 'comment',
    issue: ctx.issue.number,
    marker: MARKERS.approval,
    body,
  });
  const { request, problems } = readApproval(ctx);
  if (!facts.labellerIsOwner) {
    const who = facts.owners.filter((o) => o.kind !== 'email').map(formatOwner);
    return {
      form: 'request-approval',
      decision: 'refused',
      problems: [{ code: 'approval-not-owner', path: '', message: 'Only the policy owners can approve.' }],
      actions: [
        say(
          `Only the owners of the policy file in CODEOWNERS (${who.join(', ') || 'none are named'}) can approve; ${quote(facts.labeller)} is not one of them, so the \`${APPROVED_LABEL}\` label was removed and nothing was approved.`,
        ),
        { kind: 'labels', issue: ctx.issue.number, remove: [APPROVED_LABEL] },
      ],
    };
  }
  if (!request) {
    return refused(
      'request-approval',
      problems,
      say(problemsComment(form, problems, 'This request cannot be approved as it is')),
    );
  }
  let versions = request.version;
  for (const body of facts.labellerComments) {
    const m = /^\/versions[ \t]+(.+?)[ \t]*$/m.exec(body.replace(/\r\n?/g, '\n'));
    if (m) versions = m[1]!;
  }
  if (versions.length > 200 || semver.validRange(versions) === null || CONTROL_LINE.test(versions)) {
    const p = [
      {
        code: 'approval-invalid-range',
        path: '',
        message: `${quote(versions)} from \`/versions\` is not a semver range; comment \`/versions ^1.2.0\` and label again.`,
      },
    ];
    return refused('request-approval', p, say(problemsComment(form, p, 'This request cannot be approved as it is')));
  }
  const entry = {
    server: request.server,
    versions,
    by: facts.labeller,
    at: facts.labelledAt,
    issue: ctx.issue.number,
    ...(request.group ? { group: request.group } : {}),
  };
  const policy = request.policyJson;
  const requireApproval = isObject(policy.requireApproval) ? policy.requireApproval : {};
  const approved = Array.isArray(requireApproval.approved) ? requireApproval.approved : [];
  const same = approved.find(
    (a: unknown) =>
      isObject(a) &&
      a.server === entry.server &&
      a.versions === entry.versions &&
      (a.group ?? undefined) === entry.group,
  );
  if (same) {
    return {
      form: 'request-approval',
      decision: 'ignored',
      problems: [],
      actions: [say(`${quote(entry.server)} ${quote(versions)} is already approved under ${quote(request.policy)}.`)],
    };
  }
  const next = { ...policy, requireApproval: { ...requireApproval, approved: [...approved, entry] } };
  const path = `catalog/policies/${request.policy}.json`;
  const invalid = schemaProblems('policy', next, path);
  if (invalid.length)
    return refused(
      'request-approval',
      invalid,
      say(problemsComment(form, invalid, 'The approval would make the policy invalid')),
    );
  const pr: PullRequestAction = {
    kind: 'pull-request',
    branch: `approval/${ctx.issue.number}`,
    title: `Approve ${request.server} ${versions} under ${request.policy}${request.group ? ` (${request.group})` : ''}`,
    body: [
      `Approved by @${facts.labeller} at ${facts.labelledAt}, for the request #${ctx.issue.number} by @${ctx.issue.author.login}.`,
      '',
      `Closes #${ctx.issue.number}.`,
    ].join('\n'),
    commitMessage: `Approve ${request.server} ${versions} under ${request.policy}\n\nApproved by ${facts.labeller} in #${ctx.issue.number}.`,
    files: [{ path, content: json(next) }],
    labels: ['approval'],
  };
  return {
    form: 'request-approval',
    decision: 'pull-request',
    problems: [],
    actions: [
      pr,
      say(
        `Approved by ${quote(facts.labeller)}: the pull request from branch \`${pr.branch}\` adds the approval of ${quote(request.server)} ${quote(versions)} to \`${path}\`.`,
      ),
    ],
  };
}
