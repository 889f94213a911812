import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitInit, tempDir } from '../test-support/fixtures.ts';
import { statusChangedTimes } from './status-times.ts';

describe('statusChangedTimes', () => {
  it('gives each server the commit time of the last change to its status.json', async () => {
    const root = await tempDir('status-times-');
    const dir = join(root, 'catalog/servers/io.github.acme/weather');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'status.json'), '{"status":"active"}');
    await writeFile(join(dir, '1.0.0.json'), '{}');
    gitInit(root);
    const commitAt = (date: string) =>
      execFileSync(
        'git',
        ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-a', '-m', date],
        {
          cwd: root,
          env: { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date },
        },
      );
    await writeFile(join(dir, 'status.json'), '{"status":"deprecated","message":"Old."}');
    commitAt('2030-01-02T03:04:05Z');
    // A later commit that touches another file does not move the date.
    await writeFile(join(dir, '1.0.0.json'), '{"x":1}');
    commitAt('2030-02-01T00:00:00Z');
    expect(await statusChangedTimes(root)).toEqual(new Map([['io.github.acme/weather', '2030-01-02T03:04:05.000Z']]));
  });

  it('is empty outside a git repository', async () => {
    expect(await statusChangedTimes(await tempDir('status-times-none-'))).toEqual(new Map());
  });
});
