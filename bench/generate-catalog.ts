/**
 * Writes a synthetic catalog of valid listings for benchmarks. Everything derives from one seeded
 * PRNG, so the same seed and count give byte-identical files on every machine.
 *
 *   node bench/generate-catalog.ts --out DIR --count N [--seed S]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type {
  CatalogConfig,
  KeyValueInput,
  Package,
  RemoteTransport,
  Review,
  ServerDetail,
} from '../pipeline/core/schema-types.gen.ts';
import { forEachLimit } from './lib.ts';

const SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
const META_KEY = 'io.modelcontextprotocol.registry/publisher-provided';

const CONFIG: CatalogConfig = {
  name: 'Synthetic bench catalog',
  categories: [
    { id: 'development', title: 'Development' },
    { id: 'data', title: 'Data' },
    { id: 'ai-ml', title: 'AI & ML' },
    { id: 'productivity', title: 'Productivity' },
    { id: 'security', title: 'Security' },
  ],
};
const CATEGORY_IDS = CONFIG.categories!.map((c) => c.id);

const HANDLES = ['alice', 'bob', 'dev', 'acme-labs', 'cloudsmith', 'data-kit', 'ops', 'studio', 'mcp-tools', 'hexa'];
const TOPICS = [
  'weather',
  'postgres',
  'github',
  'slack',
  'notion',
  'jira',
  'kubernetes',
  'redis',
  'stripe',
  'calendar',
  'browser',
  'filesystem',
  'sqlite',
  'vector-store',
  'pdf',
  'email',
  'sentry',
  'grafana',
  'figma',
  'linear',
];
const KINDS = ['tool', 'server', 'mcp', 'bridge', 'connector', 'gateway', 'assistant', 'toolkit'];
const VERBS = ['Query', 'Search', 'Manage', 'Inspect', 'Summarise', 'Automate', 'Monitor', 'Sync'];
const OBJECTS = [
  'records',
  'issues and pull requests',
  'forecasts',
  'dashboards',
  'documents',
  'tickets',
  'deployments',
  'invoices',
  'events',
  'embeddings',
  'logs',
  'messages',
];
const QUALIFIERS = [
  'with read-only access by default',
  'through a typed tool interface',
  'with pagination and filters',
  'using your existing API token',
  'with fine-grained scopes',
  'from any MCP client',
];
const TAGS = [
  'api',
  'database',
  'sql',
  'search',
  'weather',
  'forecast',
  'git',
  'issue-tracking',
  'chat',
  'cloud',
  'kubernetes',
  'monitoring',
  'observability',
  'payments',
  'documents',
  'pdf',
  'email',
  'calendar',
  'automation',
  'llm',
  'embeddings',
  'vector-search',
  'security',
  'secrets',
  'design',
  'analytics',
];
const LICENSES = ['MIT', 'Apache-2.0', 'BSD-3-Clause', 'MPL-2.0', 'Apache-2.0 OR MIT', 'GPL-3.0-only'];
const ENV_VARS: readonly KeyValueInput[] = [
  { name: 'API_KEY', description: 'API key used to authenticate every request.', isSecret: true },
  { name: 'API_BASE_URL', description: 'Base URL of the upstream API, for self-hosted installations.' },
  { name: 'ACCESS_TOKEN', description: 'Personal access token with read scope.', isSecret: true },
  { name: 'LOG_LEVEL', description: 'One of debug, info, warn or error.', default: 'info' },
  { name: 'TIMEOUT_MS', description: 'Request timeout in milliseconds.', format: 'number', default: '30000' },
  { name: 'DATABASE_URL', description: 'Connection string of the database to query.', isSecret: true },
  { name: 'WORKSPACE_DIR', description: 'Directory the server may read and write.', format: 'filepath' },
];
const REVIEW_BODIES = [
  'Worked out of the box with my client; setup took five minutes.',
  'Useful, but the docs could explain the required token scopes better.',
  'Fast and reliable for daily use. Error messages are clear when the API key is wrong.',
  'Does what it says. I would like more filters on the search tool.',
];

/** mulberry32: a tiny 32-bit PRNG, plenty for test data and free of dependencies. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded source of the choices synthetic data makes. */
export class Rng {
  protected readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  /** `k` distinct items in random order (partial Fisher-Yates). */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    for (let i = 0; i < k; i++) {
      const j = this.int(i, pool.length - 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, k);
  }
}

interface Server {
  login: string;
  namespace: string;
  name: string;
  versions: string[];
}

interface CatalogFile {
  path: string;
  content: string;
}

/** How listing files are written: two-space JSON with a final newline, like a formatter would leave them. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** 1 version for most servers, 2–3 for the rest: a mean of 1.5, so N listings come from about N/1.5 servers. */
function versionCount(rng: Rng): number {
  const r = rng.int(1, 20);
  return r <= 13 ? 1 : r <= 17 ? 2 : 3;
}

/** Ascending semver strings: mostly patch bumps, some minor, rarely major. */
function versionSeries(rng: Rng, count: number): string[] {
  let [major, minor, patch] = [rng.int(0, 3), rng.int(0, 12), rng.int(0, 9)];
  const versions = [`${major}.${minor}.${patch}`];
  while (versions.length < count) {
    const r = rng.int(1, 20);
    if (r <= 14) patch += rng.int(1, 3);
    else if (r <= 19) [minor, patch] = [minor + 1, 0];
    else [major, minor, patch] = [major + 1, 0, 0];
    versions.push(`${major}.${minor}.${patch}`);
  }
  return versions;
}

function planServers(rng: Rng, n: number): Server[] {
  // About five servers per publisher, so namespaces hold several servers as in a real catalog.
  const publishers = Math.max(1, Math.round(n / 7.5));
  const servers: Server[] = [];
  for (let left = n; left > 0;) {
    const id = rng.int(1, publishers);
    const login = `${HANDLES[id % HANDLES.length]}${id}`;
    // The running index keeps names unique without bookkeeping.
    const name = `${rng.pick(TOPICS)}-${rng.pick(KINDS)}-${servers.length + 1}`;
    const versions = versionSeries(rng, Math.min(left, versionCount(rng)));
    servers.push({ login, namespace: `io.github.${login}`, name, versions });
    left -= versions.length;
  }
  return servers;
}

function titleCase(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** At most 81 characters, so it also serves as a listing description (limit 100). */
function sentence(rng: Rng): string {
  return `${rng.pick(VERBS)} ${rng.pick(TOPICS)} ${rng.pick(OBJECTS)} ${rng.pick(QUALIFIERS)}.`;
}

/**
 * Markdown of a random length in [300, 1800]: heading, intro, feature list, notes. Lengths are skewed
 * towards the short end (median about 500), as real publisher text is.
 */
function longDescription(rng: Rng, title: string): string {
  const u = rng.int(0, 1000) / 1000;
  const target = 300 + Math.round(1500 * u ** 3);
  let head = `## ${title}\n\n${sentence(rng)} ${sentence(rng)}\n\n### Features\n`;
  for (let i = rng.int(2, 4); i > 0; i--) head += `\n- ${sentence(rng)}`;
  head += '\n\n### Notes\n\n';
  let notes = sentence(rng);
  while (head.length + notes.length < target) notes += ` ${sentence(rng)}`;
  return (head + notes).slice(0, 1800).trimEnd();
}

function envVars(rng: Rng): KeyValueInput[] {
  return rng.sample(ENV_VARS, rng.int(0, 4)).map((v) => ({ ...v, isRequired: rng.chance(0.6) }));
}

/** One package of the given registry type, at version 0.0.0; `withVersion` sets the real version. */
function pkg(server: Server, registryType: 'npm' | 'pypi' | 'oci', env: KeyValueInput[]): Package {
  const base: Package =
    registryType === 'npm'
      ? {
          registryType,
          identifier: `@${server.login}/${server.name}`,
          version: '0.0.0',
          runtimeHint: 'npx',
          transport: { type: 'stdio' },
        }
      : registryType === 'pypi'
        ? {
            registryType,
            identifier: `mcp-${server.name}`,
            version: '0.0.0',
            runtimeHint: 'uvx',
            transport: { type: 'stdio' },
          }
        : {
            registryType,
            identifier: `docker.io/${server.login}/${server.name}:0.0.0`,
            runtimeHint: 'docker',
            transport: { type: 'stdio' },
          };
  return env.length > 0 ? { ...base, environmentVariables: env } : base;
}

function remote(rng: Rng, server: Server): RemoteTransport {
  const url = `https://mcp.${server.login}.example.com/${server.name}`;
  const transport: RemoteTransport = rng.chance(0.8)
    ? { type: 'streamable-http', url: `${url}/mcp` }
    : { type: 'sse', url: `${url}/sse` };
  if (rng.chance(0.5)) {
    transport.headers = [
      {
        name: 'Authorization',
        description: 'Bearer token from your account settings.',
        isRequired: true,
        isSecret: true,
      },
    ];
  }
  return transport;
}

/** What the server offers: mostly one package, some two, some remote endpoints with or without packages. */
function distribution(rng: Rng, server: Server): Pick<ServerDetail, 'packages' | 'remotes'> {
  const r = rng.int(1, 20);
  const main = rng.pick(['npm', 'npm', 'npm', 'pypi', 'pypi', 'oci'] as const);
  // Packages of one server run the same code, so they share its environment variables.
  const env = envVars(rng);
  const second = main === 'oci' ? 'npm' : 'oci';
  const packages = r <= 2 ? [] : r <= 5 ? [pkg(server, main, env), pkg(server, second, env)] : [pkg(server, main, env)];
  const withRemote = packages.length === 0 || rng.chance(0.15);
  return {
    ...(packages.length > 0 && { packages }),
    ...(withRemote && { remotes: [remote(rng, server)] }),
  };
}

function publisherMeta(rng: Rng, server: Server, title: string): Record<string, unknown> {
  const tags = rng.sample(TAGS, rng.int(0, 8));
  return {
    category: rng.pick(CATEGORY_IDS),
    ...(tags.length > 0 && { tags }),
    license: rng.pick(LICENSES),
    longDescription: longDescription(rng, title),
    documentation: `https://docs.example.com/${server.login}/${server.name}`,
    ...(rng.chance(0.3) && { support: { url: `https://github.com/${server.login}/${server.name}/issues` } }),
    ...(rng.chance(0.3) && { changelog: `- ${sentence(rng)}\n- Fixed a crash on empty responses.` }),
  };
}

/** The parts of a listing that all versions of a server share; `withVersion` makes a listing of it. */
function serverTemplate(rng: Rng, server: Server): ServerDetail {
  const title = titleCase(server.name);
  return {
    $schema: SCHEMA_URL,
    name: `${server.namespace}/${server.name}`,
    title,
    description: sentence(rng),
    version: '0.0.0',
    websiteUrl: rng.chance(0.5)
      ? `https://${server.login}.github.io/${server.name}/`
      : `https://www.example.com/${server.name}`,
    repository: {
      url: `https://github.com/${server.login}/${server.name}`,
      source: 'github',
      id: String(rng.int(10_000_000, 999_999_999)),
    },
    ...distribution(rng, server),
    _meta: { [META_KEY]: publisherMeta(rng, server, title) },
  };
}

/** The listing for one version: package versions and image tags follow the server version, as publishers do. */
export function withVersion(listing: ServerDetail, version: string): ServerDetail {
  const packages = listing.packages?.map((p) =>
    p.registryType === 'oci'
      ? { ...p, identifier: p.identifier.replace(/:[^:/]+$/, `:${version}`) }
      : { ...p, version },
  );
  return { ...listing, version, ...(packages && { packages }) };
}

/** Reviews for about 5% of servers, each by a distinct login and about a version that exists. */
function reviews(rng: Rng, server: Server): CatalogFile[] {
  if (!rng.chance(0.05)) return [];
  const logins = rng.sample(
    Array.from({ length: 50 }, (_, i) => `bench-user-${i + 1}`),
    rng.int(1, 3),
  );
  return logins.map((login) => {
    const review: Review = {
      rating: rng.int(1, 5),
      body: rng.pick(REVIEW_BODIES),
      version: rng.pick(server.versions),
      sample: true,
    };
    return { path: join('catalog/reviews', server.namespace, server.name, `${login}.json`), content: toJson(review) };
  });
}

function catalogFiles(n: number, seed: number): CatalogFile[] {
  const rng = new Rng(seed);
  const files: CatalogFile[] = [{ path: 'catalog.config.json', content: toJson(CONFIG) }];
  for (const server of planServers(rng, n)) {
    const template = serverTemplate(rng, server);
    for (const version of server.versions) {
      files.push({
        path: join('catalog/servers', server.namespace, server.name, `${version}.json`),
        content: toJson(withVersion(template, version)),
      });
    }
    files.push(...reviews(rng, server));
  }
  return files;
}

export async function generateCatalog(root: string, n: number, opts: { seed?: number } = {}): Promise<void> {
  await forEachLimit(catalogFiles(n, opts.seed ?? 1), 32, async (file) => {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  });
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string', default: '1' } },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!values.out || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: node bench/generate-catalog.ts --out DIR --count N [--seed S]\n');
    process.exitCode = 2;
    return;
  }
  await generateCatalog(values.out, count, { seed });
}

// Run as a script, not when imported by run.ts or the tests (import.meta.main is not in Node 22).
if (process.argv[1] === fileURLToPath(import.meta.url)) await cli();
