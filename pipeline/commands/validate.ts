/** `catalog validate [--root DIR] [--changed-since REF] [--author LOGIN] [--bundles [--osv-url URL | --offline]] [--json]` */
import { resolve, relative } from 'node:path';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { createDomainProofSource, type DomainProofSource } from '../adapters/domain-proof.ts';
import { changesSince, type ChangeSet } from '../adapters/git.ts';
import type { GitHubRepo } from '../adapters/github-repo.ts';
import { affectedBy } from '../core/changes.ts';
import { hasErrors, sortIssues, type Issue } from '../core/issues.ts';
import { annotate, formatIssue } from '../core/report.ts';
import { mapLimit } from '../core/concurrency.ts';
import { loadCatalog, type LoadedCatalog } from '../stages/load.ts';
import {
  ownershipQuestions,
  validateCatalog,
  type Lookup,
  type OwnershipFacts,
  type ValidateInput,
} from '../stages/validate.ts';
import { UsageError, type CommandResult } from './args.ts';

export interface ValidateOptions {
  root?: string;
  changedSince?: string;
  author?: string;
  json?: boolean;
  /** Also fetch, scan and judge the mcpb bundles of the checked listings. */
  bundles?: boolean;
  osvUrl?: string;
  offline?: boolean;
  /** Where ownership facts come from; by default GitHub from the environment, and the domains themselves. */
  lookups?: OwnershipLookups;
}

/** What the ownership checks look up: GitHub memberships and issue authors, and domain proofs. */
export interface OwnershipLookups {
  /** Undefined: no GitHub access; memberships count as none and issue authors stay unverified. */
  github: Pick<GitHubRepo, 'isOrgMember' | 'isTeamMember' | 'issue'> | undefined;
  domains: DomainProofSource;
}

export interface Validation {
  root: string;
  catalog: LoadedCatalog;
  changes: ChangeSet | undefined;
  ownership: OwnershipFacts | undefined;
  issues: Issue[];
  checked: number;
}

export async function validateCommand(options: ValidateOptions): Promise<CommandResult> {
  const { root, issues, checked } = await validate(options);
  if (process.env.GITHUB_ACTIONS === 'true') annotate(issues, relative(process.cwd(), root));
  const errors = issues.filter((i) => i.severity === 'error').length;
  const stdout = options.json
    ? JSON.stringify({ issues, checked })
    : [
        ...issues.map(formatIssue),
        `${checked} file${checked === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${issues.length - errors} warning${issues.length - errors === 1 ? '' : 's'}.`,
      ].join('\n');
  return { stdout, exitCode: hasErrors(issues) ? 1 : 0 };
}

/** Load, look up the ownership facts, validate and (with `bundles`) scan: the work of validate and pr-report. */
export async function validate(options: ValidateOptions): Promise<Validation> {
  if (options.author && !options.changedSince) {
    throw new UsageError('--author needs --changed-since: ownership is checked on the files a pull request changes.');
  }
  const root = resolve(options.root ?? '.');
  const changes = options.changedSince ? await changesSince(root, options.changedSince) : undefined;
  const select = changes ? affectedBy(changes) : undefined;
  const catalog = await loadCatalog({ reader: fsCatalogReader(root), ...(select ? { select } : {}) });
  const input: ValidateInput = {
    catalog,
    ...(changes ? { changes } : {}),
    ...(options.author ? { author: options.author } : {}),
  };
  const ownership = options.author ? await gatherOwnership(input, options.lookups ?? defaultLookups()) : undefined;
  const { issues, checked } = validateCatalog({ ...input, ...(ownership ? { ownership } : {}) });

  if (options.bundles) {
    const { checkBundles } = await import('./validate-bundles.ts');
    issues.push(
      ...(await checkBundles(catalog, {
        root,
        changed: changes ? new Set(changes.files.map((f) => f.path)) : undefined,
        ...(options.osvUrl ? { osvUrl: options.osvUrl } : {}),
        offline: options.offline ?? false,
      })),
    );
    sortIssues(issues);
  }
  return { root, catalog, changes, ownership, issues, checked };
}

/**
 * The facts validateCatalog needs to judge ownership, asked in two rounds: domain proofs first,
 * since a proof may name an `@org` whose membership is then asked with the others.
 */
export async function gatherOwnership(input: ValidateInput, lookups: OwnershipLookups): Promise<OwnershipFacts> {
  const domainProofs = new Map<string, NonNullable<Awaited<ReturnType<DomainProofSource['prove']>>>>();
  const memberships = new Map<string, Lookup<boolean>>();
  const issueAuthors = new Map<number, Lookup<string>>();
  const facts = (): OwnershipFacts => ({ domainProofs, memberships, issueAuthors });
  const first = ownershipQuestions({ ...input, ownership: facts() });
  await mapLimit(first.domainProofs, 4, async (namespace) => {
    const proof = await lookups.domains.prove(namespace);
    if (proof) domainProofs.set(namespace, proof);
  });
  const second = ownershipQuestions({ ...input, ownership: facts() });
  // Without GitHub access nothing is asked: an unknown membership counts as none, and a review
  // submitted through an issue stays unverified, each with a message that says so.
  const github = lookups.github;
  if (github) {
    await mapLimit(second.memberships, 4, async (entry) => {
      const [org, team] = entry.slice(1).split('/') as [string, string | undefined];
      memberships.set(
        entry,
        await lookup(() =>
          team ? github.isTeamMember(org, team, input.author!) : github.isOrgMember(org, input.author!),
        ),
      );
    });
    await mapLimit(second.issues, 4, async (number) => {
      issueAuthors.set(number, await lookup(async () => (await github.issue(number)).author.login));
    });
  }
  return facts();
}

async function lookup<T>(ask: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await ask() };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * GitHub through the workflow's environment (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN: in
 * the pull_request job a read-only token, which sees public org members only), and the public
 * DNS and HTTPS for domain proofs.
 */
export function defaultLookups(env: NodeJS.ProcessEnv = process.env): OwnershipLookups {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return {
    // Both, so that a test run inside Actions (which sets GITHUB_REPOSITORY) never asks GitHub.
    github:
      owner && repo && env.GITHUB_TOKEN
        ? lazyGitHub({
            owner,
            repo,
            token: env.GITHUB_TOKEN,
            ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
          })
        : undefined,
    domains: createDomainProofSource(),
  };
}

/** The GitHub adapter, imported only when a lookup needs it: most pull requests need none. */
function lazyGitHub(options: {
  owner: string;
  repo: string;
  token: string;
  baseUrl?: string;
}): OwnershipLookups['github'] {
  let client: Promise<GitHubRepo> | undefined;
  const get = () =>
    (client ??= import('../adapters/github-repo.ts').then(({ createGitHubRepo }) => createGitHubRepo(options)));
  return {
    isOrgMember: async (org, login) => (await get()).isOrgMember(org, login),
    isTeamMember: async (org, team, login) => (await get()).isTeamMember(org, team, login),
    issue: async (number) => (await get()).issue(number),
  };
}
