/**
 * When each server's status.json last changed, from git: the registry API's `statusChangedAt`
 * (a status has no date of its own, and a build date would move on every build).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The commit time of the last commit that touched `<dir>/<ns>/<name>/status.json`, by server name
 * (`<ns>/<name>`). Empty outside a git repository; an uncommitted change has no time yet.
 */
export async function statusChangedTimes(root: string, dir = 'catalog/servers'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let log: string;
  try {
    ({ stdout: log } = await run(
      'git',
      [
        'log',
        '--no-renames',
        '--relative',
        '--format=%x00%cI',
        '--name-only',
        '-z',
        '--',
        `:(glob)${dir}/*/*/status.json`,
      ],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    ));
  } catch {
    return out;
  }
  // Newest commit first: the first time a path appears is its last change.
  let time = '';
  for (const field of log.split('\0')) {
    const value = field.trim();
    if (!value) continue;
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      time = new Date(value).toISOString();
      continue;
    }
    const name = value.slice(dir.length + 1, -'/status.json'.length);
    if (value.startsWith(`${dir}/`) && !out.has(name)) out.set(name, time);
  }
  return out;
}
