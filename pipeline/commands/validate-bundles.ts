/**
 * `catalog validate --bundles`: fetch, scan and judge every `mcpb` bundle that the checked
 * listings point at, with the build's own fetch and scan stages (and so its caches): a bundle
 * gets the same verdict in a pull request as in the published index.
 */
import { join, resolve } from 'node:path';
import { fileCache, sourceDigest } from '../adapters/build-cache.ts';
import { loadTrustedCertificates } from '../adapters/mcpb-signature-file.ts';
import { createOsvClient } from '../adapters/osv.ts';
import type { CatalogConfig, Issue } from '../core/schema-types.gen.ts';
import { acknowledgementsByServer, bundleIssues, bundleTargets } from '../stages/bundle-issues.ts';
import { fetchArtifacts } from '../stages/fetch.ts';
import type { LoadedCatalog } from '../stages/load.ts';
import { declaredToolsByServer, scanArtifacts, SCANNER_SOURCES } from '../stages/scan-artifacts.ts';

export interface BundleCheckOptions {
  root: string;
  /** Paths changed by the pull request; all listings when undefined. */
  changed: ReadonlySet<string> | undefined;
  osvUrl?: string;
  offline?: boolean;
}

export async function checkBundles(catalog: LoadedCatalog, options: BundleCheckOptions): Promise<Issue[]> {
  const targets = bundleTargets(catalog, options.changed);
  if (targets.length === 0) return [];
  // The config was read and validated with the catalog (an invalid one is already an error there,
  // so its trust list is not used); paths are relative to the root.
  const listed = (catalog.config?.json?.value as CatalogConfig | undefined)?.trustedPublishers;
  const paths = Array.isArray(listed) ? listed.filter((p) => typeof p === 'string') : [];
  const trusted = await loadTrustedCertificates(paths.map((path) => resolve(options.root, path)));
  const offline = options.offline ?? false;
  const fetched = await fetchArtifacts({ targets, root: options.root, download: { offline: false } });
  const scanned = await scanArtifacts({
    fetched,
    declaredTools: declaredToolsByServer(catalog.files),
    osv: offline ? undefined : createOsvClient(options.osvUrl ? { baseUrl: options.osvUrl } : {}),
    trusted,
    cache: fileCache(join(options.root, '.cache/build/scans')),
    scannerDigest: await sourceDigest(join(import.meta.dirname, '../..'), SCANNER_SOURCES),
    now: new Date(),
  });
  const acknowledgements = acknowledgementsByServer(catalog);
  return targets.flatMap((target) => {
    const outcome = fetched.get(target)!;
    const scan = scanned.get(target);
    return bundleIssues(
      target,
      outcome.kind === 'file' && scan
        ? { kind: 'scanned', sha256: outcome.sha256, report: scan.report }
        : { kind: 'unavailable', message: outcome.kind === 'unavailable' ? outcome.message : 'not scanned' },
      acknowledgements.get(target.server) ?? [],
    );
  });
}
