/**
 * `catalog validate --bundles`: fetch, scan and judge every `mcpb` bundle that the checked
 * listings point at. Fetching goes through the content-addressed cache, so a bundle whose sha256
 * the listing records is downloaded once, ever.
 */
import { join, resolve } from 'node:path';
import { ArtifactFetchError, fetchArtifact } from '../adapters/artifact-fetch.ts';
import { loadTrustedCertificates } from '../adapters/mcpb-signature-file.ts';
import { createOsvClient } from '../adapters/osv.ts';
import type { CatalogConfig, DeclaredCapabilities, Issue } from '../core/schema-types.gen.ts';
import { scanBundleFile } from '../scan/scan-file.ts';
import { acknowledgementsByServer, bundleIssues, bundleTargets, type BundleOutcome } from '../stages/bundle-issues.ts';
import type { LoadedCatalog } from '../stages/load.ts';

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
  const osv = options.offline ? undefined : createOsvClient(options.osvUrl ? { baseUrl: options.osvUrl } : {});
  const acknowledgements = acknowledgementsByServer(catalog);
  const declaredTools = new Map<string, string[]>();
  for (const file of catalog.files) {
    if (file.location.kind === 'tools' && file.json?.value) {
      declaredTools.set(
        file.location.server,
        ((file.json.value as DeclaredCapabilities).tools ?? []).map((t) => t.name),
      );
    }
  }
  const issues: Issue[] = [];
  // One at a time: each scan streams a whole bundle, and several at once would only contend for the disk.
  for (const target of targets) {
    let outcome: BundleOutcome;
    try {
      const fetched = await fetchArtifact(target.url, target.sha256, {
        cacheDir: join(options.root, '.cache/artifacts'),
      });
      const tools = declaredTools.get(target.server);
      const report = await scanBundleFile(fetched.path, {
        osv,
        trusted,
        listing: { listing: target.listing, ...(tools ? { declaredTools: tools } : {}) },
      });
      outcome = { kind: 'scanned', sha256: fetched.sha256, report };
    } catch (error) {
      if (!(error instanceof ArtifactFetchError)) throw error;
      outcome = { kind: 'unavailable', message: error.message };
    }
    issues.push(...bundleIssues(target, outcome, acknowledgements.get(target.server) ?? []));
  }
  return issues;
}
