/**
 * Stage 2, validate: every loaded file against its schema, then the semantic rules that a
 * schema cannot express (design.md, "Stages"). Pure: it reads only what load produced.
 * Every problem is collected; none stops the others.
 */
import semver from 'semver';
import type { ChangeSet } from '../adapters/git.ts';
import {
  DNS_PROOF_PREFIX,
  WELL_KNOWN_PATH,
  dnsProofNames,
  namespaceDomain,
  type DomainProof,
} from '../core/domain-proof.ts';
import { configuredSources, resolveConfig, type ResolvedConfig } from '../core/config.ts';
import { checkPolicy } from '../core/policy.ts';
import { toIssue, sortIssues, pointer, type Finding, type Issue } from '../core/issues.ts';
import { classify, type CatalogPath } from '../core/layout.ts';
import { isObject } from '../core/guards.ts';
import { bundleLocation } from '../core/bundle-location.ts';
import { validateSchema, type SchemaKind } from '../core/schema-validator.ts';
import { PUBLISHER_META_KEY } from '../core/schema-files.ts';
import type {
  CatalogConfig,
  Curation,
  Listing,
  Policy,
  Review,
  ServerStatus,
  DeclaredCapabilities,
} from '../core/schema-types.gen.ts';
import type { CatalogFile, LoadedCatalog } from './load.ts';

export interface ValidateInput {
  catalog: LoadedCatalog;
  /** With --changed-since: what changed, for immutability and ownership checks. */
  changes?: ChangeSet;
  /** GitHub login of the pull request's author: changed listings must be in a namespace they own. */
  author?: string;
  /**
   * What the command looked up for the ownership checks (ownershipQuestions says what to look up).
   * Without it only what needs no lookup counts: the author's own `io.github.<login>` and logins
   * listed in namespaceOwners.
   */
  ownership?: OwnershipFacts;
}

/** A fact looked up through an adapter, or why the lookup failed. */
export type Lookup<T> = { ok: true; value: T } | { ok: false; error: string };

export interface OwnershipFacts {
  /** Whether the author is a member, by owner entry: `@org` or `@org/team`, lower-cased. */
  memberships: ReadonlyMap<string, Lookup<boolean>>;
  /** The domain proof of each reverse-DNS namespace, by namespace, lower-cased. */
  domainProofs: ReadonlyMap<string, DomainProof>;
  /** The login of each issue's author, for reviews with `submittedVia`. */
  issueAuthors: ReadonlyMap<number, Lookup<string>>;
}

/** What the command has to look up before validateCatalog can judge ownership. */
export interface OwnershipQuestions {
  /** Reverse-DNS namespaces whose domain proof is needed. */
  domainProofs: string[];
  /** `@org` and `@org/team` entries: is the author a member? */
  memberships: string[];
  /** Issues whose author is needed. */
  issues: number[];
}

/**
 * Who opens the pull requests of the review issue form: the workflow's own token. A review
 * carrying `submittedVia` is accepted only in a pull request by this login, since anyone else
 * could name an issue that the reviewer opened about something else.
 */
export const ISSUE_FORM_AUTHOR = 'github-actions[bot]';

export interface ValidateOutput {
  issues: Issue[];
  /** How many files were checked. */
  checked: number;
}

/** The official registry keeps at most this much publisher-provided `_meta`. */
export const PUBLISHER_META_LIMIT = 4096;
export const README_LIMIT = 64 * 1024;
/** A tag: lower-case kebab-case (the schema caps the count at 16). */
export const TAG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const TAG_MAX_LENGTH = 32;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const POLICY_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Range operators and wildcards, for package versions that need not be semver (PyPI, NuGet). */
const VERSION_RANGE = /^[\^~<>=!*]|[\s|,]|(^|\.)[xX*](\.|$)/;

const SCHEMA_OF: Partial<Record<CatalogPath['kind'], SchemaKind>> = {
  config: 'config',
  listing: 'listing',
  status: 'status',
  tools: 'tools',
  review: 'review',
  curation: 'curation',
  policy: 'policy',
};

/** What exists in the catalog, from file paths alone, so cross-file checks need not read files. */
interface Inventory {
  versions: Map<string, Set<string>>;
  byLowerName: Map<string, Set<string>>;
  readmes: Set<string>;
  policies: Set<string>;
  /** Bundle files kept in catalog/bundles/. */
  bundles: Set<string>;
}

interface Context {
  config: ResolvedConfig;
  configSchemaFindings: Finding[];
  inventory: Inventory;
  changed: Map<string, ChangeSet['files'][number]['status']>;
  author?: string;
  ownership: OwnershipFacts;
}

const NO_FACTS: OwnershipFacts = { memberships: new Map(), domainProofs: new Map(), issueAuthors: new Map() };

export function validateCatalog({ catalog, changes, author, ownership }: ValidateInput): ValidateOutput {
  const context = contextOf(catalog, changes, author, ownership);
  const files = catalog.config ? [catalog.config, ...catalog.files] : catalog.files;
  const issues = files.flatMap((file) => checkFile(file, context).map((f) => locate(file, f)));
  for (const change of changes?.files ?? []) {
    if (change.status !== 'added' && classify(change.path).kind === 'listing') {
      issues.push(
        toIssue(change.path, {
          code: 'listing-immutable',
          path: '',
          message: `This version file existed on ${changes!.base} and was ${change.status}. Listings are immutable once merged: publish a new version instead, and to withdraw this one mark it "yanked" in status.json.`,
        }),
      );
    }
  }
  return { issues: sortIssues(issues), checked: files.length };
}

function contextOf(
  catalog: LoadedCatalog,
  changes: ChangeSet | undefined,
  author: string | undefined,
  ownership: OwnershipFacts | undefined,
): Context {
  const rawConfig = catalog.config?.json?.value;
  // Validated once here: the result decides which config the other files are judged by.
  const configSchemaFindings = rawConfig !== undefined ? validateSchema('config', rawConfig) : [];
  const configValid = configSchemaFindings.length === 0;
  return {
    // A broken config is reported on its own; the other files are judged by the defaults.
    config: resolveConfig(configValid ? (rawConfig as CatalogConfig | undefined) : undefined),
    inventory: indexInventory(catalog.inventory),
    configSchemaFindings,
    changed: new Map((changes?.files ?? []).map((f) => [f.path, f.status])),
    ...(author ? { author } : {}),
    ownership: ownership ?? NO_FACTS,
  };
}

/**
 * What has to be looked up for the ownership checks of a pull request: pure, and asked twice by
 * the command, because a domain proof may name an `@org` whose membership is then needed too.
 * Only what could change the outcome is asked: nothing for the author's own namespace.
 */
export function ownershipQuestions({ catalog, changes, author, ownership }: ValidateInput): OwnershipQuestions {
  const questions = { domainProofs: new Set<string>(), memberships: new Set<string>(), issues: new Set<number>() };
  if (!author || !changes) return { domainProofs: [], memberships: [], issues: [] };
  const context = contextOf(catalog, changes, author, ownership);
  const servers = new Set<string>();
  for (const file of catalog.files) {
    const { location } = file;
    if (!context.changed.has(location.path)) continue;
    if (location.kind === 'listing' || location.kind === 'tools' || location.kind === 'readme')
      servers.add(location.server);
    if (location.kind === 'review' && isObject(file.json?.value)) {
      const verdict = reviewAuthorship(file.json.value as Partial<Review>, location, context);
      if (verdict.kind === 'needs-issue') questions.issues.add(verdict.issue);
    }
  }
  for (const server of servers) {
    const verdict = namespaceOwnership(context, server);
    if (verdict.kind !== 'not-owned') continue;
    verdict.needs.domainProofs.forEach((n) => questions.domainProofs.add(n));
    verdict.needs.memberships.forEach((m) => questions.memberships.add(m));
  }
  return {
    domainProofs: [...questions.domainProofs].sort(),
    memberships: [...questions.memberships].sort(),
    issues: [...questions.issues].sort((a, b) => a - b),
  };
}

function locate(file: CatalogFile, finding: Finding): Issue {
  const issue = toIssue(file.location.path, finding);
  if (issue.line === undefined) {
    const at = file.json?.locate(finding.path);
    if (at) Object.assign(issue, at);
  }
  return issue;
}

function checkFile(file: CatalogFile, context: Context): Finding[] {
  const { location } = file;
  if (location.kind === 'unknown') {
    return [
      {
        code: 'unknown-file',
        path: '',
        message:
          'This file has no place in the catalog layout. Listings go to catalog/servers/<namespace>/<name>/<version>.json (with optional status.json, tools.json, README.md beside them), reviews to catalog/reviews/<namespace>/<name>/<login>.json, curation to catalog/curation/<namespace>/<name>.json and policies to catalog/policies/<name>.json.',
      },
    ];
  }
  if (location.kind === 'readme')
    return [...checkReadme(file.text, location.server, context), ...checkPublisherChange(location, context, '')];
  const schema = SCHEMA_OF[location.kind];
  if (!schema || !file.json) return [];
  const findings = [...file.json.findings];
  const { value } = file.json;
  if (value === undefined) return findings;
  const schemaFindings = location.kind === 'config' ? context.configSchemaFindings : validateSchema(schema, value);
  findings.push(...schemaFindings);
  if (!isObject(value)) return findings;
  switch (location.kind) {
    case 'listing':
      findings.push(...checkListing(value as Partial<Listing>, location, context));
      break;
    case 'status':
      findings.push(...checkStatus(value as ServerStatus, location.server, context));
      break;
    case 'tools':
      findings.push(...checkTools(value as DeclaredCapabilities, location.server, context));
      findings.push(...checkPublisherChange(location, context, '/tools'));
      break;
    case 'review':
      findings.push(...checkReview(value as Partial<Review>, location, context));
      break;
    case 'curation':
      findings.push(...checkCuration(value as Curation, location.server, context));
      break;
    case 'policy':
      if (!POLICY_NAME.test(location.policy)) {
        findings.push({
          code: 'policy-invalid-name',
          path: '',
          message: `Policy file names are kebab-case ids, like "strict-enterprise.json"; rename "${location.policy}.json".`,
        });
      }
      // What a schema cannot say (version ranges, group references, placeholders), once its shape is right.
      if (schemaFindings.length === 0) findings.push(...checkPolicy(value as unknown as Policy));
      break;
    case 'config':
      findings.push(...checkConfig(value as CatalogConfig, context));
      break;
  }
  return findings;
}

function checkListing(
  listing: Partial<Listing>,
  location: Extract<CatalogPath, { kind: 'listing' }>,
  context: Context,
): Finding[] {
  const findings: Finding[] = [];
  const { server, version } = location;
  if (typeof listing.name === 'string' && listing.name !== server) {
    findings.push({
      code: 'listing-name-mismatch',
      path: '/name',
      message: `The file is in catalog/servers/${server}/ but its name is "${listing.name}". Move it to catalog/servers/${listing.name}/ or correct the name.`,
    });
  }
  if (typeof listing.version === 'string') {
    if (listing.version !== version) {
      findings.push({
        code: 'listing-version-mismatch',
        path: '/version',
        message: `The file is named ${version}.json but its version is "${listing.version}". Name the file after the version.`,
      });
    }
    if (semver.valid(listing.version) !== listing.version) {
      findings.push({
        code: 'version-not-semver',
        path: '/version',
        message: `"${listing.version}" is not an exact semantic version like 1.2.3 (no "v" prefix, ranges or "latest").`,
      });
    }
  }
  (listing.packages ?? []).forEach((pkg, i) => {
    if (!isObject(pkg)) return;
    const exactSemverRequired = pkg.registryType === 'npm';
    if (
      typeof pkg.version === 'string' &&
      (exactSemverRequired ? semver.valid(pkg.version) !== pkg.version : VERSION_RANGE.test(pkg.version))
    ) {
      findings.push({
        code: 'package-version-range',
        path: pointer('packages', i, 'version'),
        message: `"${pkg.version}" is not one exact version. Pin the version the listing was tested with, e.g. "1.2.3".`,
      });
    }
    if (pkg.registryType === 'mcpb') {
      if (typeof pkg.fileSha256 !== 'string') {
        findings.push({
          code: 'mcpb-missing-sha256',
          path: pointer('packages', i, 'fileSha256'),
          message: 'An mcpb package needs "fileSha256", the SHA-256 of the bundle (sha256sum file.mcpb).',
        });
      }
      if (typeof pkg.identifier === 'string') {
        const location = bundleLocation(pkg.identifier);
        const at = pointer('packages', i, 'identifier');
        if (location.kind === 'invalid') findings.push({ code: location.code, path: at, message: location.message });
        if (location.kind === 'catalog' && !context.inventory.bundles.has(location.path)) {
          findings.push({
            code: 'mcpb-bundle-missing',
            path: at,
            message: `${location.path} does not exist. Add the bundle file to the pull request, or fix the path.`,
          });
        }
      }
    }
  });
  findings.push(...checkPublisherMeta(listing, server, context));
  findings.push(...checkPublisherChange(location, context, '/name'));
  const same = context.inventory.byLowerName.get(server.toLowerCase());
  if (same && same.size > 1) {
    findings.push({
      code: 'name-case-collision',
      path: '/name',
      message: `"${server}" differs only in letter case from ${[...same]
        .filter((s) => s !== server)
        .map((s) => `"${s}"`)
        .join(', ')}. Names are compared case-insensitively; pick a distinct name.`,
    });
  }
  return findings;
}

function checkPublisherMeta(listing: Partial<Listing>, server: string, context: Context): Finding[] {
  const meta = listing._meta?.[PUBLISHER_META_KEY];
  if (!isObject(meta)) return [];
  const findings: Finding[] = [];
  const at = (...rest: (string | number)[]) => pointer('_meta', PUBLISHER_META_KEY, ...rest);
  if (typeof meta.category === 'string' && !context.config.categories.some((c) => c.id === meta.category)) {
    findings.push({
      code: 'unknown-category',
      path: at('category'),
      message: `Unknown category "${meta.category}". Use one of: ${context.config.categories.map((c) => c.id).join(', ')}.`,
    });
  }
  (Array.isArray(meta.tags) ? meta.tags : []).forEach((tag, i) => {
    if (typeof tag === 'string' && (!TAG.test(tag) || tag.length > TAG_MAX_LENGTH)) {
      const suggestion = tag
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      findings.push({
        code: 'invalid-tag',
        path: at('tags', i),
        message: `Tag "${tag}" must be lower-case kebab-case of at most ${TAG_MAX_LENGTH} characters${suggestion && suggestion !== tag ? `, e.g. "${suggestion.slice(0, TAG_MAX_LENGTH)}"` : ''}.`,
      });
    }
  });
  const size = Buffer.byteLength(JSON.stringify(meta));
  if (size > PUBLISHER_META_LIMIT) {
    findings.push({
      code: 'publisher-meta-too-large',
      path: at(),
      message: `Publisher-provided _meta is ${size} bytes; the official registry keeps at most ${PUBLISHER_META_LIMIT}. Move longDescription into README.md beside the listing.`,
    });
  }
  if (typeof meta.longDescription === 'string' && context.inventory.readmes.has(server)) {
    findings.push({
      code: 'long-description-conflict',
      path: at('longDescription'),
      message: 'This server has both a README.md and a longDescription; keep one of them.',
    });
  }
  return findings;
}

function checkStatus(status: ServerStatus, server: string, context: Context): Finding[] {
  const findings = requireListing(server, context);
  const versions = context.inventory.versions.get(server);
  for (const version of Object.keys(isObject(status.versions) ? status.versions : {})) {
    if (versions && !versions.has(version)) {
      findings.push({
        code: 'status-unknown-version',
        path: pointer('versions', version),
        message: `${server} has no version "${version}". Known versions: ${[...versions].join(', ')}.`,
      });
    }
  }
  if (typeof status.replacedBy === 'string' && !context.inventory.versions.has(status.replacedBy)) {
    findings.push({
      code: 'status-unknown-replacement',
      path: '/replacedBy',
      message: `"${status.replacedBy}" is not in the catalog.`,
    });
  }
  return findings;
}

function checkTools(tools: DeclaredCapabilities, server: string, context: Context): Finding[] {
  const findings = requireListing(server, context);
  for (const key of ['tools', 'prompts', 'resources'] as const) {
    const seen = new Set<string>();
    (Array.isArray(tools[key]) ? tools[key] : []).forEach((item, i) => {
      const name = isObject(item) ? item.name : undefined;
      if (typeof name !== 'string') return;
      if (seen.has(name)) {
        findings.push({
          code: 'duplicate-capability-name',
          path: pointer(key, i, 'name'),
          message: `"${name}" is declared twice in ${key}.`,
        });
      }
      seen.add(name);
    });
  }
  return findings;
}

function checkReadme(text: string, server: string, context: Context): Finding[] {
  const findings = requireListing(server, context);
  if (Buffer.byteLength(text) > README_LIMIT) {
    findings.push({
      code: 'readme-too-large',
      path: '',
      message: `README.md is over ${README_LIMIT / 1024} KiB; link to the full documentation instead.`,
    });
  }
  if (text.trim() === '')
    findings.push({
      code: 'readme-empty',
      path: '',
      message: 'README.md is empty; delete it or write the long description.',
    });
  return findings;
}

function checkReview(
  review: Partial<Review>,
  location: Extract<CatalogPath, { kind: 'review' }>,
  context: Context,
): Finding[] {
  const findings: Finding[] = [];
  const versions = context.inventory.versions.get(location.server);
  if (!GITHUB_LOGIN.test(location.login)) {
    findings.push({
      code: 'invalid-login',
      path: '',
      message: `"${location.login}" is not a GitHub login; name the file <your-login>.json.`,
    });
  }
  if (!versions) {
    findings.push(unknownServer('review-unknown-server', location.server, 'check the folder name', context));
  } else if (typeof review.version === 'string' && !versions.has(review.version)) {
    findings.push({
      code: 'review-unknown-version',
      path: '/version',
      message: `${location.server} has no version "${review.version}". Known versions: ${[...versions].join(', ')}.`,
    });
  }
  if (context.author && context.changed.has(location.path)) {
    const finding = authorshipFinding(reviewAuthorship(review, location, context), location.login, context.author);
    if (finding) findings.push(finding);
  }
  return findings;
}

/**
 * A review or curation file for a server that catalog/servers/ does not list. With merge sources
 * it may be a source's server, which only the build (it reads the sources) can tell: a warning
 * then, and the build applies the file if a source offers the server.
 */
function unknownServer(code: string, server: string, fix: string, context: Context): Finding {
  if (configuredSources(context.config).length === 0)
    return { code, path: '', message: `There is no server ${server} in the catalog; ${fix}.` };
  return {
    code,
    path: '',
    severity: 'warning',
    message: `${server} is not listed in catalog/servers/: this file applies only if one of the sources in catalog.config.json offers it. Otherwise ${fix}.`,
  };
}

function checkCuration(curation: Curation, server: string, context: Context): Finding[] {
  const versions = context.inventory.versions.get(server);
  if (!versions) return [unknownServer('curation-unknown-server', server, 'check the file name', context)];
  const findings: Finding[] = [];
  (Array.isArray(curation.acknowledgements) ? curation.acknowledgements : []).forEach((ack, i) => {
    if (isObject(ack) && typeof ack.version === 'string' && !versions.has(ack.version)) {
      findings.push({
        code: 'curation-unknown-version',
        path: pointer('acknowledgements', i, 'version'),
        message: `${server} has no version "${ack.version}".`,
      });
    }
  });
  return findings;
}

function checkConfig(config: CatalogConfig, context: Context): Finding[] {
  const findings: Finding[] = [];
  if (typeof config.defaultPolicy === 'string' && !context.inventory.policies.has(config.defaultPolicy)) {
    findings.push({
      code: 'config-unknown-policy',
      path: '/defaultPolicy',
      message: `There is no catalog/policies/${config.defaultPolicy}.json.`,
    });
  }
  const ids = new Set<string>();
  (Array.isArray(config.categories) ? config.categories : []).forEach((category, i) => {
    if (!isObject(category) || typeof category.id !== 'string') return;
    if (ids.has(category.id))
      findings.push({
        code: 'config-duplicate-category',
        path: pointer('categories', i, 'id'),
        message: `Category "${category.id}" is listed twice.`,
      });
    ids.add(category.id);
  });
  return findings;
}

function requireListing(server: string, context: Context): Finding[] {
  return context.inventory.versions.has(server)
    ? []
    : [
        {
          code: 'server-without-listing',
          path: '',
          message: `catalog/servers/${server}/ has no version file; add <version>.json or remove this file.`,
        },
      ];
}

function indexInventory(locations: readonly CatalogPath[]): Inventory {
  const inventory: Inventory = {
    versions: new Map(),
    byLowerName: new Map(),
    readmes: new Set(),
    policies: new Set(),
    bundles: new Set(),
  };
  for (const location of locations) {
    if (location.kind === 'listing') {
      getOrCreate(inventory.versions, location.server, () => new Set()).add(location.version);
      getOrCreate(inventory.byLowerName, location.server.toLowerCase(), () => new Set()).add(location.server);
    } else if (location.kind === 'readme') inventory.readmes.add(location.server);
    else if (location.kind === 'policy') inventory.policies.add(location.policy);
    else if (location.kind === 'bundle') inventory.bundles.add(location.path);
  }
  return inventory;
}

/** Why a changed file's server may or may not be published by the author, and what is still to look up. */
type Ownership =
  | { kind: 'owned'; by: string }
  | { kind: 'not-owned'; needs: { domainProofs: string[]; memberships: string[] }; finding: Finding };

/**
 * Who may publish under a namespace: the GitHub account `io.github.<login>` itself, the members
 * of the organisation `io.github.<org>` (public members: what a workflow token can see), the
 * logins, `@org` and `@org/team` entries of namespaceOwners, and for a reverse-DNS namespace the
 * owners its domain proof names (adapters/domain-proof.ts).
 */
function namespaceOwnership(context: Context, server: string): Ownership {
  const author = context.author!;
  const login = author.toLowerCase();
  const namespace = namespaceOf(server);
  const ns = namespace.toLowerCase();
  if (ns === `io.github.${login}`) return { kind: 'owned', by: `the namespace is io.github.${author}` };
  const listed = Object.entries(context.config.namespaceOwners)
    .filter(([key]) => key.toLowerCase() === ns)
    .flatMap(([, owners]) => owners);
  const entries = listed.map((entry) => ({ entry, source: 'namespaceOwners in catalog.config.json' }));
  const account = ns.startsWith('io.github.') ? ns.slice('io.github.'.length) : undefined;
  if (account) entries.push({ entry: `@${account}`, source: `the GitHub organisation ${account}` });
  const domain = account === undefined ? namespaceDomain(ns) : undefined;
  const proof = domain ? context.ownership.domainProofs.get(ns) : undefined;
  const needs = { domainProofs: domain && !proof ? [ns] : [], memberships: [] as string[] };
  for (const check of proof?.checks ?? [])
    if (check.kind === 'found') for (const entry of check.owners) entries.push({ entry, source: check.where });
  const failed: string[] = [];
  for (const { entry, source } of entries) {
    if (!entry.startsWith('@')) {
      if (entry.toLowerCase() === login) return { kind: 'owned', by: source };
      continue;
    }
    const fact = context.ownership.memberships.get(entry.toLowerCase());
    if (!fact) needs.memberships.push(entry.toLowerCase());
    else if (!fact.ok) failed.push(`${entry}: ${fact.error}`);
    else if (fact.value) return { kind: 'owned', by: `${source} (${author} is a member of ${entry})` };
  }
  return { kind: 'not-owned', needs, finding: notOwned(author, namespace, { account, domain, proof, listed, failed }) };
}

function notOwned(
  author: string,
  namespace: string,
  why: { account?: string; domain?: string; proof?: DomainProof; listed: string[]; failed: string[] },
): Finding {
  const ask = `or ask the maintainers to add you to namespaceOwners["${namespace}"] in catalog.config.json`;
  const own = `Publish under io.github.${author}/<name>`;
  if (why.failed.length > 0)
    return {
      code: 'ownership-lookup-failed',
      path: '',
      message: `Could not check whether ${author} may publish under "${namespace}" (${why.failed.join('; ')}). Re-run the check; if it keeps failing, ${ask.slice(3)}.`,
    };
  if (why.account !== undefined)
    return {
      code: 'namespace-not-owned',
      path: '',
      message: `${author} cannot publish under "${namespace}": it belongs to the GitHub account ${why.account}, and ${author} is not a public member of that organisation${why.listed.length ? ` nor among its namespaceOwners (${why.listed.join(', ')})` : ''}. ${own}, make your membership public (https://github.com/orgs/${why.account}/people), ${ask}.`,
    };
  if (why.domain === undefined)
    return {
      code: 'namespace-not-owned',
      path: '',
      message: `${author} cannot publish under "${namespace}": it is neither io.github.<login> nor a reverse domain name like com.example. ${own}, ${ask}.`,
    };
  const [record] = dnsProofNames(why.domain);
  const publish =
    `add the DNS TXT record ${record} with the value "${DNS_PROOF_PREFIX}${author}"` +
    `${dnsProofNames(why.domain).length > 1 ? ` (one at ${dnsProofNames(why.domain).at(-1)} covers every subdomain)` : ''}` +
    `, or serve https://${why.domain}${WELL_KNOWN_PATH} containing {"owners": ["${author}"]}`;
  const checks = why.proof?.checks ?? [];
  const found = checks.filter((c) => c.kind === 'found');
  const errors = checks.filter((c) => c.kind === 'error');
  if (found.length > 0)
    return {
      code: 'namespace-proof-mismatch',
      path: '',
      message: `"${namespace}" is the domain ${why.domain}, whose proof names ${found.map((c) => `${c.owners.join(', ')} (${c.where})`).join('; ')} but not ${author}. To publish as ${author}, ${publish}; ${ask}.`,
    };
  if (errors.length > 0)
    return {
      code: 'namespace-proof-unavailable',
      path: '',
      message: `"${namespace}" is the domain ${why.domain}, and its proof could not be read: ${errors.map((c) => c.detail).join('; ')}. Fix it and re-run the check: ${publish}; ${ask}.`,
    };
  return {
    code: 'namespace-proof-missing',
    path: '',
    message: `"${namespace}" is the domain ${why.domain}. Prove that ${author} may publish there: ${publish}. ${own} instead, ${ask}.`,
  };
}

/** A changed listing, tools.json or README.md must be in a namespace the author owns. */
function checkPublisherChange(
  location: Extract<CatalogPath, { server: string }>,
  context: Context,
  path: string,
): Finding[] {
  if (!context.author || !context.changed.has(location.path)) return [];
  const verdict = namespaceOwnership(context, location.server);
  return verdict.kind === 'owned' ? [] : [{ ...verdict.finding, path }];
}

type Authorship = { kind: 'own' } | { kind: 'needs-issue'; issue: number } | { kind: 'refused'; finding: Finding };

/**
 * A review may be written only by the login it is named after: in a pull request by that login,
 * or in one the review issue form's workflow opened (`ISSUE_FORM_AUTHOR`) from an issue whose
 * author, looked up through the GitHub API, is that login (`submittedVia.issue`).
 */
function reviewAuthorship(
  review: Partial<Review>,
  location: Extract<CatalogPath, { kind: 'review' }>,
  context: Context,
): Authorship {
  const author = context.author!;
  const login = location.login;
  if (login.toLowerCase() === author.toLowerCase()) return { kind: 'own' };
  const issue = isObject(review.submittedVia) ? review.submittedVia.issue : undefined;
  if (typeof issue !== 'number')
    return {
      kind: 'refused',
      finding: {
        code: 'review-not-own',
        path: '',
        message: `${author} cannot write ${login}'s review: a review file is named after its author. Name it ${author}.json, or let ${login} open the pull request (or the review issue form).`,
      },
    };
  if (author.toLowerCase() !== ISSUE_FORM_AUTHOR)
    return {
      kind: 'refused',
      finding: {
        code: 'review-not-own',
        path: '/submittedVia',
        message: `${author} cannot write ${login}'s review. submittedVia is honoured only in pull requests that the review issue form opens (as ${ISSUE_FORM_AUTHOR}); remove it and name the file ${author}.json.`,
      },
    };
  const fact = context.ownership.issueAuthors.get(issue);
  if (!fact) return { kind: 'needs-issue', issue };
  if (!fact.ok)
    return {
      kind: 'refused',
      finding: {
        code: 'review-submitter-unverified',
        path: '/submittedVia/issue',
        message: `The author of issue #${issue} could not be looked up (${fact.error}); re-run the check.`,
      },
    };
  if (fact.value.toLowerCase() !== login.toLowerCase())
    return {
      kind: 'refused',
      finding: {
        code: 'review-submitter-mismatch',
        path: '/submittedVia/issue',
        message: `Issue #${issue} was opened by ${fact.value}, not ${login}: only ${login} can submit ${login}.json. Rename the file to ${fact.value}.json, or have ${login} submit the form.`,
      },
    };
  return { kind: 'own' };
}

function authorshipFinding(verdict: Authorship, login: string, author: string): Finding | undefined {
  if (verdict.kind === 'own') return undefined;
  if (verdict.kind === 'refused') return verdict.finding;
  return {
    code: 'review-submitter-unverified',
    path: '/submittedVia/issue',
    message: `${author} opened this pull request for ${login}, but the author of issue #${verdict.issue} was not looked up; run the check with GitHub access.`,
  };
}

const namespaceOf = (server: string) => server.slice(0, server.indexOf('/'));

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
