/**
 * The published model: from the validated catalog and what the build learned about each bundle,
 * the per-server records (schema server-record) and the index (schema index) that points at them
 * by digest. Pure: the records are serialised here, so the index can name their sha256, and the
 * emit stage writes exactly these bytes.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { publishedBundlePath } from '../core/bundle-location.ts';
import { versionSummary, worstVerdict } from '../core/version-summary.ts';
import { PUBLISHER_META_KEY } from '../core/schema-files.ts';
import type {
  Artifact,
  CatalogIndex,
  Curation,
  DeclaredCapabilities,
  FileRef,
  IndexPolicy,
  IndexServer,
  Listing,
  Policy,
  PublisherMeta,
  Rating,
  RecordVersion,
  Review,
  ScanReport,
  ServerRecord,
  ServerStats,
  ServerStatus,
  Verdict,
} from '../core/schema-types.gen.ts';
import type { ResolvedConfig } from '../core/config.ts';
import type { EmittedFile } from '../emit/types.ts';
import { isAcknowledged, type Acknowledgement, type BundleTarget } from './bundle-issues.ts';
import type { LoadedCatalog } from './load.ts';
import type { ServerOrigin, SourceReport } from './sources.ts';
import { isHiddenReview } from './review-votes.ts';

/** 1.1: `origin`, `alsoIn` and `sources` (merge sources, docs/sources.md). */
export const SCHEMA_VERSION = '1.1.0';

/** What the fetch, scan and sign stages found for one `mcpb` package. */
export type ArtifactFacts =
  | { kind: 'unavailable'; problem: string }
  | {
      kind: 'file';
      sha256: string;
      size: number;
      report: ScanReport;
      /** The report as published (reports/<sha256>.json). */
      reportRef: FileRef;
      /** Path of the `.sigstore.json` beside the artifact, relative to index.json. */
      attestation: string | undefined;
    };

export interface ModelInput {
  catalog: LoadedCatalog;
  config: ResolvedConfig;
  targets: readonly BundleTarget[];
  artifacts: ReadonlyMap<BundleTarget, ArtifactFacts>;
  stats: ReadonlyMap<string, ServerStats>;
  /** The index published last time, for `publishedAt` and `serial`. */
  previous: CatalogIndex | undefined;
  /** When each listing file entered the catalog (git), by catalog path. */
  addedAt: ReadonlyMap<string, string>;
  now: Date;
  /** How long the index stays valid. */
  validityMs: number;
  /** By server name: which merge source gave it and which lost (stages/sources.ts); absent for a catalog without sources. */
  origins?: ReadonlyMap<string, ServerOrigin>;
  /** The state of each merge source, in config order; the model counts their servers. */
  sources?: readonly SourceReport[];
}

export interface Model {
  index: CatalogIndex;
  records: Map<string, ServerRecord>;
  /** The per-server files, serialised (the index names their digests). */
  files: EmittedFile[];
  /**
   * The listings as written, by server and version, for the registry API: the official server.json
   * fields the record does not keep (icons, repository id and subfolder).
   */
  listings: Map<string, Map<string, Listing>>;
}

interface ServerFiles {
  listings: { path: string; listing: Listing }[];
  status?: ServerStatus;
  tools?: DeclaredCapabilities;
  readme?: string;
  curation?: Curation;
  reviews: { login: string; path: string; review: Review }[];
}

export function buildModel(input: ModelInput): Model {
  const servers = groupByServer(input.catalog);
  const previousPublished = new Map<string, string>();
  for (const server of input.previous?.servers ?? [])
    for (const v of server.versions) previousPublished.set(`${server.name}@${v.version}`, v.publishedAt);
  const targetsByListing = new Map<string, BundleTarget[]>();
  for (const target of input.targets) {
    const list = targetsByListing.get(target.file) ?? [];
    list.push(target);
    targetsByListing.set(target.file, list);
  }

  const records = new Map<string, ServerRecord>();
  const listings = new Map<string, Map<string, Listing>>();
  const files: EmittedFile[] = [];
  const entries: IndexServer[] = [];
  for (const name of [...servers.keys()].sort()) {
    const server = servers.get(name)!;
    if (server.status?.status === 'deleted' || server.listings.length === 0) continue;
    const versions = server.listings
      .map(({ path, listing }) => {
        const publishedAt =
          previousPublished.get(`${name}@${listing.version}`) ?? input.addedAt.get(path) ?? input.now.toISOString();
        const artifacts = (targetsByListing.get(path) ?? []).map((target) =>
          artifactOf(target, input.artifacts.get(target), server.curation?.acknowledgements ?? []),
        );
        return recordVersion(listing, server.status, publishedAt, artifacts);
      })
      .sort((a, b) => compareVersions(b.version, a.version));
    const latestVersion = versions.find((v) => v.status !== 'yanked');
    const head = server.listings.find((l) => l.listing.version === (latestVersion ?? versions[0]!).version)!.listing;
    const meta: PublisherMeta = head._meta?.[PUBLISHER_META_KEY] ?? {};
    const from = input.origins?.get(name);
    // Curation decides; else the source's trust level; else the catalog's default.
    const trust = server.curation?.trust ?? from?.trust ?? input.config.defaultTrust;
    const origin = {
      ...(from?.origin ? { origin: from.origin } : {}),
      ...(from && from.alsoIn.length > 0 ? { alsoIn: from.alsoIn } : {}),
    };
    // A review hidden by maintainers (curation `hiddenReviews`) is not published; git keeps it.
    const reviews = server.reviews.filter(({ login }) => !isHiddenReview(server.curation, login));
    const rating = ratingOf(reviews.map((r) => r.review.rating));
    const stats = input.stats.get(name) ?? {};
    const source = sourceOf(head, meta);
    const serverStatus = server.status?.status === 'deprecated' ? 'deprecated' : 'active';
    const record: ServerRecord = {
      schemaVersion: SCHEMA_VERSION,
      name,
      ...(head.title ? { title: head.title } : {}),
      description: head.description,
      ...((meta.longDescription ?? server.readme) ? { longDescription: meta.longDescription ?? server.readme } : {}),
      category: meta.category ?? 'other',
      tags: meta.tags ?? [],
      ...(source ? { source } : {}),
      ...origin,
      ...(meta.license ? { license: meta.license } : {}),
      ...(meta.documentation ? { documentation: meta.documentation } : {}),
      ...(meta.support ? { support: meta.support } : {}),
      ...(meta.screenshots ? { screenshots: meta.screenshots } : {}),
      trust,
      ...(server.curation?.trustNote ? { trustNote: server.curation.trustNote } : {}),
      ...(server.curation?.featured ? { featured: true } : {}),
      status: serverStatus,
      ...(server.status?.message && serverStatus !== 'active' ? { statusMessage: server.status.message } : {}),
      ...(server.status?.replacedBy ? { replacedBy: server.status.replacedBy } : {}),
      ...(meta.importedFrom ? { importedFrom: withoutVersioned(meta.importedFrom) } : {}),
      rating,
      stats,
      reviews: reviews
        .sort((a, b) => compareVersions(b.review.version, a.review.version) || a.login.localeCompare(b.login))
        .map(({ login, path, review }) => {
          const { $schema: _schema, submittedVia, ...rest } = review as Review & { $schema?: string };
          const helpful = stats.reviewVotes?.[login.toLowerCase()];
          return {
            login,
            ...rest,
            publishedAt: input.addedAt.get(path) ?? wholeSeconds(input.now).toISOString(),
            // The issue form's workflow checked through GitHub that the author is this login.
            ...(submittedVia ? { verified: true } : {}),
            ...(helpful ? { helpful } : {}),
          };
        }),
      ...(server.tools ? { tools: withoutSchema(server.tools) } : {}),
      versions,
    };
    records.set(name, record);
    listings.set(name, new Map(server.listings.map(({ listing }) => [listing.version, listing])));
    const detail = jsonFile(`servers/${name}.json`, record);
    files.push(detail.file);
    const latestVerdict = latestVersion ? worstVerdict(latestVersion.artifacts) : undefined;
    entries.push({
      name,
      ...(record.title ? { title: record.title } : {}),
      description: record.description,
      category: record.category,
      tags: record.tags,
      namespace: name.slice(0, name.indexOf('/')),
      ...(source ? { source } : {}),
      ...origin,
      trust,
      ...(record.featured ? { featured: true } : {}),
      status: serverStatus,
      ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
      ...(record.replacedBy ? { replacedBy: record.replacedBy } : {}),
      ...(latestVersion ? { latest: latestVersion.version } : {}),
      ...(latestVerdict ? { verdict: latestVerdict } : {}),
      rating,
      stats,
      detail: detail.ref,
      versions: versions.map(versionSummary),
    });
  }

  const policies = policiesOf(input.catalog);
  files.push(...policies.map((p) => p.file));
  const defaultPolicy = policies.some((p) => p.entry.name === input.config.defaultPolicy)
    ? input.config.defaultPolicy
    : undefined;

  const generatedAt = wholeSeconds(input.now);
  const index: CatalogIndex = {
    schemaVersion: SCHEMA_VERSION,
    catalog: {
      name: input.config.name,
      ...(input.config.description ? { description: input.config.description } : {}),
      ...(input.config.baseUrl ? { url: input.config.baseUrl } : {}),
      ...(input.config.repository
        ? { repository: `https://github.com/${input.config.repository.owner}/${input.config.repository.name}` }
        : {}),
    },
    generatedAt: generatedAt.toISOString(),
    serial: nextSerial(input.previous?.serial, generatedAt),
    expires: new Date(generatedAt.getTime() + input.validityMs).toISOString(),
    servers: entries,
    ...(policies.length > 0 ? { policies: policies.map((p) => p.entry) } : {}),
    ...(defaultPolicy ? { defaultPolicy } : {}),
    ...(input.sources && input.sources.length > 0
      ? {
          sources: input.sources.map((s) => ({
            ...s,
            servers: entries.filter((e) => e.origin === s.name).length,
          })),
        }
      : {}),
  };
  return { index, records, files, listings };
}

/**
 * Higher than the last published serial, and than any serial an earlier build could have given at
 * this time: seconds since the epoch. A build that cannot read the previous index (a fresh runner
 * whose download failed) still publishes a higher serial than yesterday's.
 */
export function nextSerial(previous: number | undefined, now: Date): number {
  return Math.max((previous ?? 0) + 1, Math.floor(now.getTime() / 1000));
}

/** A JSON file of dist/ and the reference that binds it by digest. Compact: nobody reads these by eye. */
export function jsonFile(path: string, value: unknown): { file: EmittedFile; ref: FileRef } {
  const bytes = Buffer.from(JSON.stringify(value) + '\n');
  return {
    file: { path, body: bytes },
    ref: { path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length },
  };
}

/** Every policy of catalog/policies/, published as policies/<name>.json, in name order. */
function policiesOf(catalog: LoadedCatalog): { entry: IndexPolicy; file: EmittedFile }[] {
  const out: { entry: IndexPolicy; file: EmittedFile }[] = [];
  for (const { location, json } of catalog.files) {
    if (location.kind !== 'policy' || !json) continue;
    const policy = withoutSchema(json.value as Policy);
    const published = jsonFile(`policies/${location.policy}.json`, policy);
    out.push({
      entry: {
        name: location.policy,
        description: policy.description,
        ...(policy.sample ? { sample: true } : {}),
        detail: published.ref,
      },
      file: published.file,
    });
  }
  return out.sort((a, b) => (a.entry.name < b.entry.name ? -1 : 1));
}

function groupByServer(catalog: LoadedCatalog): Map<string, ServerFiles> {
  const servers = new Map<string, ServerFiles>();
  const of = (name: string) => {
    let server = servers.get(name);
    if (!server) servers.set(name, (server = { listings: [], reviews: [] }));
    return server;
  };
  for (const { location, json, text } of catalog.files) {
    const value = json?.value;
    switch (location.kind) {
      case 'listing':
        of(location.server).listings.push({ path: location.path, listing: value as Listing });
        break;
      case 'status':
        of(location.server).status = value as ServerStatus;
        break;
      case 'tools':
        of(location.server).tools = value as DeclaredCapabilities;
        break;
      case 'readme':
        of(location.server).readme = text;
        break;
      case 'curation':
        of(location.server).curation = value as Curation;
        break;
      case 'review':
        of(location.server).reviews.push({ login: location.login, path: location.path, review: value as Review });
        break;
    }
  }
  return servers;
}

function recordVersion(
  listing: Listing,
  status: ServerStatus | undefined,
  publishedAt: string,
  artifacts: Artifact[],
): RecordVersion {
  const own = status?.versions?.[listing.version];
  const meta = listing._meta?.[PUBLISHER_META_KEY];
  return {
    version: listing.version,
    status: own?.status ?? (status?.status === 'deprecated' ? 'deprecated' : 'active'),
    ...(own ? { statusMessage: own.message } : {}),
    publishedAt,
    ...(meta?.changelog ? { changelog: meta.changelog } : {}),
    packages: listing.packages ?? [],
    remotes: listing.remotes ?? [],
    artifacts,
  };
}

function artifactOf(
  target: BundleTarget,
  facts: ArtifactFacts | undefined,
  acknowledgements: readonly Acknowledgement[],
): Artifact {
  const url = target.location.kind === 'url' ? target.location.url : publishedBundlePath(target.location.path);
  const base = { package: target.index, url, sha256: target.sha256 ?? '' };
  if (!facts || facts.kind === 'unavailable') {
    return { ...base, status: 'unavailable', problem: facts?.problem ?? 'The build did not fetch this bundle.' };
  }
  if (facts.sha256 !== target.sha256) {
    return {
      ...base,
      size: facts.size,
      status: 'sha256-mismatch',
      problem: `The bytes have sha256 ${facts.sha256}, not the ${target.sha256} the listing records.`,
    };
  }
  const { report } = facts;
  const version = target.listing.version;
  const applying = acknowledgements
    .filter((a) => a.version === version)
    .map(({ rule, file, reason, by }) => ({ rule, ...(file ? { file } : {}), reason, by }));
  const count = (severity: string) => report.findings.filter((f) => f.severity === severity).length;
  const reviews = report.findings.filter((f) => f.severity === 'review');
  const accepted = reviews.filter((f) => isAcknowledged(f, target.listing.version, acknowledgements)).length;
  // The published verdict counts a maintainer's acknowledgement: review findings that were all
  // accepted make a pass, and the report beside it still lists them.
  const verdict: Verdict = count('reject') > 0 ? 'reject' : reviews.length > accepted ? 'review' : 'pass';
  const signature = report.signature;
  return {
    ...base,
    size: facts.size,
    status: 'verified',
    publisherSignature: {
      status: !signature?.signed
        ? 'unsigned'
        : !signature.valid
          ? 'invalid'
          : signature.trusted
            ? 'trusted'
            : 'untrusted',
      ...(signature?.signer ? { signer: signature.signer.subject } : {}),
    },
    ...(facts.attestation ? { attestation: facts.attestation } : {}),
    scan: {
      verdict,
      ruleset: report.ruleset,
      report: facts.reportRef,
      findings: { reject: count('reject'), review: reviews.length, info: count('info') },
      ...(accepted > 0 ? { acknowledged: accepted } : {}),
      ...(applying.length > 0 ? { acknowledgements: applying } : {}),
      capabilities: report.capabilities,
    },
    ...(report.manifest ? { serverType: report.manifest.serverType } : {}),
    ...(report.manifest?.compatibility ? { compatibility: report.manifest.compatibility } : {}),
    ...(report.manifest?.userConfig ? { userConfig: report.manifest.userConfig } : {}),
    tools: report.tools,
  };
}

export function ratingOf(ratings: readonly number[]): Rating {
  const histogram = [0, 0, 0, 0, 0];
  for (const r of ratings) histogram[r - 1]!++;
  if (ratings.length === 0) return { count: 0, histogram };
  const average = Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 10) / 10;
  return { average, count: ratings.length, histogram };
}

function sourceOf(listing: Listing, meta: PublisherMeta): IndexServer['source'] | undefined {
  const source = {
    ...(listing.repository?.url ? { repository: listing.repository.url } : {}),
    ...(listing.websiteUrl ? { website: listing.websiteUrl } : {}),
    ...(meta.importedFrom ? { importedFrom: meta.importedFrom.registry } : {}),
  };
  return Object.keys(source).length > 0 ? source : undefined;
}

/** Semver order; versions that are not semver (validation rejects them) sort as strings, below. */
function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  if (va) return 1;
  if (vb) return -1;
  return a.localeCompare(b);
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function withoutSchema<T extends object>(value: T): T {
  const { $schema: _schema, ...rest } = value as T & { $schema?: string };
  return rest as T;
}

function withoutVersioned(importedFrom: NonNullable<PublisherMeta['importedFrom']>) {
  const { versioned: _versioned, entry: _entry, ...rest } = importedFrom;
  return rest;
}
