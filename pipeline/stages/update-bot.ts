/**
 * The update bot's planner (sync.yml): for every listed server, compare what the newest listing
 * pins with what its upstreams publish now, and propose the newer version as one pull request
 * that adds `catalog/servers/<namespace>/<name>/<version>.json`. Pure: the command asks the
 * registries (`upstreamQueries`), downloads what a proposal needs (`needs`), and carries out the
 * returned actions; `pr.yml` then judges each pull request like any other.
 *
 * How a new version is chosen, per server:
 * - the template is the newest listing (by semver); servers opted out in curation
 *   (`updateBot.enabled: false`) or with `status.json` `deleted` are left alone;
 * - each package with a pinned version is compared with its upstream: npm `dist-tags.latest`
 *   (deprecated versions never), PyPI's newest final release by PEP 440 with a file that is not
 *   yanked, the highest `[v]X.Y.Z` tag of an OCI image, the latest GitHub release of an `.mcpb`
 *   asset's repository; prereleases never;
 * - the proposed version V is the highest of those that is newer than its package's pin, newer
 *   than every version in the catalog, and a semantic version;
 * - every package that offers V moves to V; a package that tracked the listing's version and does
 *   not offer V yet holds the proposal back (`upstream-incomplete`: a listing is immutable once
 *   merged, so half an update would stay half); a package with a version of its own moves to its
 *   own newest release; a package the bot cannot follow (NuGet, remote, an unpinned image) is kept.
 * - at most `maxPrs` proposals, in the order of server names; a proposal whose branch already has
 *   a pull request does not count, so open pull requests do not starve the rest.
 */
import { compare as pep440Compare, eq as pep440Eq, explain as pep440Explain } from '@renovatebot/pep440';
import semver from 'semver';
import { markerComment, type PullRequestAction } from '../core/github-actions.ts';
import { listingPath } from '../core/layout.ts';
import { pointer } from '../core/issues.ts';
import type { Curation, Listing, ServerStatus } from '../core/schema-types.gen.ts';
import {
  formatOciReference,
  parseOciReference,
  type GitHubRelease,
  type NpmPackage,
  type OciReference,
  type PypiProject,
} from '../adapters/upstream-registries.ts';
import type { LoadedCatalog } from './load.ts';

type Package = NonNullable<Listing['packages']>[number];

/** One upstream to ask; `key` names its answer in `UpstreamAnswers`. */
export type UpstreamQuery =
  | { key: string; kind: 'npm'; name: string }
  | { key: string; kind: 'pypi'; name: string }
  | { key: string; kind: 'oci'; reference: OciReference }
  | { key: string; kind: 'github'; owner: string; repo: string };

/** A download or lookup a proposal needs before it can become a pull request. */
export type UpdateNeed =
  | { key: string; kind: 'mcpb-sha256'; url: string }
  | { key: string; kind: 'oci-digest'; reference: OciReference; tag: string };

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export interface UpstreamAnswers {
  /** By `UpstreamQuery.key`: an npm document, a PyPI project, an image's tags, or a release. */
  queries: ReadonlyMap<string, Outcome<NpmPackage | PypiProject | string[] | GitHubRelease>>;
  /** By `UpdateNeed.key`: the sha256 of a downloaded bundle, or the digest of an image tag. */
  needs: ReadonlyMap<string, Outcome<string>>;
}

interface Tracked {
  index: number;
  query: UpstreamQuery;
  /** The pinned version, without a `v`. */
  current: string;
}

export interface UpdateTarget {
  server: string;
  /** The newest listing's file and content: the template of the new one. */
  file: string;
  listing: Listing;
  /** Every version of the server in the catalog. */
  versions: string[];
  tracked: Tracked[];
}

export interface UpdateNote {
  code:
    | 'opted-out'
    | 'server-deleted'
    | 'no-valid-listing'
    | 'not-followed'
    | 'upstream-error'
    | 'up-to-date'
    | 'version-not-semver'
    | 'upstream-incomplete'
    | 'asset-missing'
    | 'asset-unavailable'
    | 'pr-exists'
    | 'max-prs-reached';
  server: string;
  /** The listing (or curation or status file) the note is about. */
  file: string;
  /** JSON pointer into `file`. */
  path: string;
  message: string;
}

export interface PackageChange {
  index: number;
  registryType: string;
  from: string;
  to: string;
  identifier: string;
  /** For a bundle: the sha256 of the bytes the bot downloaded. */
  fileSha256?: string;
}

export interface UpdateProposal {
  server: string;
  version: string;
  branch: string;
  changes: PackageChange[];
}

export interface UpdatePlan {
  /** `pull-request` actions, at most `maxPrs`. */
  actions: PullRequestAction[];
  proposals: UpdateProposal[];
  /** What to fetch before planning again; empty when the plan is final. */
  needs: UpdateNeed[];
  notes: UpdateNote[];
}

export const UPDATE_BOT_LABEL = 'update-bot';
export const DEFAULT_MAX_PRS = 5;
const GITHUB_ASSET = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/;
const STABLE_TAG = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** Hosts a listing may name in `registryBaseUrl` for the registry the bot reads. */
const DEFAULT_REGISTRY: Record<string, string[]> = {
  npm: ['https://registry.npmjs.org'],
  pypi: ['https://pypi.org', 'https://pypi.org/simple'],
};

export const updateBranch = (server: string, version: string) => `update-bot/${server}/${version}`;

/** Which servers the bot follows, with their template listing and tracked packages. */
export function updateTargets(catalog: LoadedCatalog): { targets: UpdateTarget[]; notes: UpdateNote[] } {
  const listings = new Map<string, { file: string; listing: Listing; version: string }[]>();
  const versions = new Map<string, string[]>();
  const curation = new Map<string, { file: string; value: Curation }>();
  const status = new Map<string, { file: string; value: ServerStatus }>();
  for (const file of catalog.files) {
    const { location } = file;
    const value = file.json && file.json.findings.length === 0 ? file.json.value : undefined;
    if (location.kind === 'listing') {
      versions.set(location.server, [...(versions.get(location.server) ?? []), location.version]);
      if (value && semver.valid(location.version) === location.version) {
        const list = listings.get(location.server) ?? [];
        list.push({ file: location.path, listing: value as Listing, version: location.version });
        listings.set(location.server, list);
      }
    } else if (location.kind === 'curation' && value) {
      curation.set(location.server, { file: location.path, value: value as Curation });
    } else if (location.kind === 'status' && value) {
      status.set(location.server, { file: location.path, value: value as ServerStatus });
    }
  }
  const targets: UpdateTarget[] = [];
  const notes: UpdateNote[] = [];
  for (const server of [...versions.keys()].sort()) {
    const optOut = curation.get(server);
    if (optOut?.value.updateBot?.enabled === false) {
      notes.push({
        code: 'opted-out',
        server,
        file: optOut.file,
        path: '/updateBot/enabled',
        message: `Opted out of the update bot${optOut.value.updateBot.reason ? `: ${optOut.value.updateBot.reason}` : '.'}`,
      });
      continue;
    }
    const deleted = status.get(server);
    if (deleted?.value.status === 'deleted') {
      notes.push({
        code: 'server-deleted',
        server,
        file: deleted.file,
        path: '/status',
        message: 'The server is deleted.',
      });
      continue;
    }
    const candidates = (listings.get(server) ?? []).sort((a, b) => semver.rcompare(a.version, b.version));
    const newest = candidates[0];
    if (!newest) {
      notes.push({
        code: 'no-valid-listing',
        server,
        file: `catalog/servers/${server}`,
        path: '',
        message: 'No listing of this server is valid JSON with a semantic version; validate fixes that first.',
      });
      continue;
    }
    const tracked = (newest.listing.packages ?? [])
      .map((pkg, index) => trackPackage(pkg, index))
      .filter((t): t is Tracked => t !== undefined);
    if (tracked.length === 0) {
      notes.push({
        code: 'not-followed',
        server,
        file: newest.file,
        path: '/packages',
        message:
          'No package pins a version the bot can follow (npm or PyPI with a version, an OCI image with a tag, a GitHub release asset).',
      });
      continue;
    }
    targets.push({ server, file: newest.file, listing: newest.listing, versions: versions.get(server)!, tracked });
  }
  return { targets, notes };
}

function trackPackage(pkg: Package, index: number): Tracked | undefined {
  const base = pkg.registryBaseUrl?.replace(/\/+$/, '');
  if (base && DEFAULT_REGISTRY[pkg.registryType] && !DEFAULT_REGISTRY[pkg.registryType]!.includes(base))
    return undefined;
  switch (pkg.registryType) {
    case 'npm':
      return pkg.version
        ? { index, current: pkg.version, query: { key: `npm:${pkg.identifier}`, kind: 'npm', name: pkg.identifier } }
        : undefined;
    case 'pypi':
      return pkg.version
        ? {
            index,
            current: pkg.version,
            query: { key: `pypi:${pkg.identifier.toLowerCase()}`, kind: 'pypi', name: pkg.identifier },
          }
        : undefined;
    case 'oci': {
      const reference = parseOciReference(pkg.identifier);
      const tag = reference?.tag ?? pkg.version;
      if (!reference || !tag || !STABLE_TAG.test(tag)) return undefined;
      const image = formatOciReference({ registry: reference.registry, repository: reference.repository });
      return {
        index,
        current: tag.replace(/^v/, ''),
        query: {
          key: `oci:${image}`,
          kind: 'oci',
          reference: { registry: reference.registry, repository: reference.repository },
        },
      };
    }
    case 'mcpb': {
      const match = GITHUB_ASSET.exec(pkg.identifier);
      if (!match) return undefined;
      const [, owner = '', repo = '', tag = ''] = match;
      const current = decodeURIComponent(tag).replace(/^v/, '');
      if (!semver.valid(current)) return undefined;
      return {
        index,
        current,
        query: { key: `github:${owner.toLowerCase()}/${repo.toLowerCase()}`, kind: 'github', owner, repo },
      };
    }
    default:
      return undefined;
  }
}

/** Every upstream the targets need, once each. */
export function upstreamQueries(targets: readonly UpdateTarget[]): UpstreamQuery[] {
  const out = new Map<string, UpstreamQuery>();
  for (const target of targets)
    for (const { query } of target.tracked) if (!out.has(query.key)) out.set(query.key, query);
  return [...out.values()];
}

/** What one upstream says: its newest stable version (as semver), and whether it offers a given one. */
interface UpstreamView {
  /** The newest stable version, as a semantic version; undefined when there is none. */
  latest: string | undefined;
  /** Upstream's own spelling, for a newest version that is not semver (reported, never proposed). */
  latestRaw?: string;
  /** Whether `newer(current)` holds for the latest, compared in the upstream's own scheme. */
  newerThan(current: string): boolean;
  /** How the package pins `version` upstream, or undefined when upstream does not offer it. */
  offers(version: string): string | undefined;
}

function npmView(doc: NpmPackage): UpstreamView {
  const usable = (v: string) => {
    const info = doc.versions[v];
    return info !== undefined && !info.deprecated && semver.valid(v) === v && semver.prerelease(v) === null;
  };
  // dist-tags.latest is the publisher's word (a 1.x backport published after 2.0 does not become latest).
  const latest =
    doc.latest && usable(doc.latest) ? doc.latest : Object.keys(doc.versions).filter(usable).sort(semver.rcompare)[0];
  return {
    latest,
    newerThan: (current) => latest !== undefined && (!semver.valid(current) || semver.gt(latest, current)),
    offers: (version) => (usable(version) ? version : undefined),
  };
}

/** A final PEP 440 release of at most three parts maps onto semver (`2.1` is 2.1.0); others do not. */
function pep440ToSemver(version: string): string | undefined {
  const v = pep440Explain(version);
  if (!v || v.epoch !== 0 || v.local || v.is_prerelease || v.is_devrelease || v.is_postrelease || v.release.length > 3)
    return undefined;
  const [major = 0, minor = 0, patch = 0] = v.release;
  return `${major}.${minor}.${patch}`;
}

function pypiView(project: PypiProject): UpstreamView {
  const final = Object.keys(project.releases).filter((v) => {
    const parsed = pep440Explain(v);
    return (
      parsed !== null &&
      !parsed.is_prerelease &&
      !parsed.is_devrelease &&
      (project.releases[v] ?? []).some((f) => !f.yanked)
    );
  });
  const latestRaw = final.sort((a, b) => pep440Compare(b, a))[0];
  return {
    latest: latestRaw === undefined ? undefined : pep440ToSemver(latestRaw),
    ...(latestRaw === undefined ? {} : { latestRaw }),
    newerThan: (current) =>
      latestRaw !== undefined && (pep440Explain(current) === null || pep440Compare(latestRaw, current) > 0),
    offers: (version) => final.find((v) => pep440Eq(v, version)),
  };
}

function ociView(tags: string[], current: string): UpstreamView {
  const stable = tags.filter((t) => STABLE_TAG.test(t));
  const latest = stable.map((t) => t.replace(/^v/, '')).sort(semver.rcompare)[0];
  return {
    latest,
    newerThan: (c) => latest !== undefined && semver.gt(latest, c),
    // Keep the image's own tag style: `v1.2.3` if it tags that way, `1.2.3` otherwise.
    offers: (version) => {
      const styles = current.startsWith('v') ? [`v${version}`, version] : [version, `v${version}`];
      return styles.find((t) => stable.includes(t));
    },
  };
}

function githubView(release: GitHubRelease): UpstreamView {
  const version = release.tag.replace(/^v/, '');
  const latest = semver.valid(version) === version && semver.prerelease(version) === null ? version : undefined;
  return {
    latest,
    newerThan: (c) => latest !== undefined && semver.gt(latest, c),
    offers: (v) => (latest === v ? release.tag : undefined),
  };
}

export interface PlanUpdatesInput {
  targets: readonly UpdateTarget[];
  answers: UpstreamAnswers;
  /** Head branches that already have a pull request (open, closed or merged). */
  existingBranches?: ReadonlySet<string>;
  maxPrs?: number;
}

/** Plan the pull requests. Call again with the `needs` answered until `needs` is empty. */
export function planUpdates({
  targets,
  answers,
  existingBranches = new Set(),
  maxPrs = DEFAULT_MAX_PRS,
}: PlanUpdatesInput): UpdatePlan {
  const plan: UpdatePlan = { actions: [], proposals: [], needs: [], notes: [] };
  let counted = 0;
  for (const target of targets) {
    const note = (code: UpdateNote['code'], path: string, message: string) =>
      plan.notes.push({ code, server: target.server, file: target.file, path, message });
    const views = new Map<number, UpstreamView>();
    for (const t of target.tracked) {
      const answer = answers.queries.get(t.query.key);
      if (!answer) continue;
      if (!answer.ok) {
        note('upstream-error', pointer('packages', t.index), `${t.query.key}: ${answer.code}: ${answer.message}`);
        continue;
      }
      const value = answer.value;
      views.set(
        t.index,
        t.query.kind === 'npm'
          ? npmView(value as NpmPackage)
          : t.query.kind === 'pypi'
            ? pypiView(value as PypiProject)
            : t.query.kind === 'oci'
              ? ociView(value as string[], currentTag(target.listing, t))
              : githubView(value as GitHubRelease),
      );
    }
    const newest = target.versions.filter((v) => semver.valid(v)).sort(semver.rcompare)[0];
    let proposed: string | undefined;
    for (const t of target.tracked) {
      const view = views.get(t.index);
      if (!view || !view.newerThan(t.current)) continue;
      if (view.latest === undefined) {
        note(
          'version-not-semver',
          pointer('packages', t.index, 'version'),
          `Upstream's newest release ${view.latestRaw ?? ''} is not a semantic version, so it cannot be a listing version; add it by hand.`,
        );
        continue;
      }
      if (newest && !semver.gt(view.latest, newest)) continue;
      if (target.versions.includes(view.latest)) continue;
      if (!proposed || semver.gt(view.latest, proposed)) proposed = view.latest;
    }
    if (!proposed) {
      if (views.size > 0)
        note('up-to-date', '/version', `No upstream has a release newer than ${newest ?? target.listing.version}.`);
      continue;
    }
    const branch = updateBranch(target.server, proposed);
    if (existingBranches.has(branch)) {
      note('pr-exists', '/version', `A pull request from ${branch} already exists; the bot does not open another.`);
      continue;
    }
    if (counted >= maxPrs) {
      note(
        'max-prs-reached',
        '/version',
        `${proposed} is available; this run already proposed ${maxPrs} updates (--max-prs).`,
      );
      continue;
    }
    const built = buildListing(target, proposed, views, answers);
    if (built.kind === 'held') {
      note(built.code, built.path, built.message);
      continue;
    }
    counted++;
    if (built.kind === 'needs') {
      plan.needs.push(...built.needs.filter((n) => !plan.needs.some((m) => m.key === n.key)));
      continue;
    }
    const proposal: UpdateProposal = { server: target.server, version: proposed, branch, changes: built.changes };
    plan.proposals.push(proposal);
    plan.actions.push(pullRequest(target, proposal, built.listing));
  }
  return plan;
}

function currentTag(listing: Listing, t: Tracked): string {
  const pkg = listing.packages?.[t.index];
  return (pkg && parseOciReference(pkg.identifier)?.tag) ?? pkg?.version ?? t.current;
}

type Built =
  | { kind: 'listing'; listing: Listing; changes: PackageChange[] }
  | { kind: 'needs'; needs: UpdateNeed[] }
  | { kind: 'held'; code: UpdateNote['code']; path: string; message: string };

function buildListing(
  target: UpdateTarget,
  version: string,
  views: Map<number, UpstreamView>,
  answers: UpstreamAnswers,
): Built {
  const listing = structuredClone(target.listing);
  listing.version = version;
  const meta = listing._meta?.['io.modelcontextprotocol.registry/publisher-provided'];
  // The old version's notes do not describe the new one; a placeholder flag no longer applies.
  if (meta) {
    delete meta.changelog;
    if (meta.importedFrom) delete meta.importedFrom.versioned;
  }
  const packages = listing.packages ?? [];
  const changes: PackageChange[] = [];
  const needs: UpdateNeed[] = [];
  for (const t of target.tracked) {
    const pkg = packages[t.index]!;
    const view = views.get(t.index);
    const tracking = sameVersion(pkg.registryType, t.current, target.listing.version);
    let to = view?.offers(version);
    if (to === undefined) {
      if (tracking) {
        return {
          kind: 'held',
          code: 'upstream-incomplete',
          path: pointer('packages', t.index),
          message: `${t.query.key} does not offer ${version} yet, and this package follows the server's version; the update waits for it.`,
        };
      }
      // A package with a version of its own follows its own newest release.
      if (!view?.latest || !view.newerThan(t.current)) continue;
      to = view.offers(view.latest);
      if (to === undefined) continue;
    }
    const from =
      pkg.registryType === 'oci'
        ? currentTag(target.listing, t)
        : pkg.registryType === 'mcpb'
          ? t.current
          : (pkg.version ?? t.current);
    if (pkg.registryType === 'npm' || pkg.registryType === 'pypi') {
      if (pkg.version === to) continue;
      pkg.version = to;
    } else if (pkg.registryType === 'oci') {
      const ref = parseOciReference(pkg.identifier)!;
      if (ref.tag === to && !pkg.version) continue;
      const digest = ref.digest
        ? needOf(answers, needs, {
            key: `oci-digest:${ref.registry}/${ref.repository}:${to}`,
            kind: 'oci-digest',
            reference: { registry: ref.registry, repository: ref.repository },
            tag: to,
          })
        : undefined;
      if (digest && !digest.ok) {
        return {
          kind: 'held',
          code: 'upstream-error',
          path: pointer('packages', t.index, 'identifier'),
          message: digest.message,
        };
      }
      if (ref.tag) {
        pkg.identifier = formatIdentifier(pkg.identifier, ref, to, digest?.ok ? digest.value : undefined);
      }
      if (pkg.version) pkg.version = to.replace(/^v/, '');
    } else if (pkg.registryType === 'mcpb') {
      const answer = answers.queries.get(t.query.key);
      const asset = answer?.ok
        ? chooseAsset(pkg.identifier, answer.value as GitHubRelease, t.current, version)
        : undefined;
      if (!asset) {
        return {
          kind: 'held',
          code: 'asset-missing',
          path: pointer('packages', t.index, 'identifier'),
          message: `The release ${to} of ${t.query.key.slice('github:'.length)} has no .mcpb asset that matches ${pkg.identifier.split('/').pop()}.`,
        };
      }
      const sha = needOf(answers, needs, { key: `mcpb-sha256:${asset}`, kind: 'mcpb-sha256', url: asset });
      if (sha && !sha.ok) {
        return {
          kind: 'held',
          code: 'asset-unavailable',
          path: pointer('packages', t.index, 'identifier'),
          message: `${asset}: ${sha.message}`,
        };
      }
      pkg.identifier = asset;
      if (sha?.ok) pkg.fileSha256 = sha.value;
      if (pkg.version) pkg.version = version;
    }
    changes.push({
      index: t.index,
      registryType: pkg.registryType,
      from,
      // A release tag is shown as the version it names, like the other packages.
      to: pkg.registryType === 'mcpb' ? version : to,
      identifier: pkg.identifier,
      ...(pkg.registryType === 'mcpb' && pkg.fileSha256 ? { fileSha256: pkg.fileSha256 } : {}),
    });
  }
  if (needs.length > 0) return { kind: 'needs', needs };
  return { kind: 'listing', listing, changes };
}

/** The answer to a need, or undefined after recording it as needed. */
function needOf(answers: UpstreamAnswers, needs: UpdateNeed[], need: UpdateNeed): Outcome<string> | undefined {
  const answer = answers.needs.get(need.key);
  if (!answer) needs.push(need);
  return answer;
}

/** The identifier with its tag replaced; a digest pin is replaced by the new tag's digest. */
function formatIdentifier(identifier: string, ref: OciReference, tag: string, digest: string | undefined): string {
  // Keep the publisher's spelling of the image (no registry added) and change only the tag and digest.
  const name = identifier.replace(/@sha256:[a-f0-9]{64}$/, '').replace(/:[^:/]+$/, '');
  return `${name}:${tag}${ref.digest && digest ? `@${digest}` : ''}`;
}

/** The new release's bundle: the same file name, else the name with the version replaced, else the only .mcpb. */
function chooseAsset(identifier: string, release: GitHubRelease, current: string, version: string): string | undefined {
  const bundles = release.assets.filter((a) => a.name.toLowerCase().endsWith('.mcpb'));
  const oldName = decodeURIComponent(identifier.split('/').pop() ?? '');
  const renamed = oldName.split(current).join(version);
  const pick =
    bundles.find((a) => a.name === oldName) ??
    bundles.find((a) => a.name === renamed) ??
    (bundles.length === 1 ? bundles[0] : undefined);
  return pick?.url;
}

function pullRequest(target: UpdateTarget, proposal: UpdateProposal, listing: Listing): PullRequestAction {
  const { server, version, branch, changes } = proposal;
  const file = listingPath(server, version);
  const rows = changes.map(
    (c) =>
      `| ${c.index} | ${c.registryType} | \`${c.from}\` | \`${c.to}\` | \`${c.identifier}\`${c.fileSha256 ? `<br>sha256 \`${c.fileSha256}\`` : ''} |`,
  );
  const body = [
    `A newer release of **${server}** is out upstream: **${version}** (the catalog's newest is ${target.listing.version}).`,
    '',
    `This pull request adds \`${file}\`, a copy of \`${target.file}\` with the new version of each package:`,
    '',
    '| package | registry | from | to | identifier |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Bundles were downloaded and their sha256 recorded as `fileSha256`. Nothing else was changed: check descriptions, arguments and environment variables against the release notes.',
    '',
    '`pr.yml` validates, fetches and scans this listing like any other pull request; merge it when its checks pass (a scanner finding of verdict `review` needs an acknowledgement in `catalog/curation/`).',
    '',
    `Opened by the update bot (\`sync.yml\`). To stop these pull requests for this server, set \`"updateBot": {"enabled": false, "reason": "…"}\` in \`catalog/curation/${server}.json\`.`,
    '',
    // Lets the next run see, from one listing of the bot's pull requests, which branches exist.
    markerComment(branch),
  ].join('\n');
  return {
    kind: 'pull-request',
    branch,
    title: `Update ${server} to ${version}`,
    body,
    commitMessage: `Update ${server} to ${version}\n\nAdded by the update bot from upstream: ${changes.map((c) => `${c.registryType} ${c.to}`).join(', ')}.`,
    files: [{ path: file, content: `${JSON.stringify(listing, null, 2)}\n` }],
    labels: [UPDATE_BOT_LABEL],
  };
}

/** Whether a package's pin is the listing's own version (then the package follows the server's version). */
function sameVersion(registryType: string, a: string, b: string): boolean {
  if (a === b) return true;
  if (registryType === 'pypi') return pep440Explain(a) !== null && pep440Explain(b) !== null && pep440Eq(a, b);
  return semver.valid(a) !== null && semver.valid(b) !== null && semver.eq(a, b);
}

/** The head branches named by the markers of earlier bot pull requests' bodies. */
export function branchesFromBodies(bodies: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const body of bodies) {
    for (const match of body.matchAll(/<!-- mcp-catalog:(update-bot\/[^\s>]+) -->/g)) out.add(match[1]!);
  }
  return out;
}
