/**
 * Stage 3, fetch: bring the bytes of every bundle the listings point at onto the disk. Release
 * assets go through the content-addressed download cache (a bundle whose sha256 the listing
 * records is downloaded once, ever); catalog-hosted bundles are hashed where they lie.
 */
import { join } from 'node:path';
import {
  ArtifactFetchError,
  fetchArtifact,
  hashLocalArtifact,
  type FetchedArtifact,
  type FetchOptions,
} from '../adapters/artifact-fetch.ts';
import type { BundleTarget } from './bundle-issues.ts';

export type FetchOutcome =
  ({ kind: 'file' } & FetchedArtifact) | { kind: 'unavailable'; code: ArtifactFetchError['code']; message: string };

export interface FetchInput {
  targets: readonly BundleTarget[];
  /** The repository root: catalog paths resolve against it. */
  root: string;
  download: Omit<FetchOptions, 'cacheDir'> & { cacheDir?: string };
}

export async function fetchArtifacts({
  targets,
  root,
  download,
}: FetchInput): Promise<Map<BundleTarget, FetchOutcome>> {
  const options: FetchOptions = { ...download, cacheDir: download.cacheDir ?? join(root, '.cache/artifacts') };
  const outcomes = new Map<BundleTarget, FetchOutcome>();
  // One at a time: downloads of hundreds of megabytes gain nothing from contending for one link.
  for (const target of targets) {
    try {
      const fetched =
        target.location.kind === 'catalog'
          ? await hashLocalArtifact(join(root, target.location.path))
          : await fetchArtifact(target.location.url, target.sha256, options);
      outcomes.set(target, { kind: 'file', ...fetched });
    } catch (error) {
      if (!(error instanceof ArtifactFetchError)) throw error;
      outcomes.set(target, { kind: 'unavailable', code: error.code, message: error.message });
    }
  }
  return outcomes;
}
