/**
 * Installer benchmarks, on the bundled dist/install.mjs as installer/build.ts writes it:
 * - cold start: `--version` and `--help` (target ≤ 150 ms), beside `node -e 0` on the same Node,
 *   on the Node running the bench and on the machine's own Node when there is another one;
 * - install of a 10 MB bundle from a local (file) index into one client, in a fresh HOME each run,
 *   beside the floor of its download (reading and hashing the 10 MB); target: ≤ 1 s beyond it.
 *
 *   node bench/installer.ts          (BENCH_RUNS=n, default 5), or from bench/run.ts: benchInstaller
 *
 * The catalog is built by the real pipeline (offline, dev key) from the sample's dateutil-clock
 * bundle with 10 MB of incompressible data added, so the scan and the safe reader see real bytes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInstaller } from '../installer/build.ts';
import { figure, measure, ratio, runsFromEnv, type Timing } from './lib.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER = 'io.github.mcp-catalog/dateutil-clock';
const BASE_BUNDLE = 'io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb';
const BIG_BUNDLE = 'io.github.mcp-catalog--dateutil-clock-1.0.0-big.mcpb';

function exec(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(code) : reject(new Error(`${args.join(' ')}: exit ${code}\n${stderr}`)),
    );
  });
}

/** A catalog whose one server is a 10 MB bundle, built and signed; returns its dist/ and install.mjs. */
async function bigCatalog(work: string, megabytes: number) {
  const root = join(work, 'catalog');
  for (const path of ['catalog.config.json', 'catalog/policies', `catalog/servers/${SERVER}`])
    await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
  const unpacked = join(work, 'unpacked');
  execFileSync('unzip', ['-q', join(REPO_ROOT, 'catalog/bundles', BASE_BUNDLE), '-d', unpacked]);
  await mkdir(join(unpacked, 'server/data'), { recursive: true });
  await writeFile(join(unpacked, 'server/data/blob.bin'), randomBytes(megabytes << 20));
  await mkdir(join(root, 'catalog/bundles'), { recursive: true });
  execFileSync('zip', ['-q', '-X', '-r', join(root, 'catalog/bundles', BIG_BUNDLE), '.'], { cwd: unpacked });
  const bytes = await readFile(join(root, 'catalog/bundles', BIG_BUNDLE));
  const listingPath = join(root, `catalog/servers/${SERVER}/1.0.0.json`);
  const listing = JSON.parse(await readFile(listingPath, 'utf8'));
  listing.packages[0].identifier = `bundles/${BIG_BUNDLE}`;
  listing.packages[0].fileSha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(listingPath, JSON.stringify(listing, null, 2) + '\n');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: root,
      },
    );
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'pipeline/run.ts'), '--root', root, '--offline', '--signing', 'dev'],
    {
      stdio: 'ignore',
    },
  );
  const built = await buildInstaller({ root, out: join(work, 'out'), signing: 'dev' });
  return {
    dist: join(root, 'dist'),
    installer: built.file,
    bundle: join(root, 'dist/bundles', BIG_BUNDLE),
    size: bytes.length,
  };
}

function systemNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      execFileSync(candidate, ['--version']);
      if (candidate !== process.execPath) return candidate;
    } catch {
      // absent
    }
  }
  return undefined;
}

const nodeVersion = (node: string) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

export async function benchInstaller(runs: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'mcp-catalog-bench-installer-'));
  try {
    const catalog = await bigCatalog(work, 10);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work };
    for (const node of [process.execPath, systemNode()].filter((n): n is string => n !== undefined)) {
      const { timing: baseline } = await measure(
        runs,
        () => exec(node, ['-e', '0'], env, work),
        () => {},
      );
      for (const flag of ['--version', '--help']) {
        const { timing } = await measure(
          runs,
          () => exec(node, [catalog.installer, flag], env, work),
          () => {},
        );
        figure({
          bench: `installer-cold-start${flag}`,
          node: nodeVersion(node),
          ...timing,
          target_ms: 150,
          ok: timing.median_ms <= 150,
          baseline_node_startup_ms: baseline.median_ms,
          beyond_node_startup_ms: timing.median_ms - baseline.median_ms,
        });
      }
    }

    // The floor of the download from a local index: reading and hashing the bytes once.
    const { timing: floor } = await measure(
      runs,
      () =>
        new Promise<void>((resolve, reject) => {
          const hash = createHash('sha256');
          createReadStream(catalog.bundle)
            .on('data', (chunk) => hash.update(chunk))
            .on('end', () => resolve(void hash.digest()))
            .on('error', reject);
        }),
      () => {},
    );
    const homes: string[] = [];
    for (let i = 0; i < runs; i++) homes.push(await mkdtemp(join(work, 'home-')));
    let n = 0;
    const { timing } = await measure(
      runs,
      () => {
        const home = homes[n++]!;
        return exec(
          process.execPath,
          [catalog.installer, 'install', SERVER, '--index', catalog.dist, '--client', 'cursor', '--yes'],
          { ...env, HOME: home, MCP_CATALOG_HOME: join(home, '.mcp-catalog') },
          home,
        );
      },
      () => {},
    );
    const beyond: Timing = { ...timing, median_ms: timing.median_ms - floor.median_ms };
    figure({
      bench: 'installer-install-10mb',
      bundle_bytes: catalog.size,
      ...timing,
      download_floor_ms: floor.median_ms,
      beyond_download_ms: beyond.median_ms,
      target_ms: 1000,
      ok: beyond.median_ms <= 1000,
      ratio_vs_download_floor: ratio(timing.median_ms, floor.median_ms),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await benchInstaller(runsFromEnv());
  } catch (error) {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
