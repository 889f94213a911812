/** Test helpers: fixture folders are copied to a temporary directory before a test touches them. */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile, execFileSync } from 'node:child_process';
import { afterAll } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';

const temporary: string[] = [];
afterAll(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(prefix = 'mcp-catalog-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** The case folders of a fixture directory; throws when there are none, so a test cannot pass vacuously. */
export async function fixtureCases(dir: string | URL): Promise<{ name: string; dir: string }[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new Error(`no fixture cases in ${path}`);
  return names.map((name) => ({ name, dir: join(path, name) }));
}

export async function copyFixture(dir: string): Promise<string> {
  const target = await tempDir();
  await cp(dir, target, { recursive: true });
  return target;
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Run the real CLI as `npm run catalog` does: Node (22.18+) runs the TypeScript directly. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): { stdout: string; stderr: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [join(REPO_ROOT, 'pipeline/cli.ts'), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, GITHUB_ACTIONS: '', ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout, stderr: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.status };
  }
}

/**
 * `runCli` without blocking the event loop, for tests whose servers (HTTPS, OSV) live in the test
 * process itself: a synchronous child would wait on a server that can no longer answer.
 */
export function runCliAsync(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; script?: string } = {},
): Promise<{ stdout: string; stderr: string; status: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, options.script ?? 'pipeline/cli.ts'), ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, GITHUB_ACTIONS: '', ...options.env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ stdout, stderr, status: error ? Number(error.code ?? 1) : 0 }),
    );
  });
}

/** A throwaway git repository with one commit of `dir`'s content; git identity is passed inline. */
export function gitInit(dir: string): (...args: string[]) => string {
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base', '--allow-empty');
  return git;
}
