/** What changed in the catalog since a git ref, for `validate --changed-since`. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ChangeStatus = 'added' | 'modified' | 'deleted';
export interface ChangeSet {
  base: string;
  files: { path: string; status: ChangeStatus }[];
}

export class GitError extends Error {
  override name = 'GitError';
}

/**
 * Files that differ between `base` and the working tree, plus untracked files, so that a PR's
 * merge commit and a contributor's uncommitted work are judged alike. Renames are split into a
 * delete and an add: a renamed version file is a rewritten one.
 */
export async function changesSince(root: string, base: string): Promise<ChangeSet> {
  const git = gitIn(root);
  // `^{commit}` makes an unknown ref fail here with a clear message, rather than as a path.
  const commit = (await git('rev-parse', '--verify', '--quiet', `${base}^{commit}`).catch(() => '')).trim();
  if (!commit)
    throw new GitError(
      `--changed-since ${base}: no such commit in ${root}. Fetch the base branch first (e.g. git fetch origin main).`,
    );
  // --relative: paths relative to the root, which may be a subfolder of the repository.
  const diff = await git('diff', '--name-status', '--no-renames', '--relative', '-z', commit, '--', '.');
  const untracked = await git('ls-files', '--others', '--exclude-standard', '-z', '--', '.');
  const files: ChangeSet['files'] = [];
  const fields = diff.split('\0').filter(Boolean);
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i]!.charAt(0);
    files.push({ path: fields[i + 1]!, status: status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified' });
  }
  for (const path of untracked.split('\0').filter(Boolean)) files.push({ path, status: 'added' });
  return { base, files };
}

/**
 * When each file under `dir` was first committed (the commit time of the commit that added it),
 * by path relative to the root: the build's `publishedAt` for a listing. Empty outside a git
 * repository or in a shallow clone's missing history, where the caller falls back.
 */
export async function firstAddedTimes(root: string, dir: string): Promise<Map<string, string>> {
  // A path added, deleted and added again keeps its oldest addition.
  return pathCommitTimes(root, [dir], ['--diff-filter=A'], 'oldest');
}

/**
 * Each path of `git log --name-only` over `pathspecs`, with the commit time (ISO) of its newest or
 * oldest commit there; empty outside a git repository.
 */
export async function pathCommitTimes(
  root: string,
  pathspecs: readonly string[],
  filters: readonly string[],
  keep: 'newest' | 'oldest',
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let log: string;
  try {
    log = await gitIn(root)(
      'log',
      ...filters,
      '--no-renames',
      '--relative',
      '--format=%x00%cI',
      '--name-only',
      '-z',
      '--',
      ...pathspecs,
    );
  } catch {
    return out;
  }
  // Newest commit first.
  let time = '';
  for (const field of log.split('\0')) {
    const value = field.trim();
    if (!value) continue;
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) time = new Date(value).toISOString();
    else if (keep === 'oldest' || !out.has(value)) out.set(value, time);
  }
  return out;
}

function gitIn(root: string) {
  return async (...args: string[]) => {
    try {
      return (await run('git', args, { cwd: root, maxBuffer: 256 * 1024 * 1024 })).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new GitError(`git ${args.join(' ')} failed in ${root}: ${stderr || String(error)}`);
    }
  };
}
