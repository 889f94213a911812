/**
 * What the workflow commands read from the environment GitHub Actions gives them: the repository to
 * write to (`GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_API_URL`) and the upstream registries to
 * read (`CATALOG_NPM_REGISTRY`, `CATALOG_PYPI_URL`, `CATALOG_OCI_REGISTRIES`,
 * `CATALOG_UPSTREAM_GITHUB_API_URL`, for mirrors and tests). One reader, so every command names and
 * checks them the same way (docs/sync.md lists them).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { createGitHubRepo, GitHubRepoError, type GitHubRepo } from '../adapters/github-repo.ts';
import type { GitHubAction, GitHubActionResult } from '../core/github-actions.ts';
import {
  createUpstreamRegistries,
  type UpstreamRegistries,
  type UpstreamRegistriesOptions,
} from '../adapters/upstream-registries.ts';
import { UsageError } from './args.ts';

type Env = Record<string, string | undefined>;

/** `owner/name` of GITHUB_REPOSITORY, or undefined when it is not exactly that. */
export function repositoryName(env: Env): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

/**
 * The GitHub repository `command` writes to. `tokenVariable` names another token for reads that
 * GITHUB_TOKEN cannot make (an organisation's teams); it defaults to GITHUB_TOKEN.
 */
export function requireRepository(env: Env, command: string, tokenVariable = 'GITHUB_TOKEN'): GitHubRepo {
  const name = repositoryName(env);
  const token = env[tokenVariable];
  if (!name || !token)
    throw new UsageError(`${command} needs ${tokenVariable} and GITHUB_REPOSITORY (owner/name) in the environment.`);
  return createGitHubRepo({
    token,
    ...name,
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    userAgent: `mcp-catalog-${command}`,
  });
}

/** As requireRepository, but a dry run without the environment gets undefined (it plans and writes nothing). */
export function repositoryFromEnv(env: Env, dryRun: boolean, command: string): GitHubRepo | undefined {
  if (dryRun && (!repositoryName(env) || !env.GITHUB_TOKEN)) return undefined;
  try {
    return requireRepository(env, command);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message.replace(/\.$/, '')}, or --dry-run.`);
    throw error;
  }
}

/**
 * Applies a command's planned actions, unless it is a dry run (or has no repository). GitHub
 * refusing one midway is a result, not a crash: what was done before it is kept and reported with
 * the failure, so the next run continues from there.
 */
export async function applyPlanned(
  repo: GitHubRepo | undefined,
  actions: readonly GitHubAction[],
  dryRun: boolean,
): Promise<{ results: GitHubActionResult[]; failure?: GitHubRepoError }> {
  if (!repo || dryRun) return { results: [] };
  try {
    return { results: await repo.applyAll(actions) };
  } catch (error) {
    if (!(error instanceof GitHubRepoError)) throw error;
    return { results: error.done, failure: error };
  }
}

/** The upstream reads, configured from the environment. */
export function upstreamFromEnv(env: Env): UpstreamRegistries {
  const githubApiUrl = env.CATALOG_UPSTREAM_GITHUB_API_URL || env.GITHUB_API_URL || 'https://api.github.com';
  const options: UpstreamRegistriesOptions = { githubApiUrl };
  // The workflow's token goes only to the GitHub it was issued by.
  if (env.GITHUB_TOKEN && githubApiUrl === (env.GITHUB_API_URL || 'https://api.github.com')) {
    options.githubToken = env.GITHUB_TOKEN;
  }
  if (env.CATALOG_NPM_REGISTRY) options.npmUrl = env.CATALOG_NPM_REGISTRY;
  if (env.CATALOG_PYPI_URL) options.pypiUrl = env.CATALOG_PYPI_URL;
  if (env.CATALOG_OCI_REGISTRIES) {
    options.ociUrls = {};
    for (const pair of env.CATALOG_OCI_REGISTRIES.split(',')) {
      const [host, url] = pair.split('=');
      if (!host?.trim() || !url?.trim()) throw new UsageError(`CATALOG_OCI_REGISTRIES: "${pair}" is not host=url.`);
      options.ociUrls[host.trim()] = url.trim();
    }
  }
  return createUpstreamRegistries(options);
}

/**
 * Extra CAs for downloads: NODE_EXTRA_CA_CERTS read again here, added to Node's roots, so that it
 * also applies when it was set after the process started (a test, a wrapper). `ca` replaces the
 * default roots in node:https, hence both.
 */
export function extraCa(env: Env): string | undefined {
  const file = env.NODE_EXTRA_CA_CERTS;
  // One PEM text with every certificate, which node:tls reads as a list.
  return file ? [...rootCertificates, readFileSync(file, 'utf8')].join('\n') : undefined;
}
