/**
 * `npm run build` end to end on a small catalog made of real sample files: one catalog-hosted
 * bundle (the Python dateutil-clock), a remote-only server, a deprecated server and a reviewed one.
 * Offline and in dev-key mode, so it needs no network. Asserts what readers rely on: a dist/ that
 * the shared verifier accepts, caches that make a rebuild do nothing, a serial that only goes up,
 * and a dist check that notices tampering.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keySigner } from './adapters/sigstore-sign.ts';
import { verifyDist } from './commands/verify-dist.ts';
import { REPO_ROOT } from './core/schema-files.ts';
import type { CatalogIndex, Listing, ServerRecord } from './core/schema-types.gen.ts';
import { validateSchema } from './core/schema-validator.ts';
import { signIndex } from './stages/emit.ts';
import { gitInit, readJson, runCliAsync, tempDir } from './test-support/fixtures.ts';
import { p256KeyPair } from './test-support/keys.ts';

const BUNDLE_SERVER = 'io.github.mcp-catalog/dateutil-clock';
const SAMPLE_FILES = [
  'catalog.config.json',
  'catalog/policies',
  `catalog/servers/${BUNDLE_SERVER}`,
  'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb',
  'catalog/servers/com.asana.mcp/asana',
  'catalog/servers/io.github.modelcontextprotocol/brave-search',
  'catalog/servers/io.github.qdrant/mcp-server-qdrant',
  'catalog/reviews/io.github.qdrant/mcp-server-qdrant',
];

async function smallCatalog(): Promise<string> {
  const root = await tempDir('mcp-catalog-build-');
  for (const path of SAMPLE_FILES) await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
  gitInit(root);
  return root;
}

const build = (root: string, ...flags: string[]) =>
  runCliAsync(['--root', root, '--offline', '--signing', 'dev', '--no-site', ...flags], { script: 'pipeline/run.ts' });

const devPolicy = async (root: string) => ({
  mode: 'key' as const,
  publicKeyPem: await readFile(join(root, '.signing/dev-signing-key.pub.pem'), 'utf8'),
});

describe('npm run build', () => {
  let root: string;
  let first: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    root = await smallCatalog();
    first = await build(root);
  }, 60_000);

  it('writes a signed dist/ that the shared verifier accepts', async () => {
    expect(first.status, first.stderr).toBe(0);
    const out = join(root, 'dist');
    expect(await verifyDist(out, await devPolicy(root))).toEqual([]);
    const index = await readJson<CatalogIndex>(join(out, 'index.json'));
    expect(validateSchema('index', index)).toEqual([]);
    expect(index.servers.map((s) => s.name)).toEqual([
      'com.asana.mcp/asana',
      BUNDLE_SERVER,
      'io.github.modelcontextprotocol/brave-search',
      'io.github.qdrant/mcp-server-qdrant',
    ]);
    expect(Date.parse(index.expires) - Date.parse(index.generatedAt)).toBe(14 * 86_400_000);
    expect(index.servers.find((s) => s.name.endsWith('brave-search'))?.status).toBe('deprecated');
    const qdrant = index.servers.find((s) => s.name.endsWith('mcp-server-qdrant'))!;
    expect(qdrant.rating.count).toBeGreaterThan(0);
  });

  it('copies the catalog-hosted bundle byte for byte and records its sha256, size, scan and attestation', async () => {
    const out = join(root, 'dist');
    const listing = await readJson<Listing>(join(root, `catalog/servers/${BUNDLE_SERVER}/1.0.0.json`));
    const record = await readJson<ServerRecord>(join(out, `servers/${BUNDLE_SERVER}.json`));
    const [artifact] = record.versions[0]!.artifacts;
    const bytes = await readFile(join(out, artifact!.url));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(listing.packages![0]!.fileSha256);
    expect(artifact).toMatchObject({
      status: 'verified',
      sha256: listing.packages![0]!.fileSha256,
      size: bytes.length,
      publisherSignature: { status: 'unsigned' },
      attestation: `${artifact!.url}.sigstore.json`,
    });
    // Offline, OSV was not asked: the scanner says so, and the verdict is review, never pass.
    expect(artifact!.scan?.verdict).toBe('review');
    expect(artifact!.tools?.map((t) => t.name)).toEqual(['convert_time', 'time_until']);
    expect(validateSchema('server-record', record)).toEqual([]);
  });

  it('does no work again when nothing changed: no rescan, no resign, same index and serial', async () => {
    const before = await readFile(join(root, 'dist/index.json'));
    const again = await build(root);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^scan: 0 scanned, 1 cached/m);
    expect(again.stdout).toMatch(/^sign: 0 signed, 1 reused/m);
    expect(again.stdout).toMatch(/, 0 written, 0 removed/);
    expect(again.stdout).toMatch(/index\.json unchanged since serial/);
    expect(await readFile(join(root, 'dist/index.json'))).toEqual(before);
  }, 60_000);

  it('publishes a changed catalog with a higher serial and keeps earlier publishedAt dates', async () => {
    const out = join(root, 'dist');
    const before = await readJson<CatalogIndex>(join(out, 'index.json'));
    const dir = join(root, 'catalog/servers/com.asana.mcp/asana');
    const listing = await readJson<Listing>(join(dir, '0.0.0-unversioned.json'));
    await writeFile(join(dir, '1.0.0.json'), JSON.stringify({ ...listing, version: '1.0.0' }, null, 2));
    const result = await build(root);
    expect(result.status, result.stderr).toBe(0);
    const after = await readJson<CatalogIndex>(join(out, 'index.json'));
    expect(after.serial).toBeGreaterThan(before.serial);
    const asana = (index: CatalogIndex) => index.servers.find((s) => s.name === 'com.asana.mcp/asana')!;
    expect(asana(after).latest).toBe('1.0.0');
    expect(asana(after).versions.find((v) => v.version === '0.0.0-unversioned')?.publishedAt).toBe(
      asana(before).versions[0]!.publishedAt,
    );
    expect(await verifyDist(out, await devPolicy(root))).toEqual([]);
  }, 60_000);

  it('re-signs an unchanged index when the signing key changed, so dist/ still verifies', async () => {
    const other = await smallCatalog();
    expect((await build(other)).status).toBe(0);
    await rm(join(other, '.signing'), { recursive: true });
    const result = await build(other);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/index\.json unchanged/);
    expect(await verifyDist(join(other, 'dist'), await devPolicy(other))).toEqual([]);
    await rm(other, { recursive: true, force: true });
  }, 60_000);

  it('publishes nothing when the catalog has errors, and keeps the last good dist/', async () => {
    const broken = await smallCatalog();
    const ok = await build(broken);
    expect(ok.status).toBe(0);
    const good = await readFile(join(broken, 'dist/index.json'));
    await writeFile(join(broken, 'catalog/servers/com.asana.mcp/asana/0.0.0-unversioned.json'), '{ "name": ');
    const result = await build(broken);
    expect(result.status).toBe(1);
    const report = await readJson<{ issues: { code: string }[] }>(join(broken, 'dist/validation-report.json'));
    expect(report.issues.map((i) => i.code)).toContain('json-syntax');
    expect(await readFile(join(broken, 'dist/index.json'))).toEqual(good);
    await rm(broken, { recursive: true, force: true });
  }, 60_000);

  it('records a bundle whose bytes differ from the listed sha256 as a mismatch, unsigned', async () => {
    const other = await smallCatalog();
    const file = join(other, `catalog/servers/${BUNDLE_SERVER}/1.0.0.json`);
    const listing = await readJson<Listing>(file);
    listing.packages![0]!.fileSha256 = 'a'.repeat(64);
    await writeFile(file, JSON.stringify(listing, null, 2));
    const result = await build(other);
    expect(result.status, result.stderr).toBe(0);
    const record = await readJson<ServerRecord>(join(other, `dist/servers/${BUNDLE_SERVER}.json`));
    const [artifact] = record.versions[0]!.artifacts;
    expect(artifact).toMatchObject({ status: 'sha256-mismatch', sha256: 'a'.repeat(64) });
    expect(artifact!.attestation).toBeUndefined();
    const index = await readJson<CatalogIndex>(join(other, 'dist/index.json'));
    expect(index.servers.find((s) => s.name === BUNDLE_SERVER)?.versions[0]?.verdict).toBe('reject');
    expect(await verifyDist(join(other, 'dist'), await devPolicy(other))).toEqual([]);
    await rm(other, { recursive: true, force: true });
  }, 60_000);
});

describe('the dist check refuses tampering', () => {
  let root: string;
  let out: string;
  beforeAll(async () => {
    root = await smallCatalog();
    const result = await build(root);
    expect(result.status, result.stderr).toBe(0);
    out = join(root, 'dist');
  }, 60_000);

  const tampered = async (change: (dist: string) => Promise<void>) => {
    const copy = join(await tempDir(), 'dist');
    await cp(out, copy, { recursive: true });
    await change(copy);
    return verifyDist(copy, await devPolicy(root));
  };

  it('an edited index.json', async () => {
    const problems = await tampered(async (dist) => {
      const index = await readJson<CatalogIndex>(join(dist, 'index.json'));
      index.servers[0]!.trust = 'official';
      await writeFile(join(dist, 'index.json'), JSON.stringify(index) + '\n');
    });
    expect(problems.join('\n')).toMatch(/index\.json signature: .*\[digest-mismatch\]/);
  });

  it('an index signed by another key', async () => {
    const problems = await tampered(async (dist) => {
      const signer = keySigner(p256KeyPair());
      const index = await readJson<CatalogIndex>(join(dist, 'index.json'));
      const signed = await signIndex(index, signer, 'MCP Catalog');
      await writeFile(join(dist, 'index.json.sigstore.json'), signed.bundle);
    });
    expect(problems.join('\n')).toMatch(/\[identity-mismatch\]/);
  });

  it('a truncated signature', async () => {
    const problems = await tampered(async (dist) => {
      const text = await readFile(join(dist, 'index.json.sigstore.json'), 'utf8');
      await writeFile(join(dist, 'index.json.sigstore.json'), text.slice(0, text.length / 2));
    });
    expect(problems.join('\n')).toMatch(/\[bundle-malformed\]/);
  });

  it('an edited per-server file', async () => {
    const problems = await tampered(async (dist) => {
      const path = join(dist, `servers/${BUNDLE_SERVER}.json`);
      const record = await readJson<ServerRecord>(path);
      record.trust = 'official';
      await writeFile(path, JSON.stringify(record) + '\n');
    });
    expect(problems).toEqual([expect.stringMatching(/sha256 differs/)]);
  });

  it('a replaced bundle', async () => {
    const problems = await tampered(async (dist) => {
      const record = await readJson<ServerRecord>(join(dist, `servers/${BUNDLE_SERVER}.json`));
      const path = join(dist, record.versions[0]!.artifacts[0]!.url);
      const bytes = await readFile(path);
      bytes[100] = bytes[100]! ^ 0xff;
      await writeFile(path, bytes);
    });
    expect(problems.join('\n')).toMatch(/attestation: .*\[digest-mismatch\]/);
  });

  it('an attestation moved to another artifact', async () => {
    const problems = await tampered(async (dist) => {
      const record = await readJson<ServerRecord>(join(dist, `servers/${BUNDLE_SERVER}.json`));
      const artifact = record.versions[0]!.artifacts[0]!;
      await mkdir(join(dist, 'elsewhere'), { recursive: true });
      await writeFile(join(dist, 'elsewhere/other.mcpb'), 'other bytes');
      await cp(join(dist, artifact.attestation!), join(dist, 'elsewhere/other.mcpb.sigstore.json'));
      await cp(join(dist, 'elsewhere/other.mcpb'), join(dist, artifact.url));
    });
    expect(problems.join('\n')).toMatch(/\[digest-mismatch\]/);
  });
});
