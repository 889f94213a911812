/**
 * Nightly re-verification (sync.yml): every artifact a listing pins by digest is fetched again,
 * and a digest that no longer matches means the bytes behind a published version changed
 * (a replaced release asset, a re-pushed tag, a tampered mirror). Pure: the command fetches;
 * this file says what is pinned and what to do about a mismatch.
 *
 * What is pinned, per package of a listing that is not already yanked (and of a server not deleted):
 * - `mcpb` with an https URL: `fileSha256`, against the downloaded bytes (catalog-hosted bundles
 *   are in git and reviewed by pull request, so there is nothing upstream to drift);
 * - `npm` with `fileSha256` and `version`: the sha256 of the tarball npm's document names;
 * - `pypi` with `fileSha256` and `version`: one of the release's files must still have that sha256;
 * - `oci` whose identifier pins `@sha256:…`: the digest the registry answers for it now. Not the
 *   tag: the installer pulls by digest, so a re-pushed tag changes nothing it installs.
 *
 * For each server with a mismatch: one pull request that marks the versions `yanked` in
 * `status.json` (the per-version status of schemas/status.schema.json), and one issue per
 * artifact, found again by its marker. A fetch that fails is reported and is not a mismatch: an
 * outage must not yank a version.
 */
import type { GitHubAction, IssueAction, PullRequestAction } from '../core/github-actions.ts';
import { markerComment } from '../core/github-actions.ts';
import { pointer } from '../core/issues.ts';
import { serverDir } from '../core/layout.ts';
import type { Listing, ServerStatus } from '../core/schema-types.gen.ts';
import { parseOciReference, type OciReference } from '../adapters/upstream-registries.ts';
import type { LoadedCatalog } from './load.ts';
import type { Outcome } from './update-bot.ts';

interface PinBase {
  /** `<server>@<version>/packages/<index>`: names the artifact in answers and markers. */
  key: string;
  server: string;
  version: string;
  /** The listing file. */
  file: string;
  index: number;
  registryType: string;
  identifier: string;
  /** What the listing records: a sha256 (hex), or an OCI digest (`sha256:<hex>`). */
  recorded: string;
}

export type Pin =
  | (PinBase & { kind: 'mcpb'; url: string })
  | (PinBase & { kind: 'npm'; name: string; packageVersion: string })
  | (PinBase & { kind: 'pypi'; name: string; packageVersion: string })
  | (PinBase & { kind: 'oci'; reference: OciReference; tag?: string });

/** What upstream serves now: the digests seen (one, or every file of a PyPI release). */
export type Fresh = Outcome<string[]>;

export interface Mismatch {
  pin: Pin;
  observed: string[];
}

export interface FetchFailure {
  pin: Pin;
  code: string;
  message: string;
}

export interface ReverifyPlan {
  actions: GitHubAction[];
  matched: Pin[];
  mismatches: Mismatch[];
  /** Fetches that failed: reported, never a mismatch. */
  failures: FetchFailure[];
}

export const REVERIFY_LABELS = ['reverify', 'security'];

export const reverifyBranch = (server: string, versions: readonly string[]) =>
  `reverify/${server}/${versions.join('+')}`;

/** Every artifact the catalog pins by digest, in a stable order. */
export function reverifyPins(catalog: LoadedCatalog): Pin[] {
  const statuses = statusesOf(catalog);
  const pins: Pin[] = [];
  const listings = catalog.files
    .filter((f) => f.location.kind === 'listing' && f.json && f.json.findings.length === 0)
    .sort((a, b) => a.location.path.localeCompare(b.location.path));
  for (const file of listings) {
    const location = file.location as Extract<typeof file.location, { kind: 'listing' }>;
    const status = statuses.get(location.server)?.value;
    if (status?.status === 'deleted' || status?.versions?.[location.version]?.status === 'yanked') continue;
    const listing = file.json!.value as Listing;
    (listing.packages ?? []).forEach((pkg, index) => {
      const base = {
        key: `${location.server}@${location.version}${pointer('packages', index)}`,
        server: location.server,
        version: location.version,
        file: location.path,
        index,
        registryType: pkg.registryType,
        identifier: pkg.identifier,
      };
      const sha = pkg.fileSha256;
      if (pkg.registryType === 'mcpb' && sha && pkg.identifier.startsWith('https://')) {
        pins.push({ ...base, kind: 'mcpb', url: pkg.identifier, recorded: sha });
      } else if (pkg.registryType === 'npm' && sha && pkg.version) {
        pins.push({ ...base, kind: 'npm', name: pkg.identifier, packageVersion: pkg.version, recorded: sha });
      } else if (pkg.registryType === 'pypi' && sha && pkg.version) {
        pins.push({ ...base, kind: 'pypi', name: pkg.identifier, packageVersion: pkg.version, recorded: sha });
      } else if (pkg.registryType === 'oci') {
        const reference = parseOciReference(pkg.identifier);
        if (reference?.digest) {
          pins.push({
            ...base,
            kind: 'oci',
            reference: { registry: reference.registry, repository: reference.repository },
            ...(reference.tag ? { tag: reference.tag } : {}),
            recorded: reference.digest,
          });
        }
      }
    });
  }
  return pins;
}

function statusesOf(catalog: LoadedCatalog): Map<string, { file: string; value: ServerStatus }> {
  const out = new Map<string, { file: string; value: ServerStatus }>();
  for (const file of catalog.files) {
    if (file.location.kind === 'status' && file.json && file.json.findings.length === 0) {
      out.set(file.location.server, { file: file.location.path, value: file.json.value as ServerStatus });
    }
  }
  return out;
}

export interface PlanReverifyInput {
  catalog: LoadedCatalog;
  pins: readonly Pin[];
  /** By `Pin.key`. A pin with no answer was not checked. */
  fresh: ReadonlyMap<string, Fresh>;
}

export function planReverify({ catalog, pins, fresh }: PlanReverifyInput): ReverifyPlan {
  const plan: ReverifyPlan = { actions: [], matched: [], mismatches: [], failures: [] };
  for (const pin of pins) {
    const answer = fresh.get(pin.key);
    if (!answer) continue;
    if (!answer.ok) plan.failures.push({ pin, code: answer.code, message: answer.message });
    else if (answer.value.includes(pin.recorded)) plan.matched.push(pin);
    else plan.mismatches.push({ pin, observed: answer.value });
  }
  const statuses = statusesOf(catalog);
  const byServer = new Map<string, Mismatch[]>();
  for (const m of plan.mismatches) byServer.set(m.pin.server, [...(byServer.get(m.pin.server) ?? []), m]);
  for (const [server, mismatches] of byServer) {
    for (const m of mismatches) plan.actions.push(issue(m));
    plan.actions.push(yankPullRequest(server, mismatches, statuses.get(server)?.value));
  }
  return plan;
}

function describePin(pin: Pin): string {
  switch (pin.kind) {
    case 'mcpb':
      return `the bundle ${pin.url}`;
    case 'npm':
      return `the npm tarball of ${pin.name}@${pin.packageVersion}`;
    case 'pypi':
      return `the PyPI files of ${pin.name} ${pin.packageVersion}`;
    case 'oci':
      return `the image ${pin.identifier}${pin.tag ? ` (tag ${pin.tag})` : ''}`;
  }
}

function yankMessage(m: Mismatch): string {
  const text = `Yanked by re-verification: the ${m.pin.registryType} artifact of this version no longer matches its recorded digest ${m.pin.recorded}.`;
  return text.length <= 500 ? text : `${text.slice(0, 499)}…`;
}

function yankPullRequest(server: string, mismatches: Mismatch[], current: ServerStatus | undefined): PullRequestAction {
  const versions = [...new Set(mismatches.map((m) => m.pin.version))].sort();
  const status: ServerStatus = structuredClone(current ?? {});
  const entries = { ...(status.versions ?? {}) };
  for (const version of versions) {
    const first = mismatches.find((m) => m.pin.version === version)!;
    entries[version] = { status: 'yanked', message: yankMessage(first) };
  }
  status.versions = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
  const branch = reverifyBranch(server, versions);
  const path = `${serverDir(server)}/status.json`;
  const list = versions.join(', ');
  const body = [
    `Re-verification downloaded the pinned artifacts of **${server}** again, and what upstream serves now does not match what the catalog recorded and scanned:`,
    '',
    ...mismatches.map(
      (m) =>
        `- ${m.pin.version}, \`${m.pin.file}\` ${m.pin.key.slice(m.pin.key.indexOf('/packages/'))}: ${describePin(m.pin)}; recorded \`${m.pin.recorded}\`, now ${m.observed.map((o) => `\`${o}\``).join(', ') || 'nothing'}.`,
    ),
    '',
    `This pull request marks ${versions.length === 1 ? 'that version' : 'those versions'} \`yanked\` in \`${path}\`, so the installer refuses ${versions.length === 1 ? 'it' : 'them'}. Merge it unless the publisher explains the change; a version with new bytes is a new version (a new listing), never a rewrite.`,
    '',
    'Opened by re-verification (`sync.yml`); each artifact also has an issue.',
    '',
    markerComment(branch),
  ].join('\n');
  return {
    kind: 'pull-request',
    branch,
    title: `Yank ${server} ${list}: the artifact changed upstream`,
    body,
    commitMessage: `Yank ${server} ${list}\n\nRe-verification found that the pinned artifact${mismatches.length === 1 ? '' : 's'} changed upstream.`,
    files: [{ path, content: `${JSON.stringify(status, null, 2)}\n` }],
    labels: REVERIFY_LABELS,
  };
}

function issue(m: Mismatch): IssueAction {
  const { pin } = m;
  // Deterministic: a rerun that finds the same thing leaves the issue as it is.
  const body = [
    `Re-verification fetched ${describePin(pin)} again for **${pin.server} ${pin.version}** (\`${pin.file}\`, package ${pin.index}), and its digest changed.`,
    '',
    `- recorded: \`${pin.recorded}\``,
    `- now: ${m.observed.map((o) => `\`${o}\``).join(', ') || 'no file'}`,
    '',
    `A pull request from \`${reverifyBranch(pin.server, [pin.version])}\` (or one that yanks several versions of this server) marks the version \`yanked\`. Ask the publisher why the bytes changed; if the new bytes are legitimate they belong to a new version with a new listing.`,
  ].join('\n');
  return {
    kind: 'issue',
    marker: `reverify:${pin.key}`,
    title: `${pin.server} ${pin.version}: the ${pin.registryType} artifact changed upstream`,
    body,
    labels: REVERIFY_LABELS,
  };
}
