/**
 * Pull request feedback, pure: from what validation, the bundle scans and the published model
 * found for a pull request, the report (schema pr-report), the comment it renders to, and the
 * GitHub actions that post it. `catalog pr-report` gathers the facts in the unprivileged
 * `pull_request` job; `catalog pr-comment` re-validates the report in the `workflow_run` job and
 * renders the comment from it alone (never from Markdown the first job wrote), so that whatever
 * reaches the privileged job is data fitting a capped schema, escaped here.
 */
import semver from 'semver';
import type { ChangeSet } from '../adapters/git.ts';
import {
  CLIENT_IDS,
  CLIENTS,
  configSnippet,
  defaultServerKey,
  launchOptions,
  supports,
} from '../core/client-config.ts';
import { markerComment, type GitHubAction } from '../core/github-actions.ts';
import type { Issue } from '../core/issues.ts';
import { classify, type CatalogPath } from '../core/layout.ts';
import type {
  PackageCheck,
  PrLabel,
  PrReport,
  ReportIssue,
  ReviewChange,
  ScanReport,
  ServerChange,
  ServerRecord,
  ToolPin,
} from '../core/schema-types.gen.ts';
import { isAcknowledged, targetSource, type Acknowledgement, type BundleTarget } from './bundle-issues.ts';

export type { PrReport };

/** The marker of the one comment, edited on each push. */
export const COMMENT_MARKER = 'pr-report';
/** Every label the check manages: it adds the ones that apply and removes the others. */
export const PR_LABELS: readonly PrLabel[] = ['new-server', 'new-version', 'review', 'policy', 'needs-maintainer-ack'];
/** GitHub refuses comments over 65,536 characters; this leaves room for the marker and a note. */
export const COMMENT_LIMIT = 60_000;
const SHORT = 300;
const TEXT = 2000;
const ISSUES_KEPT = 200;
const FINDINGS_KEPT = 50;

/** One server the pull request changes, from the change set and the catalog's file list. */
export interface ChangedServer {
  name: string;
  change: ServerChange['change'];
  /** Versions the pull request adds, highest first. */
  added: string[];
  /** The highest base version below the lowest added one. */
  previousVersion?: string;
}

/**
 * The servers whose publisher files (listing, tools.json, README.md) changed. A server is new
 * when every version it has now was added; the previous version is the highest one the base had
 * below the first added one, so a back-ported 1.4.3 is compared with 1.4.2, not with 2.0.0.
 */
export function changedServers(changes: ChangeSet, inventory: readonly CatalogPath[]): ChangedServer[] {
  const touched = new Set<string>();
  const added = new Map<string, Set<string>>();
  for (const file of changes.files) {
    if (file.status === 'deleted') continue;
    const location = classify(file.path);
    if (location.kind === 'listing' || location.kind === 'tools' || location.kind === 'readme') {
      touched.add(location.server);
      if (location.kind === 'listing' && file.status === 'added')
        (added.get(location.server) ?? added.set(location.server, new Set()).get(location.server)!).add(
          location.version,
        );
    }
  }
  const versions = new Map<string, string[]>();
  for (const location of inventory)
    if (location.kind === 'listing' && touched.has(location.server))
      (versions.get(location.server) ?? versions.set(location.server, []).get(location.server)!).push(location.version);
  return [...touched].sort().map((name) => {
    const adds = [...(added.get(name) ?? [])].sort(compareVersions).reverse();
    const before = (versions.get(name) ?? []).filter((v) => !adds.includes(v));
    const lowest = adds.at(-1);
    const previous = lowest
      ? before
          .filter((v) => compareVersions(v, lowest) < 0)
          .sort(compareVersions)
          .at(-1)
      : undefined;
    const change: ServerChange['change'] =
      adds.length === 0 ? 'changed' : before.length === 0 ? 'new-server' : 'new-version';
    return { name, change, added: adds, ...(previous ? { previousVersion: previous } : {}) };
  });
}

/** What was learned about one bundle of an added version. */
export type BundleFacts =
  | { kind: 'unavailable'; message: string }
  | { kind: 'scanned'; report: ScanReport; previous?: { version: string; tools: readonly ToolPin[] } };

export function packageCheck(
  target: BundleTarget,
  facts: BundleFacts,
  acknowledgements: readonly Acknowledgement[],
): PackageCheck {
  const base = {
    version: cap(target.listing.version, SHORT),
    index: target.index,
    source: cap(targetSource(target), SHORT),
  };
  if (facts.kind === 'unavailable') return { ...base, unavailable: cap(facts.message, TEXT) };
  const { report } = facts;
  const signature = report.signature;
  return {
    ...base,
    verdict: report.verdict,
    ruleset: cap(`${report.ruleset.name}@${report.ruleset.version}`, SHORT),
    sha256: report.sha256,
    size: report.size,
    findings: report.findings.slice(0, FINDINGS_KEPT).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: cap(f.file, SHORT),
      message: cap(f.message, TEXT),
      acknowledged: f.severity === 'review' && isAcknowledged(f, target.listing.version, acknowledgements),
    })),
    findingCount: report.findings.length,
    capabilities: {
      own: [...new Set(report.capabilities.own.map((c) => c.capability))],
      dependencies: [...new Set(report.capabilities.dependencies.map((c) => c.capability))],
    },
    signature: {
      signed: signature?.signed ?? false,
      valid: signature?.valid ?? false,
      trusted: signature?.trusted ?? false,
      ...(signature?.signer ? { signer: cap(signature.signer.subject, SHORT) } : {}),
      ...(signature?.error ? { error: cap(signature.error, TEXT) } : {}),
    },
    ...(facts.previous ? { toolChanges: toolChanges(facts.previous.version, facts.previous.tools, report.tools) } : {}),
  };
}

/** Tools added, removed, and changed (a different pin: the rug pull) since the previous version. */
export function toolChanges(against: string, previous: readonly ToolPin[], current: readonly ToolPin[]) {
  const pins = (list: readonly ToolPin[]) => {
    const out = new Map<string, string>();
    for (const pin of list) out.set(pin.name, [out.get(pin.name), pin.sha256].filter(Boolean).sort().join(','));
    return out;
  };
  const before = pins(previous);
  const after = pins(current);
  const names = (list: string[]) =>
    list
      .sort()
      .slice(0, 100)
      .map((n) => cap(n, SHORT));
  return {
    against: cap(against, SHORT),
    added: names([...after.keys()].filter((n) => !before.has(n))),
    removed: names([...before.keys()].filter((n) => !after.has(n))),
    changed: names([...after].filter(([n, h]) => before.has(n) && before.get(n) !== h).map(([n]) => n)),
  };
}

/**
 * The listing as the site shows it: title, description, the install box (the installer command,
 * and the first client config snippet a client can take, as site/src/lib/pages.ts builds them),
 * and the tools.
 */
export function listingPreview(
  record: ServerRecord,
  baseUrl?: string,
): Pick<ServerChange, 'title' | 'description' | 'install' | 'tools'> {
  const launches = launchOptions(record);
  const installLine = `node install.mjs install ${record.name}`;
  const command = baseUrl ? `curl -fsSLO ${baseUrl}install.mjs\n${installLine}` : installLine;
  let install: ServerChange['install'];
  const [first] = launches;
  if (first) install = { label: cap(first.label, SHORT), command: cap(command, 1000) };
  for (const launch of launches) {
    const client = CLIENT_IDS.find((id) => supports(id, launch).ok);
    if (!client) continue;
    const snippet = configSnippet(client, defaultServerKey(record.name), launch);
    if (snippet.length <= 8000)
      install = { label: cap(launch.label, SHORT), command: cap(command, 1000), client: CLIENTS[client].name, snippet };
    break;
  }
  const declared = record.tools?.tools ?? [];
  const pinned = record.versions[0]?.artifacts.flatMap((a) => a.tools ?? []) ?? [];
  const tools =
    declared.length > 0
      ? declared.map((t) => ({
          name: cap(t.name, SHORT),
          ...(t.description ? { description: cap(t.description, TEXT) } : {}),
        }))
      : pinned.map((t) => ({ name: cap(t.name, SHORT) }));
  return {
    ...(record.title ? { title: cap(record.title, SHORT) } : {}),
    description: cap(record.description, TEXT),
    ...(install ? { install } : {}),
    tools: tools.slice(0, 100),
  };
}

export interface ReportInput {
  pullRequest: PrReport['pullRequest'];
  changes: ChangeSet;
  issues: readonly Issue[];
  servers: (ChangedServer & {
    preview?: ReturnType<typeof listingPreview>;
    packages: PackageCheck[];
    page?: string;
  })[];
  reviews: { file: string; server: string; login: string; rating?: number }[];
  preview?: PrReport['preview'];
}

export function buildReport(input: ReportInput): PrReport {
  const errorsIn = (prefix: string, severity: Issue['severity']) =>
    input.issues.filter((i) => i.severity === severity && i.file.startsWith(prefix)).length;
  const servers: ServerChange[] = input.servers.map((s) => {
    const dir = `catalog/servers/${s.name}/`;
    return {
      name: cap(s.name, SHORT),
      change: s.change,
      versions: s.added.slice(0, 20).map((v) => cap(v, SHORT)),
      ...(s.previousVersion ? { previousVersion: cap(s.previousVersion, SHORT) } : {}),
      ...(s.preview ?? { tools: [] }),
      errors: errorsIn(dir, 'error'),
      warnings: errorsIn(dir, 'warning'),
      packages: s.packages.slice(0, 40),
      ...(s.page ? { page: cap(s.page, SHORT) } : {}),
    };
  });
  const reviews: ReviewChange[] = input.reviews.slice(0, 100).map((r) => ({
    file: cap(r.file, SHORT),
    server: cap(r.server, SHORT),
    login: cap(r.login, SHORT),
    ...(r.rating !== undefined && Number.isInteger(r.rating) && r.rating >= 1 && r.rating <= 5
      ? { rating: r.rating }
      : {}),
    ok: errorsIn(r.file, 'error') === 0,
  }));
  const errors = input.issues.filter((i) => i.severity === 'error').length;
  const add = labelsFor(input.changes, servers);
  return {
    schemaVersion: 1,
    pullRequest: input.pullRequest,
    ok: errors === 0,
    errors,
    warnings: input.issues.length - errors,
    servers,
    reviews,
    issues: input.issues.slice(0, ISSUES_KEPT).map(reportIssue),
    labels: { add, remove: PR_LABELS.filter((l) => !add.includes(l)) },
    ...(input.preview ? { preview: input.preview } : {}),
  };
}

function reportIssue(issue: Issue): ReportIssue {
  return {
    code: issue.code.slice(0, 100),
    severity: issue.severity,
    file: cap(issue.file, SHORT),
    path: cap(issue.path, SHORT),
    ...(issue.line ? { line: issue.line } : {}),
    ...(issue.column ? { column: issue.column } : {}),
    message: cap(issue.message, TEXT),
  };
}

/**
 * The labels that apply: a new server or version, a review, a policy change, and a bundle whose
 * `review` findings are not all acknowledged in catalog/curation/ yet.
 */
export function labelsFor(changes: ChangeSet, servers: readonly ServerChange[]): PrLabel[] {
  const labels = new Set<PrLabel>();
  for (const server of servers) {
    if (server.change === 'new-server') labels.add('new-server');
    if (server.change === 'new-version') labels.add('new-version');
    if (server.packages.some((p) => p.findings?.some((f) => f.severity === 'review' && !f.acknowledged)))
      labels.add('needs-maintainer-ack');
  }
  for (const file of changes.files) {
    const kind = classify(file.path).kind;
    if (kind === 'review') labels.add('review');
    if (kind === 'policy') labels.add('policy');
  }
  return PR_LABELS.filter((l) => labels.has(l));
}

/** The one comment and the labels, as actions for the GitHub adapter. */
export function feedbackPlan(report: PrReport): GitHubAction[] {
  const issue = report.pullRequest.number;
  return [
    { kind: 'comment', issue, marker: COMMENT_MARKER, body: renderComment(report) },
    { kind: 'labels', issue, add: [...report.labels.add], remove: [...report.labels.remove] },
  ];
}

/** The comment's Markdown. Every value from the pull request goes through `md`, `code` or `fence`. */
export function renderComment(report: PrReport): string {
  const { pullRequest: pr } = report;
  const out: string[] = [markerComment(COMMENT_MARKER)];
  out.push(
    report.ok
      ? `## ✅ MCP Catalog check passed`
      : `## ❌ MCP Catalog check: ${report.errors} problem${report.errors === 1 ? '' : 's'} to fix`,
    '',
    `Checked ${code(pr.headSha.slice(0, 12))} against ${code(pr.baseSha.slice(0, 12))}` +
      `${report.warnings ? `; ${report.warnings} warning${report.warnings === 1 ? '' : 's'}` : ''}. ` +
      'This comment is updated on every push.',
  );
  if (pr.onBehalfOf && pr.fromIssue)
    out.push(
      '',
      `Opened from the issue form in #${pr.fromIssue}: ownership and authorship were checked for ${md(pr.onBehalfOf)}, the issue's author.`,
    );
  for (const server of report.servers) out.push('', ...renderServer(server));
  if (report.reviews.length > 0) {
    out.push('', '### Reviews', '', '| Review | Reviewer | Rating | Check |', '|---|---|---|---|');
    for (const r of report.reviews)
      out.push(
        `| ${md(r.server)} | ${md(r.login)} | ${r.rating ? '★'.repeat(r.rating) : ''} | ${r.ok ? '✅' : '❌ see below'} |`,
      );
  }
  if (report.issues.length > 0) {
    out.push('', '### Problems', '');
    for (const i of report.issues) {
      const where = `${i.file}${i.line ? `:${i.line}` : ''}${i.path ? ` ${i.path}` : ''}`;
      out.push(`- ${i.severity === 'error' ? '❌' : '⚠️'} ${code(i.code)} ${code(where)}: ${md(i.message)}`);
    }
    const shown = report.issues.length;
    if (report.errors + report.warnings > shown) out.push(`- … and ${report.errors + report.warnings - shown} more.`);
  }
  if (report.preview?.dir)
    out.push(
      '',
      `The built detail pages are in this run's ${code('pr-report')} artifact (${code(report.preview.dir)}).`,
    );
  else if (report.preview?.skipped) out.push('', `No page preview: ${md(report.preview.skipped)}`);
  return fit(out.join('\n'));
}

function renderServer(server: ServerChange): string[] {
  const change = { 'new-server': 'new server', 'new-version': 'new version', changed: 'changed' }[server.change];
  const versions = server.versions.length > 0 ? ` ${server.versions.map(md).join(', ')}` : '';
  const out = [`### ${md(server.name)}${versions} (${change})`, ''];
  const rows: [string, string][] = [
    [
      'Validation',
      server.errors === 0
        ? `✅ no errors${server.warnings ? `, ${server.warnings} warning${server.warnings === 1 ? '' : 's'}` : ''}`
        : `❌ ${server.errors} error${server.errors === 1 ? '' : 's'} (see Problems)`,
    ],
  ];
  for (const p of server.packages) {
    const label =
      server.packages.length > 1 || p.version !== server.versions[0] ? ` (${md(p.version)}, package ${p.index})` : '';
    if (p.unavailable) {
      rows.push([`Bundle${label}`, `❌ could not be read: ${md(p.unavailable)}`]);
      continue;
    }
    const open = (p.findings ?? []).filter((f) => f.severity !== 'info' && !f.acknowledged).length;
    const verdict = p.verdict === 'pass' ? '✅ pass' : p.verdict === 'review' ? '⚠️ review' : '❌ reject';
    rows.push([
      `Scan${label}`,
      `${verdict}, ${p.findingCount ?? 0} finding${p.findingCount === 1 ? '' : 's'}${open ? ` (${open} not acknowledged)` : ''}; rule set ${code(p.ruleset ?? '')}`,
    ]);
    rows.push(['Capabilities: own code', list(p.capabilities?.own)]);
    rows.push(['Capabilities: dependencies', list(p.capabilities?.dependencies)]);
    rows.push(['sha256', `${code(p.sha256 ?? '')}${p.size !== undefined ? ` (${p.size} bytes)` : ''}`]);
    const s = p.signature;
    rows.push([
      'Publisher signature',
      !s?.signed
        ? 'unsigned'
        : !s.valid
          ? `❌ invalid${s.error ? `: ${md(s.error)}` : ''}`
          : `${s.trusted ? '✅ valid, trusted' : '⚠️ valid, not a trusted publisher'}${s.signer ? `: ${md(s.signer)}` : ''}`,
    ]);
    const t = p.toolChanges;
    rows.push([
      t ? `Tools since ${md(t.against)}` : 'Tools since the previous version',
      !t
        ? server.change === 'new-server'
          ? 'first version'
          : 'no previous bundle to compare with'
        : t.added.length + t.removed.length + t.changed.length === 0
          ? 'unchanged'
          : [
              t.added.length ? `added ${t.added.map(code).join(', ')}` : '',
              t.removed.length ? `removed ${t.removed.map(code).join(', ')}` : '',
              t.changed.length ? `⚠️ changed description or schema: ${t.changed.map(code).join(', ')}` : '',
            ]
              .filter(Boolean)
              .join('; '),
    ]);
  }
  out.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`));
  const findings = server.packages.flatMap((p) => (p.findings ?? []).filter((f) => f.severity !== 'info'));
  if (findings.length > 0) {
    out.push('', '<details><summary>Findings</summary>', '');
    for (const f of findings)
      out.push(
        `- ${f.severity === 'reject' ? '❌' : f.acknowledged ? '☑️ acknowledged' : '⚠️'} ${code(f.rule)}${f.file ? ` in ${code(f.file)}` : ''}: ${md(f.message)}`,
      );
    out.push('', '</details>');
  }
  out.push('', '<details><summary>Preview of the listing</summary>', '');
  out.push(`> **${md(server.title ?? server.name)}**`, '>', `> ${md(server.description ?? '')}`);
  if (server.install) {
    out.push('', `Install (${md(server.install.label)}):`, '', fence(server.install.command, 'sh'));
    if (server.install.client && server.install.snippet)
      out.push('', `Or in ${md(server.install.client)}'s config file:`, '', fence(server.install.snippet, 'json'));
  }
  if (server.tools.length > 0) {
    out.push('', `Tools (${server.tools.length}):`, '');
    for (const tool of server.tools)
      out.push(`- ${code(tool.name)}${tool.description ? `: ${md(tool.description)}` : ''}`);
  }
  if (server.page) out.push('', `Detail page: ${code(server.page)} in the ${code('pr-report')} artifact.`);
  out.push('', '</details>');
  return out;
}

const list = (items: readonly string[] | undefined) =>
  items && items.length > 0 ? items.map(code).join(', ') : 'none';

/**
 * Text as inert Markdown on one line: HTML and Markdown punctuation escaped, line breaks and
 * table pipes neutralised, and `@` followed by a zero-width space so that nothing a publisher
 * writes mentions (notifies) anyone, as Dependabot does in the release notes it quotes.
 */
export function md(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/@/g, '@\u200b');
}

/** Inline code that no backtick in the text can end early. */
export function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return longest > 0 ? `${ticks} ${clean} ${ticks}` : `${ticks}${clean}${ticks}`;
}

/** A fenced block longer than any backtick run inside it (CommonMark §4.5). */
export function fence(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${info}\n${text}\n${ticks}`;
}

function fit(body: string): string {
  if (body.length <= COMMENT_LIMIT) return body;
  const note = "\n\n… (cut: the comment reached GitHub's size limit; the full report is in the `pr-report` artifact)";
  // Cut at a line break, outside a <details> or code block that the cut would leave open.
  let cut = body.lastIndexOf('\n', COMMENT_LIMIT - note.length);
  let text = body.slice(0, cut);
  while (
    (text.match(/^```/gm)?.length ?? 0) % 2 === 1 ||
    (text.match(/<details>/g)?.length ?? 0) > (text.match(/<\/details>/g)?.length ?? 0)
  ) {
    cut = body.lastIndexOf('\n### ', cut - 1);
    if (cut <= 0) break;
    text = body.slice(0, cut);
  }
  return text + note;
}

export function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return va ? 1 : vb ? -1 : a.localeCompare(b);
}
