/**
 * A small catalog for the registry API tests: each server exercises one rule of
 * docs/registry-api.md. Index entries and records are written out in full (no builder) so that a
 * test reads against literal data; registry-api.test.ts checks both against their schemas.
 *
 * - io.github.acme/weather: three versions (active latest with npm, a catalog-hosted bundle and a
 *   remote; deprecated; yanked), verified trust, reviews, stats, a scanned and attested artifact.
 * - com.example/legacy: a deprecated server, one PyPI version, a website but no repository.
 * - org.example.tools/backport: a backport published after the higher version, build metadata in
 *   a version, a remote only, a GitLab repository.
 * - io.github.someone/withdrawn: every version yanked, so not in the registry at all.
 */
import type {
  CatalogIndex,
  IndexServer,
  Listing,
  Package,
  RecordVersion,
  ServerRecord,
} from '../core/schema-types.gen.ts';
import type { RegistryApiModel } from './registry-api.ts';

export const BASE_URL = 'https://acme.github.io/mcp-catalog/';

const SHA_BUNDLE = 'fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce';
const SHA_REPORT = 'a'.repeat(64);
const SHA_DETAIL = 'b'.repeat(64);

const weatherNpm: Package = {
  registryType: 'npm',
  identifier: '@acme/weather-mcp',
  version: '2.1.0',
  runtimeHint: 'npx',
  transport: { type: 'stdio' },
  environmentVariables: [{ name: 'WEATHER_API_KEY', description: 'API key', isRequired: true, isSecret: true }],
};

/** Hosted by the catalog: the record holds the path relative to index.json. */
const weatherBundle: Package = {
  registryType: 'mcpb',
  identifier: 'bundles/io.github.acme/weather/weather-2.1.0.mcpb',
  fileSha256: SHA_BUNDLE,
  transport: { type: 'stdio' },
};

const weatherVersions: RecordVersion[] = [
  {
    version: '2.1.0',
    status: 'active',
    publishedAt: '2025-06-01T10:00:00Z',
    changelog: 'Hourly forecasts.',
    packages: [weatherNpm, weatherBundle],
    remotes: [{ type: 'streamable-http', url: 'https://mcp.acme.example/weather' }],
    artifacts: [
      {
        package: 1,
        url: 'bundles/io.github.acme/weather/weather-2.1.0.mcpb',
        sha256: SHA_BUNDLE,
        size: 48_213,
        status: 'verified',
        publisherSignature: { status: 'unsigned' },
        attestation: 'attestations/io.github.acme/weather/2.1.0/0.sigstore.json',
        scan: {
          verdict: 'review',
          ruleset: { name: 'mcp-catalog-core', version: '1.0.0' },
          report: { path: 'reports/io.github.acme/weather/2.1.0/0.json', sha256: SHA_REPORT, size: 2_048 },
          findings: { reject: 0, review: 1, info: 2 },
          acknowledged: 1,
        },
        tools: [{ name: 'forecast', sha256: SHA_REPORT }],
      },
    ],
  },
  {
    version: '2.0.0',
    status: 'deprecated',
    statusMessage: 'Returns wrong units; use 2.1.0.',
    publishedAt: '2025-03-01T10:00:00Z',
    packages: [{ ...weatherNpm, version: '2.0.0' }],
    remotes: [],
    artifacts: [],
  },
  {
    version: '1.0.0',
    status: 'yanked',
    statusMessage: 'Leaked the API key in logs.',
    publishedAt: '2025-01-01T10:00:00Z',
    packages: [{ ...weatherNpm, version: '1.0.0' }],
    remotes: [],
    artifacts: [],
  },
];

const weather: ServerRecord = {
  schemaVersion: '1.0.0',
  name: 'io.github.acme/weather',
  title: 'Weather',
  description: 'Forecasts from a public weather API.',
  category: 'data',
  tags: ['weather', 'forecast'],
  source: { repository: 'https://github.com/acme/weather', website: 'https://acme.example/weather' },
  longDescription: '# Weather\n\nHourly and daily forecasts.',
  license: 'MIT',
  trust: 'verified',
  trustNote: 'Publisher identity checked against acme.example.',
  featured: true,
  status: 'active',
  rating: { average: 4.5, count: 2, histogram: [0, 0, 0, 1, 1] },
  stats: {
    stars: { value: 120, asOf: '2025-06-02T00:00:00Z' },
    npmWeeklyDownloads: { value: 3_400, asOf: '2025-06-02T00:00:00Z' },
  },
  reviews: [
    { login: 'alice', rating: 5, body: 'Works.', version: '2.1.0' },
    { login: 'bob', rating: 4, body: 'Fine.', version: '2.0.0' },
  ],
  versions: weatherVersions,
};

const legacy: ServerRecord = {
  schemaVersion: '1.0.0',
  name: 'com.example/legacy',
  description: 'The old forecast server.',
  category: 'data',
  tags: [],
  source: { website: 'https://example.com/legacy' },
  trust: 'community',
  status: 'deprecated',
  statusMessage: 'Unmaintained; use io.github.acme/weather.',
  replacedBy: 'io.github.acme/weather',
  rating: { count: 0, histogram: [0, 0, 0, 0, 0] },
  reviews: [],
  versions: [
    {
      version: '0.9.0',
      status: 'active',
      publishedAt: '2024-05-01T00:00:00Z',
      packages: [
        { registryType: 'pypi', identifier: 'example-legacy-mcp', version: '0.9.0', transport: { type: 'stdio' } },
      ],
      remotes: [],
      artifacts: [],
    },
  ],
};

/** 1.0.1+build.5 fixes 1.0.0 and was published after 1.1.0: newest by date, not the latest. */
const backport: ServerRecord = {
  schemaVersion: '1.0.0',
  name: 'org.example.tools/backport',
  description: 'Build tools behind an SSE endpoint.',
  category: 'development',
  tags: ['build'],
  source: { repository: 'https://gitlab.com/example/backport' },
  trust: 'unverified',
  status: 'active',
  rating: { count: 0, histogram: [0, 0, 0, 0, 0] },
  stats: {},
  reviews: [],
  versions: [
    {
      version: '1.1.0',
      status: 'active',
      publishedAt: '2025-02-01T00:00:00Z',
      packages: [],
      remotes: [{ type: 'sse', url: 'https://tools.example.org/sse' }],
      artifacts: [],
    },
    {
      version: '1.0.1+build.5',
      status: 'active',
      publishedAt: '2025-04-01T00:00:00Z',
      packages: [],
      remotes: [{ type: 'sse', url: 'https://tools.example.org/sse-1.0' }],
      artifacts: [],
    },
  ],
};

const withdrawn: ServerRecord = {
  schemaVersion: '1.0.0',
  name: 'io.github.someone/withdrawn',
  description: 'Withdrawn by its publisher.',
  category: 'development',
  tags: [],
  trust: 'unverified',
  status: 'active',
  rating: { count: 0, histogram: [0, 0, 0, 0, 0] },
  reviews: [],
  versions: [
    {
      version: '0.1.0',
      status: 'yanked',
      statusMessage: 'Malicious postinstall.',
      publishedAt: '2025-01-05T00:00:00Z',
      packages: [{ registryType: 'npm', identifier: 'withdrawn-mcp', version: '0.1.0', transport: { type: 'stdio' } }],
      remotes: [],
      artifacts: [],
    },
  ],
};

/** The index entry of a record, as the emit stage derives it (only the parts this emitter reads matter). */
export function indexEntry(record: ServerRecord): IndexServer {
  const latest = record.versions.find((v) => v.status !== 'yanked');
  return {
    name: record.name,
    ...(record.title !== undefined ? { title: record.title } : {}),
    description: record.description,
    category: record.category,
    tags: record.tags,
    namespace: record.name.split('/')[0]!,
    ...(record.source ? { source: record.source } : {}),
    trust: record.trust,
    ...(record.featured !== undefined ? { featured: record.featured } : {}),
    status: record.status,
    ...(record.statusMessage !== undefined ? { statusMessage: record.statusMessage } : {}),
    ...(record.replacedBy !== undefined ? { replacedBy: record.replacedBy } : {}),
    ...(latest ? { latest: latest.version } : {}),
    rating: record.rating,
    stats: record.stats ?? {},
    detail: { path: `servers/${record.name}.json`, sha256: SHA_DETAIL, size: 1_000 },
    versions: record.versions.map((v) => ({
      version: v.version,
      status: v.status,
      ...(v.statusMessage !== undefined ? { statusMessage: v.statusMessage } : {}),
      publishedAt: v.publishedAt,
      packages: v.packages.map((p) => ({
        registryType: p.registryType,
        identifier: p.identifier,
        ...(p.version !== undefined ? { version: p.version } : {}),
        ...(p.runtimeHint !== undefined ? { runtimeHint: p.runtimeHint } : {}),
        transport: p.transport.type,
        ...(p.fileSha256 !== undefined ? { sha256: p.fileSha256 } : {}),
      })),
      remotes: v.remotes.map((r) => ({ type: r.type, url: r.url })),
    })),
  };
}

export const RECORDS: readonly ServerRecord[] = [legacy, weather, backport, withdrawn];

/** The listing of weather 2.1.0 as written: icons and the repository id live only here. */
export const WEATHER_LISTING: Listing = {
  $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
  name: 'io.github.acme/weather',
  description: 'Forecasts from a public weather API.',
  version: '2.1.0',
  repository: { url: 'https://github.com/acme/weather', source: 'github', id: '123456', subfolder: 'server' },
  icons: [
    { src: 'https://acme.example/weather-light.png', mimeType: 'image/png', theme: 'light' },
    { src: 'https://acme.example/weather-dark.png', mimeType: 'image/png', theme: 'dark' },
    { src: 'http://acme.example/insecure.png' },
  ],
};

/** When each status.json last changed (after every publication in these records). */
export const STATUS_CHANGED_AT = new Map([
  ['io.github.acme/weather', '2025-06-02T08:00:00Z'],
  ['com.example/legacy', '2025-05-20T00:00:00Z'],
  ['io.github.someone/withdrawn', '2025-01-06T00:00:00Z'],
]);

/** A model of these records, sorted by name as index.json is; `null` for a catalog without a base URL. */
export function sampleModel(
  records: readonly ServerRecord[] = RECORDS,
  base: string | null = BASE_URL,
): RegistryApiModel {
  const baseUrl = base ?? undefined;
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const index: CatalogIndex = {
    schemaVersion: '1.0.0',
    catalog: { name: 'Acme MCP Catalog', ...(baseUrl !== undefined ? { url: baseUrl } : {}) },
    generatedAt: '2025-06-03T00:00:00Z',
    serial: 7,
    expires: '2025-07-03T00:00:00Z',
    servers: sorted.map(indexEntry),
  };
  return {
    index,
    records: new Map(sorted.map((r) => [r.name, r])),
    baseUrl,
    listings: new Map([[WEATHER_LISTING.name, new Map([[WEATHER_LISTING.version, WEATHER_LISTING]])]]),
    statusChangedAt: STATUS_CHANGED_AT,
  };
}

/** A catalog of `count` generated servers with two versions each, for the size measurement. */
export function largeModel(count: number): RegistryApiModel {
  const records = Array.from({ length: count }, (_, i): ServerRecord => {
    const name = `io.github.publisher${i % 97}/server-${i}`;
    return {
      ...weather,
      name,
      title: `Server ${i}`,
      versions: weatherVersions.slice(0, 2).map((v) => ({
        ...v,
        packages: v.packages.map((p) =>
          p.registryType === 'mcpb' ? { ...p, identifier: `bundles/${name}/${v.version}.mcpb` } : p,
        ),
        artifacts: v.artifacts.map((a) => ({ ...a, url: `bundles/${name}/${v.version}.mcpb` })),
      })),
    };
  });
  return sampleModel(records);
}
