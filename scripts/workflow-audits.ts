/**
 * Security audits of GitHub Actions workflows, modelled on zizmor's (https://docs.zizmor.sh/audits/).
 * zizmor itself ships only through PyPI, crates.io and Homebrew, none of which this project's CI
 * can reach (only the npm registry and Debian's packages, and Debian 12 has no zizmor), so these
 * are the zizmor audits that apply to this repository's workflows, written against the YAML with
 * line numbers. actionlint (scripts/lint-workflows.ts) checks syntax, types and expressions beside them.
 *
 * Pure: a workflow's text in, findings out. A finding on a line is silenced by a trailing
 * `# workflow-audit: ignore[<code>] <why>` comment on that line, which must say why.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';

export type AuditCode =
  /** `uses:` of a remote action that is not pinned to a full commit SHA (zizmor: unpinned-uses). */
  | 'unpinned-uses'
  /** No `permissions` at the top, or not `{}`; a job without its own `permissions`; `write-all` (zizmor: excessive-permissions). */
  | 'excessive-permissions'
  /** `actions/checkout` that leaves the token in `.git/config` (zizmor: artipacked). */
  | 'artipacked'
  /** `${{ … }}` inside a `run:` script: the value becomes shell code (zizmor: template-injection). */
  | 'template-injection'
  /** `pull_request_target`, or a `workflow_run` job that checks out the triggering run's code (zizmor: dangerous-triggers). */
  | 'dangerous-triggers'
  /** `secrets: inherit`, or every secret at once with `toJSON(secrets)` (zizmor: secrets-inherit, overprovisioned-secrets). */
  | 'secrets-overshare'
  /** Writing to `$GITHUB_ENV` or `$GITHUB_PATH` in a workflow that untrusted events start (zizmor: github-env). */
  | 'github-env'
  /** An `if:` that trusts `github.actor`, which a bot's name in a pull request can spoof (zizmor: bot-conditions). */
  | 'bot-conditions'
  /** A job without `timeout-minutes`, or a workflow without `concurrency` (this project's own rule: a hung job holds a runner for six hours). */
  | 'unbounded-job'
  /** The file is not valid YAML or not a workflow. */
  | 'invalid-workflow';

export interface AuditFinding {
  code: AuditCode;
  file: string;
  line: number;
  message: string;
}

/** Events whose payload (titles, bodies, branch names, comments) anyone can write. */
const UNTRUSTED_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'issues',
  'issue_comment',
  'discussion',
  'discussion_comment',
  'workflow_run',
]);

const FULL_SHA = /^[^@]+@[0-9a-f]{40}$/;

export function auditWorkflow(file: string, text: string): AuditFinding[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true });
  const findings: AuditFinding[] = [];
  const lines = text.split('\n');
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const report = (code: AuditCode, node: Node | null | undefined, message: string) => {
    const line = lineOf(node);
    const ignore = /#\s*workflow-audit:\s*ignore\[([a-z-]+)\]\s*(\S.*)?$/.exec(lines[line - 1] ?? '');
    if (ignore?.[1] === code && ignore[2]) return;
    findings.push({ code, file, line, message });
  };

  if (document.errors.length > 0 || !isMap(document.contents)) {
    const error = document.errors[0];
    findings.push({
      code: 'invalid-workflow',
      file,
      line: error ? lineCounter.linePos(error.pos[0]).line : 1,
      message: error ? error.message : 'A workflow is a YAML mapping with `on` and `jobs`.',
    });
    return findings;
  }
  const workflow = document.contents;
  const events = eventsOf(workflow.get('on', true));

  const permissions = workflow.get('permissions', true);
  if (!permissions || !(isMap(permissions) && permissions.items.length === 0))
    report(
      'excessive-permissions',
      permissions ?? workflow,
      'Set `permissions: {}` at the top of the workflow and grant each job only what it needs.',
    );
  // A workflow whose jobs do unrelated things (sync.yml) may bound each job instead.
  const jobsNode = workflow.get('jobs', true);
  const everyJobBounded =
    isMap(jobsNode) &&
    jobsNode.items.length > 0 &&
    jobsNode.items.every((pair) => isMap(pair.value) && pair.value.has('concurrency'));
  if (!workflow.has('concurrency') && !everyJobBounded)
    report(
      'unbounded-job',
      workflow,
      'Add `concurrency` (to the workflow, or to every job) so that runs do not race each other (see pr.yml).',
    );
  if (events.has('pull_request_target'))
    report(
      'dangerous-triggers',
      workflow.get('on', true) as Node,
      '`pull_request_target` runs with write access in the context of the base branch; use `pull_request` to compute and a `workflow_run` job to post (see pr.yml and pr-comment.yml).',
    );
  const untrusted = [...events].some((e) => UNTRUSTED_EVENTS.has(e));

  const jobs = jobsNode;
  if (!isMap(jobs)) {
    report('invalid-workflow', workflow, 'A workflow needs a `jobs` mapping.');
    return findings;
  }
  for (const pair of jobs.items) {
    const job = pair.value;
    const jobName = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!isMap(job)) continue;
    const jobPermissions = job.get('permissions', true);
    if (!jobPermissions)
      report(
        'excessive-permissions',
        pair.key as Node,
        `Job ${jobName} has no \`permissions\`: give it exactly what it needs (\`contents: read\` at least).`,
      );
    else if (isScalar(jobPermissions) && String(jobPermissions.value).endsWith('write-all'))
      report(
        'excessive-permissions',
        jobPermissions,
        `Job ${jobName} asks for write-all; name each permission it needs.`,
      );
    if (!job.has('timeout-minutes') && !job.has('uses'))
      report('unbounded-job', pair.key as Node, `Job ${jobName} has no \`timeout-minutes\`.`);
    if (isScalar(job.get('secrets', true)) && job.get('secrets') === 'inherit')
      report(
        'secrets-overshare',
        job.get('secrets', true) as Node,
        `Job ${jobName} passes every secret with \`secrets: inherit\`; pass only the ones the called workflow uses.`,
      );
    const jobUses = job.get('uses', true);
    if (isScalar(jobUses)) checkUses(String(jobUses.value), jobUses, report);
    checkCondition(job, report);

    const steps = job.get('steps', true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      checkCondition(step, report);
      const uses = step.get('uses', true);
      if (isScalar(uses)) {
        const action = String(uses.value);
        checkUses(action, uses, report);
        if (action.startsWith('actions/checkout@')) checkCheckout(step, events, report);
      }
      const run = step.get('run', true);
      if (isScalar(run)) {
        const script = String(run.value);
        if (/\$\{\{/.test(script))
          report(
            'template-injection',
            run,
            'An expression inside `run:` is pasted into the shell script before it runs; pass the value through `env:` and use "$NAME".',
          );
        if (untrusted && /\$\{?GITHUB_(ENV|PATH)\b/.test(script))
          report(
            'github-env',
            run,
            'Writing to $GITHUB_ENV or $GITHUB_PATH in a workflow that untrusted events start lets their text set variables of later steps; use step outputs.',
          );
      }
      for (const key of ['env', 'with'] as const) {
        const map = step.get(key, true);
        if (isMap(map))
          for (const item of map.items)
            if (isScalar(item.value) && /toJSON\(\s*secrets\s*\)/i.test(String(item.value.value)))
              report(
                'secrets-overshare',
                item.value,
                '`toJSON(secrets)` hands every secret to the step; pass the one it needs.',
              );
      }
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

function eventsOf(on: unknown): Set<string> {
  if (isScalar(on)) return new Set([String(on.value)]);
  if (isSeq(on)) return new Set(on.items.filter(isScalar).map((i) => String(i.value)));
  if (isMap(on))
    return new Set(on.items.filter((p) => isScalar(p.key)).map((p) => String((p.key as { value: unknown }).value)));
  return new Set();
}

type Report = (code: AuditCode, node: Node | null | undefined, message: string) => void;

function checkUses(action: string, node: Node, report: Report): void {
  if (action.startsWith('./')) return;
  if (action.startsWith('docker://')) {
    if (!/@sha256:[0-9a-f]{64}$/.test(action))
      report('unpinned-uses', node, `${action}: pin the image by digest (\`docker://image@sha256:…\`).`);
    return;
  }
  if (!FULL_SHA.test(action))
    report(
      'unpinned-uses',
      node,
      `${action}: pin the action to a full commit SHA with the version in a comment (\`owner/repo@<40 hex> # vX.Y.Z\`); a tag can be moved.`,
    );
}

function checkCheckout(step: YAMLMap, events: Set<string>, report: Report): void {
  const withMap = step.get('with', true);
  const persist = isMap(withMap) ? withMap.get('persist-credentials', true) : undefined;
  if (!isScalar(persist) || persist.value !== false)
    report(
      'artipacked',
      step.get('uses', true) as Node,
      'Set `persist-credentials: false`: otherwise the token stays in .git/config, where later steps and uploaded artifacts can read it.',
    );
  const ref = isMap(withMap) ? withMap.get('ref', true) : undefined;
  if (events.has('workflow_run') && isScalar(ref) && /workflow_run\.(head_sha|head_branch)/.test(String(ref.value)))
    report(
      'dangerous-triggers',
      ref,
      'A workflow_run job runs with the base repository’s permissions; checking out the triggering run’s code runs untrusted code with them. Download its artifact and treat it as data.',
    );
}

function checkCondition(node: YAMLMap, report: Report): void {
  const condition = node.get('if', true);
  if (isScalar(condition) && /github\.actor\b/.test(String(condition.value)))
    report(
      'bot-conditions',
      condition,
      '`github.actor` is whoever triggered the run, which a pull request can make a bot; check `github.event.pull_request.user.login` or the sender instead.',
    );
}
