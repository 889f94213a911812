/**
 * When each server's status.json last changed, from git: the registry API's `statusChangedAt`
 * (a status has no date of its own, and a build date would move on every build).
 */
import { pathCommitTimes } from './git.ts';

/**
 * The commit time of the last commit that touched `<dir>/<ns>/<name>/status.json`, by server name
 * (`<ns>/<name>`). Empty outside a git repository; an uncommitted change has no time yet.
 */
export async function statusChangedTimes(root: string, dir = 'catalog/servers'): Promise<Map<string, string>> {
  const times = await pathCommitTimes(root, [`:(glob)${dir}/*/*/status.json`], [], 'newest');
  const out = new Map<string, string>();
  for (const [path, time] of times)
    if (path.startsWith(`${dir}/`)) out.set(path.slice(dir.length + 1, -'/status.json'.length), time);
  return out;
}
