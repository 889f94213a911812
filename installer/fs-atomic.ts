/**
 * The only way the installer writes a file that someone else reads: a temporary file beside the
 * target, fsync, rename over the target, fsync the folder. A reader (or a crash at any point)
 * sees the old file or the new one, never a torn one. The target must not be a symlink, and
 * neither may the folder it is in: writing through one would edit a file somewhere else.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InstallerError } from './errors.ts';

/**
 * Throws `code` (`config-symlink` by default) when `path` or its folder is a symlink, or `path` is
 * not a regular file (a folder, with `directory`); returns whether `path` exists.
 */
export async function refuseSymlink(
  path: string,
  code = 'config-symlink',
  options: { directory?: boolean } = {},
): Promise<boolean> {
  for (const target of [dirname(path), path]) {
    let info;
    try {
      info = await lstat(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (target === path) return false;
        continue;
      }
      throw error;
    }
    if (info.isSymbolicLink())
      throw new InstallerError(
        code,
        `${target} is a symlink; the installer never writes through one. Nothing was changed.`,
        {
          file: target,
          hint: 'Point the client at a regular file, or edit this config by hand.',
        },
      );
    if (target === path && !(options.directory ? info.isDirectory() : info.isFile()))
      throw new InstallerError(code, `${target} is not a regular file. Nothing was changed.`, { file: target });
  }
  return true;
}

export async function atomicWriteFile(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const exists = await refuseSymlink(path);
  const mode = options.mode ?? (exists ? (await lstat(path)).mode & 0o7777 : 0o644);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
  await removeStaleTemps(path);
}

/** Temporary files a killed earlier run left beside `path` (their process is gone). */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? name.slice(prefix.length).match(/^(\d+)\.[0-9a-f]{8}\.tmp$/) : null;
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running: its write may be under way
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    await rm(join(dirname(path), name), { force: true });
  }
}

export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a folder for fsync; rename is still atomic there.
  }
}

/** Appends one line and fsyncs (the audit log). */
export async function appendLine(path: string, line: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await refuseSymlink(path, 'state-symlink');
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.appendFile(line.endsWith('\n') ? line : line + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
