/**
 * A small typed builder of EmitModel values for the emitter tests and the synthetic benchmark
 * model: one `ServerSpec` per server gives a consistent index entry and record (schema-valid;
 * search.test.ts checks that), with defaults for everything a test does not care about.
 * Pure data, no I/O, no test framework: bench/synthetic-model.ts uses it too.
 */
import type {
  CatalogIndex,
  IndexServer,
  IndexVersion,
  PublishedReview,
  RecordVersion,
  ServerRecord,
  TrustLevel,
  Verdict,
  VersionStatus,
} from '../core/schema-types.gen.ts';
import type { EmitModel } from './types.ts';

export interface VersionSpec {
  version: string;
  publishedAt: string;
  status?: VersionStatus;
  /** Tool pin names of the version's one `.mcpb` artifact; no artifact when absent. */
  artifactTools?: string[];
  verdict?: Verdict;
}

export interface ServerSpec {
  name: string;
  title?: string;
  description?: string;
  longDescription?: string;
  category?: string;
  tags?: string[];
  trust?: TrustLevel;
  status?: 'active' | 'deprecated';
  /** The latest version's verdict (IndexServer.verdict); none when absent. */
  verdict?: Verdict;
  /** Highest first, as the record holds them; one `1.0.0` version when absent. */
  versions?: VersionSpec[];
  /** Declared tools (tools.json). */
  tools?: { name: string; title?: string; description?: string }[];
  reviews?: Omit<PublishedReview, 'version'>[];
}

export interface ModelSpec {
  catalogName?: string;
  catalogDescription?: string;
  baseUrl?: string;
}

const ZERO_SHA = '0'.repeat(64);
const FIXED_TIME = '2025-01-01T00:00:00Z';

function histogram(reviews: readonly { rating: number }[]): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (const { rating } of reviews) counts[rating - 1]! += 1;
  return counts;
}

function average(reviews: readonly { rating: number }[]): number | undefined {
  if (reviews.length === 0) return undefined;
  return Math.round((reviews.reduce((sum, r) => sum + r.rating, 0) / reviews.length) * 10) / 10;
}

function recordVersion(spec: VersionSpec): RecordVersion {
  const artifacts: RecordVersion['artifacts'] = spec.artifactTools
    ? [
        {
          package: 0,
          url: `bundles/${spec.version}.mcpb`,
          sha256: ZERO_SHA,
          status: 'verified',
          tools: spec.artifactTools.map((name) => ({ name, sha256: ZERO_SHA })),
        },
      ]
    : [];
  return {
    version: spec.version,
    status: spec.status ?? 'active',
    publishedAt: spec.publishedAt,
    packages: [],
    remotes: [],
    artifacts,
  };
}

function indexVersion(spec: VersionSpec): IndexVersion {
  return {
    version: spec.version,
    status: spec.status ?? 'active',
    publishedAt: spec.publishedAt,
    packages: [],
    remotes: [],
    ...(spec.verdict ? { verdict: spec.verdict } : {}),
  };
}

/** The index entry and the record of one server. */
export function buildServer(spec: ServerSpec): { server: IndexServer; record: ServerRecord } {
  const versions = spec.versions ?? [{ version: '1.0.0', publishedAt: FIXED_TIME }];
  const reviews: PublishedReview[] = (spec.reviews ?? []).map((r) => ({ ...r, version: versions[0]!.version }));
  const mean = average(reviews);
  const rating = {
    ...(mean !== undefined ? { average: mean } : {}),
    count: reviews.length,
    histogram: histogram(reviews),
  };
  const latest = versions.find((v) => v.status !== 'yanked')?.version;
  const common = {
    name: spec.name,
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    description: spec.description ?? `The ${spec.name} server.`,
    category: spec.category ?? 'development',
    tags: spec.tags ?? [],
    trust: spec.trust ?? 'community',
    status: spec.status ?? 'active',
    rating,
  };
  const server: IndexServer = {
    ...common,
    namespace: spec.name.split('/')[0]!,
    ...(latest !== undefined ? { latest } : {}),
    ...(spec.verdict ? { verdict: spec.verdict } : {}),
    stats: {},
    detail: { path: `servers/${spec.name}.json`, sha256: ZERO_SHA, size: 0 },
    versions: versions.map(indexVersion),
  };
  const record: ServerRecord = {
    schemaVersion: '1.0.0',
    ...common,
    ...(spec.longDescription !== undefined ? { longDescription: spec.longDescription } : {}),
    reviews,
    ...(spec.tools ? { tools: { tools: spec.tools } } : {}),
    versions: versions.map(recordVersion),
  };
  return { server, record };
}

/** An EmitModel of these servers, sorted by name as the index is. */
export function buildEmitModel(specs: readonly ServerSpec[], model: ModelSpec = {}): EmitModel {
  const built = specs.map(buildServer).sort((a, b) => (a.server.name < b.server.name ? -1 : 1));
  const index: CatalogIndex = {
    schemaVersion: '1.0.0',
    catalog: {
      name: model.catalogName ?? 'Test Catalog',
      ...(model.catalogDescription !== undefined ? { description: model.catalogDescription } : {}),
      ...(model.baseUrl !== undefined ? { url: model.baseUrl } : {}),
    },
    generatedAt: FIXED_TIME,
    serial: 1,
    expires: '2099-01-01T00:00:00Z',
    servers: built.map((b) => b.server),
  };
  return { index, records: new Map(built.map((b) => [b.record.name, b.record])), baseUrl: model.baseUrl };
}
