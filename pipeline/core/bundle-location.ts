/**
 * Where an `mcpb` package's bytes live. A listing names either an https download (a release
 * asset) or a file the catalog repository itself keeps under `catalog/bundles/`, by a path
 * relative to `catalog/` (`bundles/acme-1.0.0.mcpb`). Private forks host their bundles that way.
 */
import { CATALOG_DIR } from './layout.ts';

export type BundleLocation =
  | { kind: 'url'; url: string }
  /** `path` is relative to the catalog root (`catalog/bundles/…`), like every inventory path. */
  | { kind: 'catalog'; path: string }
  | { kind: 'invalid'; code: 'mcpb-url-not-https' | 'mcpb-bundle-path-invalid'; message: string };

export const CATALOG_BUNDLE_PREFIX = 'bundles/';
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function bundleLocation(identifier: string): BundleLocation {
  if (identifier.startsWith('https://')) return { kind: 'url', url: identifier };
  if (/^[a-z][a-z0-9+.-]*:/i.test(identifier)) {
    return {
      kind: 'invalid',
      code: 'mcpb-url-not-https',
      message:
        'An mcpb package identifier must be an https:// download URL (e.g. a GitHub release asset) or a path under catalog/bundles/ such as "bundles/acme-1.0.0.mcpb".',
    };
  }
  const segments = identifier.split('/');
  const valid =
    identifier.startsWith(CATALOG_BUNDLE_PREFIX) &&
    identifier.endsWith('.mcpb') &&
    segments.length >= 2 &&
    segments.every((segment) => SEGMENT.test(segment) && segment !== '..');
  if (!valid) {
    return {
      kind: 'invalid',
      code: 'mcpb-bundle-path-invalid',
      message: `"${identifier}" is not a catalog bundle path. Put the file in catalog/bundles/ and write its path relative to catalog/, e.g. "bundles/acme-1.0.0.mcpb" (letters, digits, ".", "_" and "-" only; no "..").`,
    };
  }
  return { kind: 'catalog', path: `${CATALOG_DIR}/${identifier}` };
}

/** Where a catalog-hosted bundle sits in dist/ and in index URLs: its path under catalog/. */
export function publishedBundlePath(catalogPath: string): string {
  return catalogPath.slice(CATALOG_DIR.length + 1);
}
