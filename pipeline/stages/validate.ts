/**
 * Stage 2, validate: every loaded file against its schema, then the semantic rules that a
 * schema cannot express (design.md, "Stages"). Pure: it reads only what load produced.
 * Every problem is collected; none stops the others.
 */
import semver from 'semver';
import type { ChangeSet } from '../adapters/git.ts';
import { resolveConfig, type ResolvedConfig } from '../core/config.ts';
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
}

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
}

export function validateCatalog({ catalog, changes, author }: ValidateInput): ValidateOutput {
  const inventory = indexInventory(catalog.inventory);
  const rawConfig = catalog.config?.json?.value;
  // Validated once here: the result decides which config the other files are judged by.
  const configSchemaFindings = catalog.config?.json?.value !== undefined ? validateSchema('config', rawConfig) : [];
  const configValid = configSchemaFindings.length === 0;
  const context: Context = {
    // A broken config is reported on its own; the other files are judged by the defaults.
    config: resolveConfig(configValid ? (rawConfig as CatalogConfig | undefined) : undefined),
    inventory,
    configSchemaFindings,
    changed: new Map((changes?.files ?? []).map((f) => [f.path, f.status])),
    ...(author ? { author } : {}),
  };
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
  if (location.kind === 'readme') return checkReadme(file.text, location.server, context);
  const schema = SCHEMA_OF[location.kind];
  if (!schema || !file.json) return [];
  const findings = [...file.json.findings];
  const { value } = file.json;
  if (value === undefined) return findings;
  findings.push(...(location.kind === 'config' ? context.configSchemaFindings : validateSchema(schema, value)));
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
  if (context.author && context.changed.has(location.path) && !ownsNamespace(context, server)) {
    findings.push({
      code: 'namespace-not-owned',
      path: '/name',
      message: `${context.author} cannot publish under "${namespaceOf(server)}". Use io.github.${context.author}/<name>, or ask the maintainers to add you to namespaceOwners in catalog.config.json.`,
    });
  }
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
    findings.push({
      code: 'review-unknown-server',
      path: '',
      message: `There is no server ${location.server} in the catalog; check the folder name.`,
    });
  } else if (typeof review.version === 'string' && !versions.has(review.version)) {
    findings.push({
      code: 'review-unknown-version',
      path: '/version',
      message: `${location.server} has no version "${review.version}". Known versions: ${[...versions].join(', ')}.`,
    });
  }
  if (
    context.author &&
    context.changed.has(location.path) &&
    location.login.toLowerCase() !== context.author.toLowerCase()
  ) {
    findings.push({
      code: 'review-not-own',
      path: '',
      message: `${context.author} cannot write ${location.login}'s review; a review file is named after its author.`,
    });
  }
  return findings;
}

function checkCuration(curation: Curation, server: string, context: Context): Finding[] {
  const versions = context.inventory.versions.get(server);
  if (!versions)
    return [
      {
        code: 'curation-unknown-server',
        path: '',
        message: `There is no server ${server} in the catalog; check the file name.`,
      },
    ];
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

function ownsNamespace({ author, config }: Context, server: string): boolean {
  const namespace = namespaceOf(server);
  const login = author!.toLowerCase();
  if (namespace.toLowerCase() === `io.github.${login}`) return true;
  return (config.namespaceOwners[namespace] ?? []).some((owner) => owner.toLowerCase() === login);
}

const namespaceOf = (server: string) => server.slice(0, server.indexOf('/'));

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
