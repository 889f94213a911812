/**
 * Every refusal of issue 10 and threats.md ("What the installer must refuse"), through the
 * bundled installer against a real signed catalog. Each leaves every file under HOME
 * byte-identical (client configs included, which exist beforehand), and under MCP_CATALOG_HOME
 * changes nothing but one appended audit line that records the refusal and its code.
 */
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySigner } from '../pipeline/adapters/sigstore-sign.ts';
import type { CatalogIndex } from '../pipeline/core/schema-types.gen.ts';
import { tempDir } from '../pipeline/test-support/fixtures.ts';
import { p256KeyPair } from '../pipeline/test-support/keys.ts';
import {
  buildTestCatalog,
  distCopy,
  resign,
  rewriteRecord,
  runInstaller,
  sandbox,
  serveDist,
  snapshot,
  spawnInstaller,
  writeText,
  type CatalogServer,
  type Sandbox,
  type TestCatalog,
} from './test-support.ts';

const CLOCK = 'io.github.mcp-catalog/dateutil-clock';
const CLOCK_BUNDLE = 'bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb';
const MEMORY_BUNDLE = 'bundles/io.github.modelcontextprotocol--memory-2026.8.31.mcpb';
const CLIENT_FILES = {
  cursor: '.cursor/mcp.json',
  'claude-code': '.claude.json',
  vscode: '.config/Code/User/mcp.json',
};
const CLIENT_ARGS = Object.keys(CLIENT_FILES).flatMap((c) => ['--client', c]);

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await buildTestCatalog();
}, 120_000);

/** A HOME whose clients are already configured, so that "unchanged" means something. */
async function configuredBox(): Promise<Sandbox> {
  const box = await sandbox();
  await writeText(
    join(box.home, CLIENT_FILES.cursor),
    '{\n  "mcpServers": {\n    "keep": { "command": "k" }\n  }\n}\n',
  );
  await writeText(
    join(box.home, CLIENT_FILES['claude-code']),
    JSON.stringify({ mcpServers: {}, projects: {} }, null, 2),
  );
  await writeText(join(box.home, CLIENT_FILES.vscode), '// mine\n{ "servers": {}, "inputs": [] }\n');
  return box;
}

/** Runs `args`, expects the refusal `code` with `exit`, and that nothing changed but the audit log. */
async function expectRefusal(box: Sandbox, args: string[], code: string, exit = 1, env: Record<string, string> = {}) {
  const home = await snapshot(box.home);
  const state = await snapshot(box.catalogHome);
  const auditBefore = await readFile(join(box.catalogHome, 'audit.log'), 'utf8').catch(() => '');
  const result = await runInstaller(catalog.installer, args, box, { env });
  expect(result.json.error?.code, result.stdout + result.stderr).toBe(code);
  expect(result.status).toBe(exit);
  expect(await snapshot(box.home)).toEqual(home);
  const { 'audit.log': _after, ...stateAfter } = await snapshot(box.catalogHome);
  const { 'audit.log': _before, ...stateBefore } = state;
  expect(stateAfter).toEqual(stateBefore);
  const appended = (await readFile(join(box.catalogHome, 'audit.log'), 'utf8'))
    .slice(auditBefore.length)
    .trim()
    .split('\n');
  expect(appended).toHaveLength(1);
  expect(JSON.parse(appended[0]!)).toMatchObject({ decision: exit === 3 ? 'needs-approval' : 'refused', code });
  return result;
}

const installArgs = (dist: string, spec = CLOCK) => ['install', spec, '--index', dist, '--yes', ...CLIENT_ARGS];

describe('refusals leave HOME byte-identical', () => {
  it('a tampered bundle byte', async () => {
    const dist = await distCopy(catalog.dist);
    const bytes = await readFile(join(dist, CLOCK_BUNDLE));
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01;
    await writeFile(join(dist, CLOCK_BUNDLE), bytes);
    await expectRefusal(await configuredBox(), installArgs(dist), 'artifact-digest-mismatch');
  });

  it('an attestation for another digest', async () => {
    const dist = await distCopy(catalog.dist);
    await writeFile(
      join(dist, `${CLOCK_BUNDLE}.sigstore.json`),
      await readFile(join(dist, `${MEMORY_BUNDLE}.sigstore.json`)),
    );
    await expectRefusal(await configuredBox(), installArgs(dist), 'attestation-digest-mismatch');
  });

  it('an attestation from another identity', async () => {
    const dist = await distCopy(catalog.dist);
    const original = JSON.parse(
      Buffer.from(
        JSON.parse(await readFile(join(dist, `${CLOCK_BUNDLE}.sigstore.json`), 'utf8')).dsseEnvelope.payload,
        'base64',
      ).toString('utf8'),
    );
    // The very statement the catalog signed, signed again by someone else's key.
    const forged = await keySigner(p256KeyPair()).sign(original);
    await writeFile(join(dist, `${CLOCK_BUNDLE}.sigstore.json`), JSON.stringify(forged));
    await expectRefusal(await configuredBox(), installArgs(dist), 'attestation-identity-mismatch');
  });

  it('a tampered server record file', async () => {
    const dist = await distCopy(catalog.dist);
    const path = join(dist, 'servers', `${CLOCK}.json`);
    await writeFile(path, (await readFile(path, 'utf8')).replace('Time zone', 'Tine zone'));
    await expectRefusal(await configuredBox(), installArgs(dist), 'record-digest-mismatch');
  });

  it('a rolled-back index', async () => {
    const box = await configuredBox();
    const seen = await runInstaller(catalog.installer, ['search', 'clock', '--index', catalog.dist], box);
    expect(seen.status).toBe(0);
    const dist = await distCopy(catalog.dist);
    await resign(catalog, dist, (index) => void (index.serial -= 1));
    await expectRefusal(box, installArgs(dist), 'index-rolled-back');
  });

  it('an expired index', async () => {
    const dist = await distCopy(catalog.dist);
    await resign(
      catalog,
      dist,
      (index) => void (index.expires = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, '.000Z')),
    );
    await expectRefusal(await configuredBox(), installArgs(dist), 'index-expired');
  });

  it('an index signed by another catalog', async () => {
    const dist = await distCopy(catalog.dist);
    await resign(catalog, dist, () => undefined, p256KeyPair());
    await expectRefusal(await configuredBox(), installArgs(dist), 'index-identity-mismatch');
    // The same key, but a statement bound to another catalog's name.
    const other = await distCopy(catalog.dist);
    await resign(catalog, other, () => undefined, undefined, 'https://fork.example/catalog/');
    await expectRefusal(await configuredBox(), installArgs(other), 'index-wrong-catalog');
  });

  it('an index whose bytes differ from what was signed', async () => {
    const dist = await distCopy(catalog.dist);
    const path = join(dist, 'index.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"servers"', ' "servers"'));
    await expectRefusal(await configuredBox(), installArgs(dist), 'index-digest-mismatch');
  });

  it('a yanked version', async () => {
    const dist = await distCopy(catalog.dist);
    await resign(catalog, dist, (index: CatalogIndex) =>
      rewriteRecord(dist, index, CLOCK, (record) => {
        record.versions[0].status = 'yanked';
        record.versions[0].statusMessage = 'leaks the time zone database';
      }),
    );
    await expectRefusal(await configuredBox(), installArgs(dist, `${CLOCK}@1.0.0`), 'version-yanked');
  });

  it('an index of an unknown major format, and a server file that breaks its schema', async () => {
    const future = await distCopy(catalog.dist);
    await resign(catalog, future, (index) => void (index.schemaVersion = '2.0.0'));
    await expectRefusal(await configuredBox(), installArgs(future), 'index-schema-unsupported');
    const broken = await distCopy(catalog.dist);
    await resign(catalog, broken, (index: CatalogIndex) =>
      rewriteRecord(broken, index, CLOCK, (record) => void delete record.versions[0].artifacts[0].sha256),
    );
    const result = await expectRefusal(await configuredBox(), installArgs(broken), 'record-invalid');
    expect(result.json.error?.field).toBe('/versions/0/artifacts/0');
  });

  it('a client config that is a symlink, or is not JSON', async () => {
    const box = await configuredBox();
    const real = join(box.home, 'elsewhere.json');
    await writeText(real, '{}\n');
    await rm(join(box.home, CLIENT_FILES.cursor));
    await symlink(real, join(box.home, CLIENT_FILES.cursor));
    const linked = await expectRefusal(box, installArgs(catalog.dist), 'config-symlink');
    expect(linked.json.error?.file).toBe(join(box.home, CLIENT_FILES.cursor));

    const broken = await configuredBox();
    await writeText(join(broken.home, CLIENT_FILES['claude-code']), '{"mcpServers": {,}\n');
    const invalid = await expectRefusal(broken, installArgs(catalog.dist), 'config-invalid-json');
    expect(invalid.json.error?.file).toBe(join(broken.home, CLIENT_FILES['claude-code']));
  });

  it('a policy deny, and a policy that needs approval (exit 3, with the link)', async () => {
    const dir = await tempDir('mcp-policy-');
    const deny = join(dir, 'deny.json');
    await writeFile(deny, JSON.stringify({ description: 'no clocks', deny: { names: ['io.github.mcp-catalog/*'] } }));
    const denied = await expectRefusal(
      await configuredBox(),
      [...installArgs(catalog.dist), '--policy', deny],
      'policy-denied',
    );
    expect(denied.json.error).toMatchObject({
      reasons: [
        '[policy: deny] io.github.mcp-catalog/dateutil-clock is denied: its name matches io.github.mcp-catalog/*.',
      ],
      rules: [{ rule: 'deny', from: 'policy' }],
    });
    // A policy the catalog publishes, by name; and its default one, checked against the signed index.
    await expectRefusal(
      await configuredBox(),
      [...installArgs(catalog.dist), '--policy', 'sample-strict-enterprise'],
      'policy-denied',
    );
    const dist = await distCopy(catalog.dist);
    const published = join(dist, 'policies/sample-standard.json');
    await writeFile(published, (await readFile(published, 'utf8')).replace('"review"', '"reject"'));
    await expectRefusal(await configuredBox(), installArgs(dist), 'policy-digest-mismatch');
    const approval = join(dir, 'approval.json');
    await writeFile(
      approval,
      JSON.stringify({
        description: 'ask first',
        requireApproval: {
          servers: { names: ['io.github.mcp-catalog/*'] },
          requestUrl: 'https://it.example/approve?name={name}&v={version}',
        },
      }),
    );
    const asked = await expectRefusal(
      await configuredBox(),
      [...installArgs(catalog.dist), '--policy', approval],
      'approval-required',
      3,
    );
    expect(asked.json.error).toMatchObject({
      requestUrl: 'https://it.example/approve?name=io.github.mcp-catalog%2Fdateutil-clock&v=1.0.0',
    });
  });

  describe('over HTTPS', () => {
    let server: CatalogServer;
    let cut: CatalogServer;
    beforeAll(async () => {
      server = await serveDist(catalog.dist);
      cut = await serveDist(catalog.dist, { cut: [CLOCK_BUNDLE] });
    });
    afterAll(async () => {
      await server.close();
      await cut.close();
    });

    it('installs from an https index', async () => {
      const box = await configuredBox();
      const result = await runInstaller(catalog.installer, installArgs(server.url), box, {
        env: { NODE_EXTRA_CA_CERTS: server.caFile },
      });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    });

    it('an interrupted download', async () => {
      await expectRefusal(await configuredBox(), installArgs(cut.url), 'download-failed', 4, {
        NODE_EXTRA_CA_CERTS: cut.caFile,
      });
    });

    it('a download over its size cap', async () => {
      await expectRefusal(await configuredBox(), installArgs(server.url), 'download-too-large', 1, {
        NODE_EXTRA_CA_CERTS: server.caFile,
        MCP_CATALOG_MAX_DOWNLOAD_BYTES: '1000',
      });
    });
  });
});

describe('a kill at any point of the config writes', () => {
  it('leaves every client config either as it was or as it will be, never torn', async () => {
    const box = await configuredBox();
    const files = Object.values(CLIENT_FILES).map((f) => join(box.home, f));
    const before = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    // The finished result, from a run that is not interrupted.
    const done = await runInstaller(
      catalog.installer,
      installArgs(catalog.dist, 'io.github.modelcontextprotocol/memory'),
      box,
    );
    expect(done.status, done.stdout + done.stderr).toBe(0);
    const after = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    const restore = async () => {
      await Promise.all(files.map((f, i) => writeFile(f, before[i]!)));
      await rm(box.catalogHome, { recursive: true, force: true });
    };
    const started = Date.now();
    await restore();
    const child = spawnInstaller(
      catalog.installer,
      installArgs(catalog.dist, 'io.github.modelcontextprotocol/memory'),
      box,
    );
    await new Promise((resolve) => child.on('exit', resolve));
    const full = Date.now() - started;
    let torn = 0;
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      await restore();
      const proc = spawnInstaller(
        catalog.installer,
        installArgs(catalog.dist, 'io.github.modelcontextprotocol/memory'),
        box,
      );
      // Spread over the whole run, and denser towards its end where the writes happen.
      const delay = Math.round(full * (0.3 + 0.7 * Math.sqrt(Math.random())));
      const timer = setTimeout(() => {
        kills++;
        proc.kill('SIGKILL');
      }, delay);
      await new Promise((resolve) => proc.on('exit', resolve));
      clearTimeout(timer);
      for (const [i, file] of files.entries()) {
        const text = await readFile(file, 'utf8');
        if (text !== before[i] && text !== after[i]) torn++;
      }
    }
    expect(kills).toBeGreaterThan(0);
    expect(torn).toBe(0);
    // The next complete run clears what the killed ones left beside the configs.
    const again = await runInstaller(
      catalog.installer,
      installArgs(catalog.dist, 'io.github.modelcontextprotocol/memory'),
      box,
    );
    expect(again.status, again.stdout + again.stderr).toBe(0);
    const leftovers = Object.keys(await snapshot(box.home)).filter((path) => path.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  }, 180_000);
});
