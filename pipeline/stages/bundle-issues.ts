/**
 * Validation of the bundles that listings point at, in the validator's own terms: which `mcpb`
 * packages to check, and what a scan report means for the pull request. Pure; the validate
 * command fetches and scans in between.
 *
 * - `reject` fails, always: no acknowledgement can accept it.
 * - each `review` finding fails unless `catalog/curation/<server>.json` acknowledges it for this
 *   version (and this file, when the acknowledgement names one).
 * - a bundle whose bytes do not match the listing's `fileSha256` fails: the listing would install
 *   something other than what was reviewed.
 */
import type { Curation, Issue, Listing, ScanFinding, ScanReport } from '../core/schema-types.gen.ts';
import { bundleLocation, type BundleLocation } from '../core/bundle-location.ts';
import { pointer, toIssue } from '../core/issues.ts';
import type { LoadedCatalog } from './load.ts';

export interface BundleTarget {
  /** The listing file, relative to the catalog root. */
  file: string;
  server: string;
  listing: Listing;
  /** Index of the package in `packages`. */
  index: number;
  /** Where the bytes are: a download, or a file of the catalog repository. */
  location: Extract<BundleLocation, { kind: 'url' | 'catalog' }>;
  sha256: string | undefined;
}

/** The URL or catalog path of a target, for messages. */
export const targetSource = ({ location }: BundleTarget): string =>
  location.kind === 'url' ? location.url : location.path;

export type Acknowledgement = NonNullable<Curation['acknowledgements']>[number];

/**
 * Every `mcpb` package of the loaded listings, or, with `changed`, of the listings whose file or
 * whose server's curation or catalog-hosted bundle changed: an unrelated pull request is not
 * judged by a newer rule set.
 */
export function bundleTargets(catalog: LoadedCatalog, changed?: ReadonlySet<string>): BundleTarget[] {
  const curated = new Set<string>();
  for (const { location } of catalog.files) {
    if (location.kind === 'curation' && changed?.has(location.path)) curated.add(location.server);
  }
  const targets: BundleTarget[] = [];
  for (const file of catalog.files) {
    const { location } = file;
    if (location.kind !== 'listing' || !file.json || file.json.findings.length > 0) continue;
    const listingChanged = !changed || changed.has(location.path) || curated.has(location.server);
    const listing = file.json.value as Listing;
    (listing.packages ?? []).forEach((pkg, index) => {
      if (pkg.registryType !== 'mcpb') return;
      // An invalid identifier is already a validation error; there is nothing to fetch.
      const where = bundleLocation(pkg.identifier);
      if (where.kind === 'invalid') return;
      // A pull request that replaces a catalog-hosted bundle's bytes is judged like a changed listing.
      if (!listingChanged && !(where.kind === 'catalog' && changed?.has(where.path))) return;
      targets.push({
        file: location.path,
        server: location.server,
        listing,
        index,
        location: where,
        sha256: pkg.fileSha256,
      });
    });
  }
  return targets;
}

/** The acknowledgements of each server, from its curation file. */
export function acknowledgementsByServer(catalog: LoadedCatalog): Map<string, Acknowledgement[]> {
  const out = new Map<string, Acknowledgement[]>();
  for (const file of catalog.files) {
    if (file.location.kind !== 'curation' || !file.json?.value) continue;
    out.set(file.location.server, (file.json.value as Curation).acknowledgements ?? []);
  }
  return out;
}

export function isAcknowledged(
  finding: ScanFinding,
  version: string,
  acknowledgements: readonly Acknowledgement[],
): boolean {
  return acknowledgements.some(
    (a) => a.version === version && a.rule === finding.rule && (a.file === undefined || a.file === finding.file),
  );
}

export type BundleOutcome =
  { kind: 'scanned'; sha256: string; report: ScanReport } | { kind: 'unavailable'; message: string };

export function bundleIssues(
  target: BundleTarget,
  outcome: BundleOutcome,
  acknowledgements: readonly Acknowledgement[],
): Issue[] {
  const at = pointer('packages', target.index);
  const issue = (code: string, message: string, path = at) => toIssue(target.file, { code, path, message });
  if (outcome.kind === 'unavailable') {
    return [
      issue(
        'bundle-unavailable',
        `The bundle could not be read (${outcome.message}). Check the URL (a public https download) or the path under catalog/bundles/.`,
      ),
    ];
  }
  const issues: Issue[] = [];
  if (target.sha256 !== undefined && outcome.sha256 !== target.sha256) {
    issues.push(
      issue(
        'bundle-sha256-mismatch',
        `The bundle at ${targetSource(target)} has sha256 ${outcome.sha256}, not the ${target.sha256} the listing records. Publish a new version rather than replacing the asset.`,
        pointer('packages', target.index, 'fileSha256'),
      ),
    );
  }
  const { report } = outcome;
  const version = target.listing.version;
  const where = (f: ScanFinding) => (f.file ? ` in ${f.file}` : '');
  for (const finding of report.findings) {
    if (finding.severity === 'reject') {
      issues.push(issue('bundle-rejected', `Scanner rule ${finding.rule}${where(finding)}: ${finding.message}`));
    } else if (finding.severity === 'review' && !isAcknowledged(finding, version, acknowledgements)) {
      issues.push(
        issue(
          'bundle-needs-review',
          `Scanner rule ${finding.rule}${where(finding)}: ${finding.message} A maintainer can accept it in catalog/curation/${target.server}.json ` +
            `(acknowledgements: {"version": "${version}", "rule": "${finding.rule}"${finding.file || finding.rule === 'native-binary' ? `, "file": "${finding.file}"` : ''}, "reason": …, "by": …}).`,
        ),
      );
    }
  }
  return issues;
}
