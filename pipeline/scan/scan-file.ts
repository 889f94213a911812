/**
 * One bundle file, scanned end to end: the adapters (safe reader, OSV, signature file) feed the
 * inspect and scan stages. The CLI's `scan`, the validate command and the build all call this,
 * so a bundle gets the same verdict wherever it is judged.
 */
import type { X509Certificate } from 'node:crypto';
import { verifyMcpbFile } from '../adapters/mcpb-signature-file.ts';
import { OsvError, type OsvClient } from '../adapters/osv.ts';
import { openBundle, type ArchiveLimits } from '../adapters/zip-reader.ts';
import type { ScanReport } from '../core/schema-types.gen.ts';
import { inspectBundle } from '../stages/inspect.ts';
import { scanBundle, type ScanInput } from '../stages/scan.ts';
import { lookupAdvisories, type AdvisoryLookup } from './rules/dependencies.ts';

export interface ScanFileOptions {
  /** Where to look dependencies up; without one the scan is offline and says so (review). */
  osv?: OsvClient | undefined;
  /** Trusted publisher certificates for the `mcpb sign` signature. */
  trusted?: readonly X509Certificate[];
  listing?: ScanInput['listing'];
  previousTools?: ScanInput['previousTools'];
  limits?: Partial<ArchiveLimits>;
}

const OFFLINE: AdvisoryLookup = {
  ok: false,
  error: new OsvError('network', 'none', 'the scan ran offline, so OSV was not asked.'),
};

export async function scanBundleFile(path: string, options: ScanFileOptions = {}): Promise<ScanReport> {
  const bundle = await openBundle(path, options.limits ? { limits: options.limits } : {});
  try {
    const inspection = await inspectBundle({ bundle });
    const dependencies = inspection.collector.dependencies;
    const advisories = options.osv ? await lookupAdvisories(dependencies, options.osv) : OFFLINE;
    const signature = await verifyMcpbFile(path, options.trusted ?? []);
    return scanBundle({
      inspection,
      bundle,
      advisories,
      signature,
      ...(options.listing ? { listing: options.listing } : {}),
      ...(options.previousTools ? { previousTools: options.previousTools } : {}),
    });
  } finally {
    await bundle.close();
  }
}
