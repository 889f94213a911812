/**
 * Stages 4 and 5, inspect and scan, for every fetched bundle, through the build cache. A report
 * is reused when the bundle bytes, the scanner's code, the listing facts it cross-checks, the
 * trusted publishers and the OSV mode are all the same as before. Two exceptions keep the cache
 * honest: a report whose OSV lookup failed is never stored (the next run asks again), and an
 * online report older than `osvMaxAgeMs` is redone, because advisories appear after a scan.
 */
import type { X509Certificate } from 'node:crypto';
import { cacheKey, type JsonCache } from '../adapters/build-cache.ts';
import type { OsvClient } from '../adapters/osv.ts';
import type { ScanReport } from '../core/schema-types.gen.ts';
import { scanBundleFile } from '../scan/scan-file.ts';
import type { BundleTarget } from './bundle-issues.ts';
import type { FetchOutcome } from './fetch.ts';

export interface ScanArtifactsInput {
  fetched: ReadonlyMap<BundleTarget, FetchOutcome>;
  /** Tool names of each server's tools.json, for the manifest cross-check. */
  declaredTools: ReadonlyMap<string, string[]>;
  /** Undefined: offline, and every report says OSV was not asked. */
  osv: OsvClient | undefined;
  trusted: readonly X509Certificate[];
  cache: JsonCache;
  /** Digest of the scanner's source (sourceDigest), part of every cache key. */
  scannerDigest: string;
  now: Date;
  osvMaxAgeMs?: number;
}

export interface ScannedArtifact {
  report: ScanReport;
  /** True when the report came from the cache. */
  cached: boolean;
}

interface CacheEntry {
  scannedAt: string;
  report: ScanReport;
}

/** The scanner's code (paths from the repository root), digested into every scan cache key. */
export const SCANNER_SOURCES = [
  'pipeline/scan',
  'pipeline/stages/inspect.ts',
  'pipeline/stages/scan.ts',
  'pipeline/core',
  'pipeline/adapters/zip-reader.ts',
  'pipeline/adapters/mcpb-signature-file.ts',
  'pipeline/adapters/osv.ts',
];

const DAY = 24 * 60 * 60 * 1000;
const OSV_UNAVAILABLE = 'dependency-osv-unavailable';

export async function scanArtifacts(input: ScanArtifactsInput): Promise<Map<BundleTarget, ScannedArtifact>> {
  const out = new Map<BundleTarget, ScannedArtifact>();
  const trustedFingerprints = input.trusted.map((c) => c.fingerprint256).sort();
  const maxAge = input.osvMaxAgeMs ?? DAY;
  for (const [target, outcome] of input.fetched) {
    if (outcome.kind !== 'file') continue;
    const declaredTools = input.declaredTools.get(target.server);
    const key = cacheKey({
      v: 1,
      sha256: outcome.sha256,
      scanner: input.scannerDigest,
      listing: [target.listing.name, target.listing.version],
      declaredTools: declaredTools ?? null,
      trusted: trustedFingerprints,
      osv: input.osv ? 'online' : 'offline',
    });
    const hit = await input.cache.get<CacheEntry>(key);
    const fresh = hit && (!input.osv || input.now.getTime() - Date.parse(hit.scannedAt) < maxAge);
    if (hit && fresh) {
      out.set(target, { report: hit.report, cached: true });
      continue;
    }
    // One at a time: each scan streams a whole bundle, and several at once only contend for the disk.
    const report = await scanBundleFile(outcome.path, {
      osv: input.osv,
      trusted: input.trusted,
      listing: { listing: target.listing, ...(declaredTools ? { declaredTools } : {}) },
    });
    const osvFailed = input.osv !== undefined && report.findings.some((f) => f.rule === OSV_UNAVAILABLE);
    if (!osvFailed) await input.cache.set(key, { scannedAt: input.now.toISOString(), report } satisfies CacheEntry);
    out.set(target, { report, cached: false });
  }
  return out;
}

/** Tool names of each server's tools.json. */
export function declaredToolsByServer(
  files: readonly { location: { kind: string; server?: string }; json?: { value: unknown } }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files) {
    if (file.location.kind !== 'tools' || !file.location.server || !file.json?.value) continue;
    const tools = (file.json.value as { tools?: { name: string }[] }).tools ?? [];
    out.set(
      file.location.server,
      tools.map((t) => t.name),
    );
  }
  return out;
}
