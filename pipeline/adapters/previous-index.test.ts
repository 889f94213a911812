import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import { readJson, tempDir } from '../test-support/fixtures.ts';
import { readPreviousIndex } from './previous-index.ts';

const example = await readJson<object>(join(REPO_ROOT, 'schemas/examples/index/valid/two-servers.json'));

describe('readPreviousIndex', () => {
  let url: string;
  const server = createServer((request, response) => {
    if (request.url === '/index.json') return void response.end(JSON.stringify(example));
    if (request.url === '/broken.json') return void response.end('{"schemaVersion": ');
    if (request.url === '/down.json') return void response.writeHead(503).end();
    response.writeHead(404).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a valid index from a file and from the deployed URL', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'index.json'), JSON.stringify(example));
    expect(await readPreviousIndex(join(dir, 'index.json'))).toMatchObject({ kind: 'found', index: example });
    expect(await readPreviousIndex(`${url}/index.json`)).toMatchObject({ kind: 'found', index: example });
  });

  it('treats a first build (no file, 404) as missing', async () => {
    expect((await readPreviousIndex(join(await tempDir(), 'index.json'))).kind).toBe('missing');
    expect((await readPreviousIndex(`${url}/nothing.json`)).kind).toBe('missing');
  });

  it('reports an index it cannot use instead of trusting it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'index.json'), JSON.stringify({ ...example, serial: -1 }));
    expect((await readPreviousIndex(join(dir, 'index.json'))).kind).toBe('unusable');
    expect((await readPreviousIndex(`${url}/broken.json`)).kind).toBe('unusable');
    expect((await readPreviousIndex(`${url}/down.json`)).kind).toBe('unusable');
    expect((await readPreviousIndex('http://example.invalid/index.json')).kind).toBe('unusable');
  });
});
