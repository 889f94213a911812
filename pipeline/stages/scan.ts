/**
 * Stage 5, scan: judge what inspect collected. Pure: the OSV answers and the signature check are
 * handed in (pipeline/scan/scan-file.ts fetches them through their adapters), and the same input
 * always gives the same report.
 */
import type { Listing, ScanReport, SignatureReport, ToolPin } from '../core/schema-types.gen.ts';
import { verdictOf } from '../scan/collector.ts';
import { matchAdvisories, type AdvisoryLookup } from '../scan/rules/dependencies.ts';
import { crossCheckListing, type DeclaredToolNames } from '../scan/rules/manifest.ts';
import { checkSignature } from '../scan/rules/signature.ts';
import { RULESET } from '../scan/ruleset.ts';
import { compareToolPins } from '../scan/tool-pins.ts';
import type { Inspection } from './inspect.ts';

export interface ScanInput {
  inspection: Inspection;
  bundle: { sha256: string; size: number; stats: { entries: number; uncompressedSize: number } };
  /** OSV's answer for the inventoried dependencies; a failed lookup is reported, never passed. */
  advisories: AdvisoryLookup;
  signature?: SignatureReport;
  /** The listing that points at this bundle, to cross-check name, version and tools. */
  listing?: { listing: Pick<Listing, 'name' | 'version'>; declaredTools?: DeclaredToolNames };
  /** Tool pins of the previous version: a changed description is the rug pull. */
  previousTools?: readonly ToolPin[];
}

export function scanBundle(input: ScanInput): ScanReport {
  const { inspection, bundle, advisories, signature, listing, previousTools } = input;
  const { collector, summary, manifest, tools } = inspection;
  matchAdvisories(collector.dependencies, advisories, collector);
  if (signature) checkSignature(signature, collector);
  if (listing && summary) crossCheckListing({ summary, manifest }, listing.listing, listing.declaredTools, collector);
  if (previousTools) compareToolPins(previousTools, tools, collector);
  const findings = collector.sortedFindings();
  return {
    verdict: verdictOf(findings),
    sha256: bundle.sha256,
    size: bundle.size,
    manifest: summary ?? null,
    findings,
    capabilities: collector.capabilities(),
    tools,
    dependencies: [...collector.dependencies].sort(
      (a, b) => a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name) || a.file.localeCompare(b.file),
    ),
    ...(signature ? { signature } : {}),
    stats: bundle.stats,
    ruleset: RULESET,
  };
}
