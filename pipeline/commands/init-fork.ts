/**
 * `catalog init-fork`: turns a fresh fork (or copy) of this repository into the fork's own private
 * catalog in one command. It rewrites catalog.config.json (name, base URL, branding, the signing
 * identity that the fork's publish workflow or key gives, sources) and removes the sample data, so
 * that the fork then builds, signs and deploys with no other file edited, and the installer it
 * builds trusts only the fork.
 *
 * It plans first and writes last: every bad input is reported (code, field, how to fix) and
 * nothing is written when there is one. The new config is checked against the config schema, and
 * the catalog as it will be (config replaced, sample files gone) is validated like a pull request:
 * a removal that would leave a user's file dangling (a review of a sample server, say) refuses the
 * run instead of breaking the build.
 *
 * What is "sample data", exactly (catalog/NOTICE.md, scripts/import-sample.sh, scripts/sample-bundles.ts):
 * - listings whose `_meta…publisher-provided.importedFrom` names one of the four registry
 *   snapshots `npm run sample:import` reads (SAMPLE_SNAPSHOTS below: repository and commit);
 * - listings equal to what `npm run sample:bundles` writes for its four catalog-hosted bundles;
 * - status.json, tools.json and README.md of a server whose every listing is removed;
 * - reviews and policies that carry `"sample": true`;
 * - catalog-hosted bundles that only removed listings point at, with the sha256 they record;
 * - catalog/NOTICE.md while it is the sample's notice (its first line).
 * Anything else stays, whatever its name: a listing a user added to a sample server keeps that
 * server's directory and sidecar files.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { lstat, readFile, readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { promisify, isDeepStrictEqual, parseArgs } from 'node:util';
import { fsCatalogReader, type CatalogReader } from '../adapters/catalog-fs.ts';
import { atomicWrite } from '../adapters/dist-writer.ts';
import { publicKeyId, SigningError } from '../adapters/signing-key.ts';
import { bundleLocation } from '../core/bundle-location.ts';
import { hasErrors, type Issue } from '../core/issues.ts';
import { CATALOG_DIR, CONFIG_FILE, type CatalogPath } from '../core/layout.ts';
import { PUBLISHER_META_KEY } from '../core/schema-files.ts';
import type { CatalogConfig, Listing } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { loadCatalog, type LoadedCatalog } from '../stages/load.ts';
import { validateCatalog } from '../stages/validate.ts';
import { SAMPLE_BUNDLES, sampleListing } from '../../scripts/sample-bundles.ts';
import { UsageError, type CommandResult } from './args.ts';

export const USAGE = `  init-fork --name NAME --url BASE_URL --repo OWNER/NAME [--repository-id ID] [--signing keyless|key]
            [--color #rrggbb] [--logo PATH] [--description TEXT] [--upstream] [--keep-sample]
            [--force] [--root DIR] [--json]
      Make this checkout your own catalog: rewrite catalog.config.json (name, base URL, branding,
      signing identity of OWNER/NAME's publish workflow, or a new key pair with --signing key,
      sources) and remove the sample data unless --keep-sample. --upstream adds the catalog this
      was forked from as a disabled source. Refuses uncommitted changes in catalog/ unless --force.
      Exit 0 done, 1 refused (every reason is listed), 2 bad command line.
`;

/** The registry snapshots `npm run sample:import` reads (scripts/import-sample.sh, catalog/NOTICE.md). */
export const SAMPLE_SNAPSHOTS: readonly { repository: string; commit: string }[] = [
  {
    repository: 'https://github.com/modelcontextprotocol/registry',
    commit: '843783ac18ad4e39c27e21e15b4789ba03a96800',
  },
  {
    repository: 'https://github.com/modelcontextprotocol/registry',
    commit: '29e32c39dcb5e0e2b43974089d959fcc4794eb6d',
  },
  {
    repository: 'https://github.com/pathintegral-institute/mcpm.sh',
    commit: 'bdd5ed9874d321248aa7c151d87323bfb2ee354f',
  },
  { repository: 'https://github.com/docker/mcp-registry', commit: '818bf169b365e7b7d5b117352e32757c54844718' },
];
const SAMPLE_NOTICE = 'catalog/NOTICE.md';
const SAMPLE_NOTICE_HEADING = '# Notice: where the sample catalog comes from';

/** Where key mode keeps the public half: committed, outside catalog/ and outside the git-ignored .signing/. */
export const PUBLIC_KEY_PATH = 'keys/catalog-signing-key.pub.pem';
export const SECRET_NAME = 'CATALOG_SIGNING_KEY';
const DEFAULT_WORKFLOW = '.github/workflows/publish.yml';
const DEFAULT_REF = 'refs/heads/main';
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;

export type SampleKind =
  | 'imported-listing'
  | 'sample-bundle-listing'
  | 'server-file'
  | 'sample-review'
  | 'sample-policy'
  | 'sample-bundle'
  | 'sample-notice';

export interface Removal {
  path: string;
  kind: SampleKind;
}

/** A refusal: a stable code, the option or file (and JSON pointer) it is about, and how to fix it. */
export interface InitForkIssue {
  code: string;
  field: string;
  message: string;
}

export interface InitForkOptions {
  name?: string;
  url?: string;
  repo?: string;
  repositoryId?: string;
  signing?: string;
  color?: string;
  logo?: string;
  description?: string;
  upstream: boolean;
  keepSample: boolean;
  force: boolean;
}

export async function initForkCommand(argv: string[]): Promise<CommandResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        url: { type: 'string' },
        repo: { type: 'string' },
        'repository-id': { type: 'string' },
        signing: { type: 'string' },
        color: { type: 'string' },
        logo: { type: 'string' },
        description: { type: 'string' },
        upstream: { type: 'boolean' },
        'keep-sample': { type: 'boolean' },
        force: { type: 'boolean' },
        root: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`init-fork: ${(error as Error).message}`);
  }
  const root = resolve(values.root ?? '.');
  const json = values.json ?? false;
  const options: InitForkOptions = {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...(values.repo !== undefined ? { repo: values.repo } : {}),
    ...(values['repository-id'] !== undefined ? { repositoryId: values['repository-id'] } : {}),
    ...(values.signing !== undefined ? { signing: values.signing } : {}),
    ...(values.color !== undefined ? { color: values.color } : {}),
    ...(values.logo !== undefined ? { logo: values.logo } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    upstream: values.upstream ?? false,
    keepSample: values['keep-sample'] ?? false,
    force: values.force ?? false,
  };

  const issues: InitForkIssue[] = [];
  const current = await readCurrentConfig(root, issues);
  issues.push(...(await checkOptions(options, root)));
  if (!options.force) issues.push(...(await uncommittedChanges(root)));
  if (issues.length > 0 || current === undefined) return refuse(issues, json);

  // Bundle bytes play no part in validation (their existence does, through the inventory).
  const catalog = await loadCatalog({ reader: fsCatalogReader(root), select: notBundle });
  const removals = options.keepSample ? [] : await planRemovals(catalog, root);
  const removedPaths = new Set(removals.map((r) => r.path));
  const removedPolicies = new Set(
    removals.filter((r) => r.kind === 'sample-policy').map((r) => r.path.slice('catalog/policies/'.length, -5)),
  );

  const plan = forkConfig(current, options, removedPolicies);
  issues.push(...plan.issues);
  const key =
    plan.config.signing?.mode === 'key'
      ? await planKey(root, current, plan.config.signing.publicKey!, plan.rerun, issues)
      : undefined;
  if (issues.length > 0) return refuse(issues, json);

  for (const finding of validateSchema('config', plan.config))
    issues.push({
      code: 'config-schema',
      field: `${CONFIG_FILE}#${finding.path}`,
      message: `The new config would not validate (${finding.message.replace(/\.+$/, '')}): init-fork should have refused the input that led here; report it.`,
    });
  if (issues.length > 0) return refuse(issues, json);
  const configText = await formatJson(join(root, CONFIG_FILE), plan.config);
  issues.push(...breakages(catalog, await overlayCatalog(root, removedPaths, configText)));
  if (issues.length > 0) return refuse(issues, json);

  // Written in this order so that a run cut off halfway is finished by running it again: the
  // config first (a key named but missing is made by the next run), then the public key, then
  // the removals (the sample is recognised by its content, which a partial run leaves alone).
  const configChanged = (await readFile(join(root, CONFIG_FILE), 'utf8')) !== configText;
  if (configChanged) await atomicWrite(join(root, CONFIG_FILE), configText);
  if (key?.kind === 'new') await atomicWrite(join(root, PUBLIC_KEY_PATH), key.publicKeyPem);
  for (const removal of removals) await unlink(join(root, removal.path));
  await removeEmptyDirectories(root, removals);

  return report({ root, config: plan.config, configChanged, removals, key, notes: plan.notes, json });
}

// ---------------------------------------------------------------------------------------------
// Inputs

async function readCurrentConfig(root: string, issues: InitForkIssue[]): Promise<CatalogConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, CONFIG_FILE), 'utf8');
  } catch {
    issues.push({
      code: 'config-missing',
      field: CONFIG_FILE,
      message: `There is no ${CONFIG_FILE} in ${root}. Run init-fork in the root of your fork (or pass --root DIR).`,
    });
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as CatalogConfig;
  } catch {
    // reported below
  }
  issues.push({
    code: 'config-invalid-json',
    field: CONFIG_FILE,
    message: `${CONFIG_FILE} is not a JSON object. Restore it (git checkout ${CONFIG_FILE}) and run init-fork again.`,
  });
  return undefined;
}

/** Every bad option, not just the first. */
export async function checkOptions(options: InitForkOptions, root: string): Promise<InitForkIssue[]> {
  const issues: InitForkIssue[] = [];
  const add = (code: string, field: string, message: string) => issues.push({ code, field, message });
  if (options.name === undefined)
    add('option-missing', '--name', 'Give the catalog a name: --name "Acme MCP Catalog" (shown on the site).');
  else if (options.name.trim().length === 0 || options.name.length > 80)
    add('name-invalid', '--name', '--name must be 1 to 80 characters.');

  if (options.url === undefined)
    add(
      'option-missing',
      '--url',
      'Give the URL where dist/ will be served: --url https://acme.github.io/mcp-catalog/ (the installer fetches <url>index.json).',
    );
  else {
    let url: URL | undefined;
    try {
      url = new URL(options.url);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || url.search || url.hash || url.username || url.password)
      add(
        'url-invalid',
        '--url',
        `--url ${options.url}: give an https URL without query, fragment or credentials, e.g. https://acme.github.io/mcp-catalog/ (the installer only fetches https).`,
      );
    else if (!url.pathname.endsWith('/'))
      add(
        'url-trailing-slash',
        '--url',
        `--url ${options.url}: end it with "/" (${url.href}/): index.json and every page resolve against it.`,
      );
  }

  if (options.repo === undefined)
    add(
      'option-missing',
      '--repo',
      'Name the GitHub repository of this fork: --repo OWNER/NAME (its publish workflow is what the installer trusts).',
    );
  else {
    const [owner, name, ...rest] = options.repo.split('/');
    if (
      rest.length > 0 ||
      !owner ||
      !name ||
      !GITHUB_OWNER.test(owner) ||
      !GITHUB_REPO.test(name) ||
      name === '.' ||
      name === '..'
    )
      add('repo-invalid', '--repo', `--repo ${options.repo}: write it as OWNER/NAME, e.g. acme/mcp-catalog.`);
  }

  if (options.repositoryId !== undefined && !/^[0-9]+$/.test(options.repositoryId))
    add(
      'repository-id-invalid',
      '--repository-id',
      `--repository-id ${options.repositoryId}: the numeric id GitHub gives the repository (gh api repos/OWNER/NAME --jq .id).`,
    );
  if (options.signing !== undefined && options.signing !== 'keyless' && options.signing !== 'key')
    add(
      'signing-invalid',
      '--signing',
      `--signing ${options.signing}: use keyless (GitHub Actions OIDC, the default) or key (a key pair, for CI without OIDC).`,
    );
  if (options.color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(options.color))
    add('color-invalid', '--color', `--color ${options.color}: write it as #rrggbb, e.g. #0b5fff.`);
  if (options.description !== undefined && (options.description.length === 0 || options.description.length > 300))
    add('description-invalid', '--description', '--description must be 1 to 300 characters (one sentence).');
  if (options.logo !== undefined) {
    const problem = await logoProblem(options.logo, root);
    if (problem) add('logo-invalid', '--logo', problem);
  }
  return issues;
}

async function logoProblem(logo: string, root: string): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(logo)) {
    return /^https:\/\/[^\s]+$/i.test(logo)
      ? undefined
      : `--logo ${logo}: give an https URL or a path inside the repository.`;
  }
  const path = resolve(root, logo);
  const inside = relative(root, path);
  if (isAbsolute(logo) || inside.startsWith('..') || inside === '')
    return `--logo ${logo}: give a path relative to the repository root (e.g. site/public/logo.svg), inside it.`;
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) return `--logo ${logo}: there is no such file; add it to the repository first.`;
  return undefined;
}

/** `git status` of what init-fork rewrites: catalog/ and the config (a user's uncommitted edits there would be lost). */
async function uncommittedChanges(root: string): Promise<InitForkIssue[]> {
  let out: string;
  try {
    ({ stdout: out } = await promisify(execFile)(
      'git',
      ['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--', CATALOG_DIR, CONFIG_FILE],
      { cwd: root, encoding: 'utf8' },
    ));
  } catch {
    return [
      {
        code: 'not-a-git-repository',
        field: root,
        message: `${root} is not a git checkout, so init-fork cannot tell whether it would remove uncommitted work. Run it in your fork's clone, or pass --force.`,
      },
    ];
  }
  return out
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => ({
      code: 'uncommitted-changes',
      field: entry.slice(3),
      message: `${entry.slice(3)} has uncommitted changes. Commit or stash them first (init-fork rewrites catalog.config.json and removes files in catalog/), or pass --force.`,
    }));
}

// ---------------------------------------------------------------------------------------------
// Sample data

function publisherMeta(listing: unknown): Record<string, unknown> | undefined {
  const meta = (listing as { _meta?: Record<string, unknown> } | undefined)?._meta?.[PUBLISHER_META_KEY];
  return meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : undefined;
}

/** Whether a listing is the sample's: imported from a sample snapshot, or written by sample:bundles. */
export function sampleListingKind(listing: unknown): 'imported-listing' | 'sample-bundle-listing' | undefined {
  const from = publisherMeta(listing)?.importedFrom as { repository?: unknown; commit?: unknown } | undefined;
  if (from && SAMPLE_SNAPSHOTS.some((s) => s.repository === from.repository && s.commit === from.commit))
    return 'imported-listing';
  const value = listing as Listing;
  const sample = SAMPLE_BUNDLES.find((s) => s.server === value?.name);
  const sha256 = value?.packages?.[0]?.fileSha256;
  if (!sample || typeof value.version !== 'string' || typeof sha256 !== 'string') return undefined;
  const path = `bundles/${sample.server.replace('/', '--')}-${value.version}.mcpb`;
  // Through JSON: the loader's parsed objects need not have Object's prototype.
  return isDeepStrictEqual(JSON.parse(JSON.stringify(listing)), sampleListing(sample, value.version, path, sha256))
    ? 'sample-bundle-listing'
    : undefined;
}

/** The catalog-hosted bundles a listing points at, with the sha256 it records for each. */
function hostedBundles(listing: unknown): { path: string; sha256: string | undefined }[] {
  const packages = (listing as Listing | undefined)?.packages;
  if (!Array.isArray(packages)) return [];
  const out: { path: string; sha256: string | undefined }[] = [];
  for (const pkg of packages) {
    if (pkg?.registryType !== 'mcpb' || typeof pkg.identifier !== 'string') continue;
    const location = bundleLocation(pkg.identifier);
    if (location.kind === 'catalog') out.push({ path: location.path, sha256: pkg.fileSha256 });
  }
  return out;
}

/**
 * What the sample removal takes away. Pure but for hashing the bundles that removed listings
 * point at: a bundle goes only when its bytes are the ones the sample recorded.
 */
export async function planRemovals(catalog: LoadedCatalog, root: string): Promise<Removal[]> {
  const removals: Removal[] = [];
  const removedListings = new Set<string>();
  const keptByServer = new Map<string, number>();
  const keptBundles = new Set<string>();
  const candidates = new Map<string, string | undefined>();

  for (const file of catalog.files) {
    const { location } = file;
    const value = file.json?.value;
    if (location.kind === 'listing') {
      const kind = sampleListingKind(value);
      if (kind) {
        removals.push({ path: location.path, kind });
        removedListings.add(location.path);
        for (const bundle of hostedBundles(value)) candidates.set(bundle.path, bundle.sha256);
      } else {
        keptByServer.set(location.server, (keptByServer.get(location.server) ?? 0) + 1);
        for (const bundle of hostedBundles(value)) keptBundles.add(bundle.path);
      }
    } else if (location.kind === 'review' || location.kind === 'policy') {
      if ((value as { sample?: unknown } | undefined)?.sample === true)
        removals.push({ path: location.path, kind: location.kind === 'review' ? 'sample-review' : 'sample-policy' });
    } else if (location.path === SAMPLE_NOTICE && file.text.split('\n', 1)[0]?.trim() === SAMPLE_NOTICE_HEADING) {
      removals.push({ path: location.path, kind: 'sample-notice' });
    }
  }
  // A server's own files go with its last listing, and only then.
  const removedServers = new Set<string>();
  for (const location of catalog.inventory)
    if (location.kind === 'listing' && removedListings.has(location.path) && !keptByServer.has(location.server))
      removedServers.add(location.server);
  for (const location of catalog.inventory)
    if (
      (location.kind === 'status' || location.kind === 'tools' || location.kind === 'readme') &&
      removedServers.has(location.server)
    )
      removals.push({ path: location.path, kind: 'server-file' });

  const bundles = new Set(catalog.inventory.filter((l) => l.kind === 'bundle').map((l) => l.path));
  for (const [path, sha256] of candidates) {
    if (!bundles.has(path) || keptBundles.has(path) || !sha256) continue;
    const info = await lstat(join(root, path));
    if (!info.isFile()) continue;
    const actual = createHash('sha256')
      .update(await readFile(join(root, path)))
      .digest('hex');
    if (actual === sha256) removals.push({ path, kind: 'sample-bundle' });
  }
  return removals.sort((a, b) => a.path.localeCompare(b.path));
}

/** The catalog as init-fork would leave it, read through the real reader. */
async function overlayCatalog(root: string, removed: ReadonlySet<string>, configText: string) {
  const real = fsCatalogReader(root);
  const reader: CatalogReader = {
    listFiles: async () => {
      const files = (await real.listFiles()).filter((path) => !removed.has(path));
      return files.includes(CONFIG_FILE) ? files : [CONFIG_FILE, ...files];
    },
    readText: async (path) => (path === CONFIG_FILE ? configText : removed.has(path) ? undefined : real.readText(path)),
  };
  return loadCatalog({ reader, select: notBundle });
}

const notBundle = (location: CatalogPath) => location.kind !== 'bundle';

/** Errors the change would bring: those of the catalog as it will be that it does not have now. */
function breakages(before: LoadedCatalog, after: LoadedCatalog): InitForkIssue[] {
  const key = (issue: Issue) => `${issue.code}\0${issue.file}\0${issue.path}`;
  const existing = new Set(validateCatalog({ catalog: before }).issues.map(key));
  const now = validateCatalog({ catalog: after }).issues;
  if (!hasErrors(now)) return [];
  return now
    .filter((issue) => issue.severity === 'error' && !existing.has(key(issue)))
    .map((issue) => ({
      code: 'would-break-catalog',
      field: `${issue.file}#${issue.path}`,
      message: `The catalog as init-fork would leave it fails validation: ${issue.code}: ${issue.message} Remove or fix this file first, or keep the sample data (--keep-sample).`,
    }));
}

async function removeEmptyDirectories(root: string, removals: readonly Removal[]): Promise<void> {
  const dirs = new Set<string>();
  for (const { path } of removals)
    for (let dir = dirname(path); dir !== CATALOG_DIR && dir.startsWith(`${CATALOG_DIR}/`); dir = dirname(dir))
      dirs.add(dir);
  // Deepest first, so that a parent is empty by the time it is tried.
  for (const dir of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const full = join(root, dir);
    if ((await readdir(full).catch(() => ['?'])).length === 0) await rmdir(full);
  }
}

// ---------------------------------------------------------------------------------------------
// The new config

interface ConfigPlan {
  config: CatalogConfig;
  /** The config already is this repository's: init-fork ran here before. */
  rerun: boolean;
  issues: InitForkIssue[];
  notes: string[];
}

const sameRepo = (config: CatalogConfig, owner: string, name: string) =>
  config.repository?.owner.toLowerCase() === owner.toLowerCase() &&
  config.repository?.name.toLowerCase() === name.toLowerCase();

/**
 * The fork's config from the current one. A first run (the config still names another
 * repository, or none) drops what described the upstream: its description, branding, namespace
 * owners, and it disables every source, so a private catalog reads nothing public unless a
 * maintainer enables it. A run on a config that is already this repository's keeps those choices.
 */
export function forkConfig(
  current: CatalogConfig,
  options: InitForkOptions,
  removedPolicies: ReadonlySet<string>,
): ConfigPlan {
  const issues: InitForkIssue[] = [];
  const notes: string[] = [];
  const [owner = '', name = ''] = (options.repo ?? '').split('/');
  const rerun = sameRepo(current, owner, name);
  const mode = (options.signing ?? (rerun ? current.signing?.mode : undefined) ?? 'keyless') as 'keyless' | 'key';
  const repositoryId =
    options.repositoryId ?? (rerun && current.repository?.id !== undefined ? current.repository.id : undefined);

  const {
    $schema,
    name: _name,
    description,
    baseUrl: _baseUrl,
    repository: _repository,
    branding,
    signing,
    sources,
    defaultPolicy,
    namespaceOwners,
    ...rest
  } = current;
  const config: CatalogConfig = {
    ...($schema !== undefined ? { $schema } : {}),
    name: options.name ?? '',
  };
  const keptDescription = options.description ?? (rerun ? description : undefined);
  if (keptDescription !== undefined) config.description = keptDescription;
  config.baseUrl = options.url ?? '';
  config.repository = { owner, name, ...(repositoryId !== undefined ? { id: repositoryId } : {}) };
  const newBranding = {
    ...(rerun ? branding : {}),
    ...(options.logo !== undefined ? { logo: options.logo } : {}),
    ...(options.color !== undefined ? { primaryColor: options.color } : {}),
  };
  if (Object.keys(newBranding).length > 0) config.branding = newBranding;
  config.signing =
    mode === 'key'
      ? {
          mode: 'key',
          publicKey: rerun && signing?.mode === 'key' && signing.publicKey ? signing.publicKey : PUBLIC_KEY_PATH,
        }
      : { mode: 'keyless', workflow: signing?.workflow ?? DEFAULT_WORKFLOW, ref: signing?.ref ?? DEFAULT_REF };
  Object.assign(config, rest);
  if (defaultPolicy !== undefined && !removedPolicies.has(defaultPolicy)) config.defaultPolicy = defaultPolicy;
  else if (defaultPolicy !== undefined)
    notes.push(
      `defaultPolicy "${defaultPolicy}" was sample data and is unset: the installer applies no policy until you add one to catalog/policies/ and name it in defaultPolicy.`,
    );
  if (namespaceOwners !== undefined) {
    if (rerun) config.namespaceOwners = namespaceOwners;
    else
      notes.push(
        'namespaceOwners was dropped: it named who may publish in the upstream catalog. List your own publishers there.',
      );
  }

  const newSources: NonNullable<CatalogConfig['sources']> = rerun
    ? [...(sources ?? [])]
    : (sources ?? []).map((source) => ({ ...source, enabled: false }));
  if (!rerun && (sources ?? []).some((s) => s.enabled !== false))
    notes.push(
      'Every source of the upstream is disabled: this catalog imports and merges nothing until you enable one.',
    );
  if (options.upstream) {
    // Read loosely: the `catalog` kind is newer than some configs' generated types.
    const existing = newSources.findIndex((s) => {
      const source = s as { type: string; name?: unknown };
      return source.type === 'catalog' && source.name === 'public';
    });
    if (existing === -1) {
      const upstream = upstreamSource(current, rerun);
      if ('problem' in upstream)
        issues.push({ code: 'upstream-unknown', field: '--upstream', message: upstream.problem });
      else newSources.push(upstream.source);
    } else notes.push('The upstream source "public" is already in sources; kept as it is.');
  }
  config.sources = newSources;
  return { config, rerun, issues, notes };
}

type CatalogSourceEntry = NonNullable<CatalogConfig['sources']>[number];

/** The catalog this was forked from, as a disabled `catalog` source, from what its config pins. */
function upstreamSource(current: CatalogConfig, rerun: boolean): { source: CatalogSourceEntry } | { problem: string } {
  if (rerun)
    return {
      problem:
        'catalog.config.json is already this repository\'s own, so it no longer says which catalog it was forked from. Add the upstream to sources by hand ({"type": "catalog", "name": "public", …}), or run init-fork --upstream on the upstream\'s config.',
    };
  const missing = [
    ...(current.baseUrl ? [] : ['baseUrl']),
    ...(current.repository?.owner && current.repository.name ? [] : ['repository.owner and repository.name']),
    ...(current.repository?.id ? [] : ['repository.id']),
  ];
  if ((current.signing?.mode ?? 'keyless') !== 'keyless')
    return {
      problem:
        'The catalog this was forked from signs with a key, and --upstream pins only a publish workflow identity. Add it to sources by hand with identity {"publicKey": "<path of its public key>"}.',
    };
  if (missing.length > 0)
    return {
      problem: `The catalog this was forked from has no ${missing.join(', ')} in catalog.config.json, so there is no signed index or identity to point at. Leave out --upstream (the bundled sample catalog publishes none), or add the upstream to sources by hand once it has them.`,
    };
  const repository = `${current.repository!.owner}/${current.repository!.name}`;
  const workflow = `https://github.com/${repository}/${current.signing?.workflow ?? DEFAULT_WORKFLOW}@${current.signing?.ref ?? DEFAULT_REF}`;
  return {
    source: {
      type: 'catalog',
      name: 'public',
      url: new URL('index.json', current.baseUrl).href,
      identity: { workflow, repositoryId: current.repository!.id! },
      trust: 'community',
      priority: 10,
      enabled: false,
    } as unknown as CatalogSourceEntry,
  };
}

// ---------------------------------------------------------------------------------------------
// Key mode

type KeyPlan =
  | { kind: 'kept'; path: string; keyId: string }
  | { kind: 'new'; path: string; publicKeyPem: string; privateKeyPem: string; keyId: string };

/**
 * The public key of key mode at `path`. Running init-fork again keeps the key the fork's config
 * already names (installers trust it; replacing it would strand them). Otherwise a new ECDSA
 * P-256 pair is made, whose private half exists only in this process and in what it prints. A
 * file already at `path` is replaced only when it is the upstream's key (the config being
 * rewritten names it); any other file there is the user's, and the run is refused.
 */
async function planKey(
  root: string,
  current: CatalogConfig,
  path: string,
  rerun: boolean,
  issues: InitForkIssue[],
): Promise<KeyPlan | undefined> {
  const named = current.signing?.mode === 'key' && current.signing.publicKey === path;
  const info = await lstat(join(root, path)).catch(() => undefined);
  if (info?.isSymbolicLink()) {
    issues.push({
      code: 'public-key-symlink',
      field: path,
      message: `${path} is a symbolic link; key files must be regular files. Remove it.`,
    });
    return undefined;
  }
  if (info && rerun) {
    const pem = await readFile(join(root, path), 'utf8').catch(() => '');
    let keyId: string | undefined;
    try {
      keyId = publicKeyId(pem);
    } catch (error) {
      if (!(error instanceof SigningError)) throw error;
    }
    if (named && keyId) return { kind: 'kept', path, keyId };
    issues.push({
      code: 'public-key-exists',
      field: path,
      message: named
        ? `${path}, which signing.publicKey names, is not an ECDSA P-256 public key (PEM). Remove it to have init-fork make a new key pair.`
        : `${path} already exists and catalog.config.json does not name it. Remove it to have init-fork make a new key pair, or set signing.mode "key" and signing.publicKey to it.`,
    });
    return undefined;
  }
  if (info && !named) {
    issues.push({
      code: 'public-key-exists',
      field: path,
      message: `${path} already exists and is not the upstream's signing key. Remove or move it to have init-fork make a new key pair there.`,
    });
    return undefined;
  }
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { kind: 'new', path, publicKeyPem, privateKeyPem, keyId: publicKeyId(publicKeyPem) };
}

// ---------------------------------------------------------------------------------------------
// Output

async function formatJson(path: string, value: unknown): Promise<string> {
  const text = JSON.stringify(value, null, 2) + '\n';
  // The config is under `npm run format:check`; write it the way prettier would.
  try {
    const prettier = await import('prettier');
    return await prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
  } catch {
    return text;
  }
}

function refuse(issues: InitForkIssue[], json: boolean): CommandResult {
  const stdout = json
    ? JSON.stringify({ ok: false, issues })
    : [
        ...issues.map((i) => `${i.field}: ${i.code}: ${i.message}`),
        `init-fork: ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was written.`,
      ].join('\n');
  return { stdout, exitCode: 1 };
}

function report(input: {
  root: string;
  config: CatalogConfig;
  configChanged: boolean;
  removals: Removal[];
  key: KeyPlan | undefined;
  notes: string[];
  json: boolean;
}): CommandResult {
  const { config, removals, key } = input;
  const repository = `${config.repository!.owner}/${config.repository!.name}`;
  const id = config.repository?.id;
  const notes = [...input.notes];
  let identity: Record<string, string>;
  if (config.signing?.mode === 'key') {
    identity = { mode: 'key', publicKey: key!.path, keyId: key!.keyId };
    if (key?.kind === 'kept')
      notes.push(
        `Kept the key pair of ${key.path}: installers already trust it. Its private half is the ${SECRET_NAME} you stored.`,
      );
  } else {
    identity = {
      mode: 'keyless',
      issuer: 'https://token.actions.githubusercontent.com',
      workflow: `https://github.com/${repository}/${config.signing?.workflow}@${config.signing?.ref}`,
      ...(id ? { repositoryId: id } : {}),
    };
    if (!id)
      notes.push(
        `repository.id must be added: installers pin the repository's numeric id, which a deleted and re-created repository does not keep. Find it with \`gh api repos/${repository} --jq .id\` and run init-fork again with --repository-id ID (publish.yml falls back to GITHUB_REPOSITORY_ID meanwhile).`,
      );
  }
  const counts = new Map<SampleKind, number>();
  for (const r of removals) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const secret = key?.kind === 'new' ? { name: SECRET_NAME, privateKeyPem: key.privateKeyPem } : undefined;
  if (input.json)
    return {
      stdout: JSON.stringify({
        ok: true,
        config: CONFIG_FILE,
        configChanged: input.configChanged,
        baseUrl: config.baseUrl,
        identity,
        ...(key?.kind === 'new' ? { publicKeyWritten: key.path } : {}),
        removed: removals,
        notes,
        ...(secret ? { secret } : {}),
      }),
      exitCode: 0,
    };
  const lines = [
    `${CONFIG_FILE} ${input.configChanged ? 'written' : 'unchanged'}: "${config.name}" at ${config.baseUrl}`,
    config.signing?.mode === 'key'
      ? `signing: key ${identity.keyId} (${key!.path}${key?.kind === 'new' ? ', new' : ''})`
      : `signing: keyless as ${identity.workflow}${id ? ` (repository id ${id})` : ''}`,
    removals.length === 0
      ? 'sample data: nothing to remove'
      : `sample data removed: ${removals.length} files (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`,
    ...notes.map((n) => `note: ${n}`),
  ];
  if (secret)
    lines.push(
      '',
      `The private key, shown this once and written nowhere. Store it now as the repository secret ${SECRET_NAME}`,
      `(gh secret set ${SECRET_NAME}, then paste it) or under that name in your CI's secret store:`,
      '',
      secret.privateKeyPem.trimEnd(),
      '',
    );
  lines.push(`next: review the changes (git status), commit them, and push; docs/private-catalog.md has the rest.`);
  return { stdout: lines.join('\n'), exitCode: 0 };
}
