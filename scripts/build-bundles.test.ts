import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { buildBundle, normalizeZipTimes } from './build-bundles.ts';

async function zipAt(mtime: Date): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  // Like fflate (what mcpb pack uses), DOS times only: no extended-timestamp extra field.
  zip.addBuffer(Buffer.from('{"name":"x"}'), 'manifest.json', { mtime, forceDosTimestamp: true });
  zip.addBuffer(Buffer.alloc(1000, 7), 'server/index.js', { mtime, compress: true, forceDosTimestamp: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('normalizeZipTimes', () => {
  it('makes zips packed at different times byte-identical, and they still read', async () => {
    const a = normalizeZipTimes(await zipAt(new Date('2026-11-21T10:00:00')));
    const b = normalizeZipTimes(await zipAt(new Date('2031-02-03T04:05:06')));
    expect(sha256(a)).toBe(sha256(b));
    const zipfile = await yauzl.fromBufferPromise(a);
    const times: string[] = [];
    for await (const entry of zipfile.eachEntry()) times.push((entry as yauzl.Entry).getLastModDate().toISOString());
    expect(times).toHaveLength(2);
    expect(new Set(times).size).toBe(1);
  });

  it('refuses what is not a zip', () => {
    expect(() => normalizeZipTimes(Buffer.from('not a zip'))).toThrow(/not a zip/);
  });
});

describe('buildBundle', () => {
  it('gives the same sha256 when the same sources are packed again', async () => {
    const first = sha256(await readFile((await buildBundle('python-dateutil-clock')).path));
    const again = sha256(await readFile((await buildBundle('python-dateutil-clock', true)).path));
    expect(again).toBe(first);
  }, 120_000);
});
