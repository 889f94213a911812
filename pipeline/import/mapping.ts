/**
 * Shared pieces of the mcpm and docker mappers: category tables, names from repository URLs,
 * tags, placeholders as official Inputs, declared capabilities and the listing itself.
 * Everything maps faithfully or says why it cannot; nothing is guessed or "corrected".
 */
import { isObject } from '../core/guards.ts';
import { pointer, type Finding } from '../core/issues.ts';
import { OFFICIAL_SCHEMA_ID, PUBLISHER_META_KEY } from '../core/schema-files.ts';
import type {
  DeclaredCapabilities,
  Input,
  KeyValueInput,
  Listing,
  Package,
  PositionalArgument,
  PublisherMeta,
  RemoteTransport,
  Repository,
} from '../core/schema-types.gen.ts';
import { TAG, TAG_MAX_LENGTH } from '../stages/validate.ts';
import { UNVERSIONED, type ImportAttribution } from './types.ts';

/**
 * mcpm's 13 category enum values (schema/server-schema.json) → our taxonomy ids
 * (DEFAULT_CATEGORIES). mcpm's "Web Services" are mostly search, scraping and fetch servers.
 */
export const MCPM_CATEGORIES: Readonly<Record<string, string>> = {
  'AI Systems': 'ai-ml',
  Analytics: 'analytics',
  Databases: 'data',
  'Dev Tools': 'development',
  Finance: 'finance',
  'Knowledge Base': 'knowledge',
  'MCP Tools': 'system',
  'Media Creation': 'media',
  Messaging: 'communication',
  Productivity: 'productivity',
  'Professional Apps': 'business',
  'System Tools': 'system',
  'Web Services': 'search',
};

/** Every `meta.category` value in docker/mcp-registry (free text, 44 values at 818bf16) → our taxonomy ids. */
export const DOCKER_CATEGORIES: Readonly<Record<string, string>> = {
  ai: 'ai-ml',
  'ai-ml': 'ai-ml',
  analytics: 'analytics',
  'data-analytics': 'analytics',
  'data-visualization': 'analytics',
  automation: 'productivity',
  productivity: 'productivity',
  blockchain: 'finance',
  finance: 'finance',
  Fintech: 'finance',
  payments: 'finance',
  boating: 'location',
  geospatial: 'location',
  maps: 'location',
  travel: 'location',
  business: 'business',
  commerce: 'business',
  crm: 'business',
  ecommerce: 'business',
  code: 'development',
  development: 'development',
  'developer-tools': 'development',
  devtools: 'development',
  integration: 'development',
  communication: 'communication',
  messaging: 'communication',
  'cost-management': 'devops',
  devops: 'devops',
  infrastructure: 'devops',
  monitoring: 'devops',
  database: 'data',
  documentation: 'knowledge',
  knowledge: 'knowledge',
  media: 'media',
  video: 'media',
  news: 'search',
  search: 'search',
  web: 'search',
  'web-scraping': 'search',
  security: 'security',
  games: 'other',
  healthcare: 'other',
  iot: 'other',
  tools: 'other',
};

/** Our category id for a source value, or undefined when the table has no row for it. */
export function mapCategory(table: Readonly<Record<string, string>>, value: unknown): string | undefined {
  return typeof value === 'string' && Object.hasOwn(table, value) ? table[value] : undefined;
}

export type Warn = (code: string, path: string, message: string) => void;

export function collector(): { warnings: Finding[]; warn: Warn } {
  const warnings: Finding[] = [];
  return { warnings, warn: (code, path, message) => warnings.push({ code, path, message, severity: 'warning' }) };
}

/** Raised while mapping one installation that server.json cannot express; the caller turns it into a warning. */
export class NotMappable extends Error {
  override name = 'NotMappable';
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(message);
    this.path = path;
  }
}

/** A non-empty trimmed string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The object without its undefined values: ajv would judge an undefined property as present. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface GitHubRepo {
  owner: string;
  repo: string;
  subfolder?: string;
}

const GITHUB_URL = /^https:\/\/github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?(?:\/tree\/[^/]+\/(.+?))?\/?$/;

/** A GitHub repository URL, optionally into a monorepo folder (`/tree/<branch>/<path>`, or `subfolder` given apart). */
export function parseGitHubUrl(url: string, subfolder?: string): GitHubRepo | undefined {
  const match = GITHUB_URL.exec(url);
  if (!match) return undefined;
  const folder = subfolder ?? match[3];
  return { owner: match[1]!, repo: match[2]!, ...(folder ? { subfolder: folder } : {}) };
}

/**
 * Repositories that hold several servers which the sources list by the bare repository URL (mcpm
 * without a /tree/ path, docker without source.directory), so `<owner>/<repo>` would give them
 * all one name. Each is named after its source entry instead; the subfolder is not in the data.
 */
const MONOREPOS = new Set([
  'modelcontextprotocol/servers',
  'pathintegral-institute/mcp.science',
  'neo4j-contrib/mcp-neo4j',
]);

/**
 * `io.github.<owner>/<repo>`; for a server in a monorepo folder `io.github.<owner>/<last folder>`,
 * and for a known monorepo without a folder `io.github.<owner>/<source entry id>`.
 */
export function githubName({ owner, repo, subfolder }: GitHubRepo, sourceId: string): string {
  if (subfolder) return `io.github.${owner}/${subfolder.split('/').at(-1)}`;
  return `io.github.${owner}/${MONOREPOS.has(`${owner}/${repo}`.toLowerCase()) ? sourceId : repo}`;
}

export function repositoryOf({ owner, repo, subfolder }: GitHubRepo): Repository {
  return { url: `https://github.com/${owner}/${repo}`, source: 'github', ...(subfolder ? { subfolder } : {}) };
}

/** Reverse-DNS namespace from a URL's host (`https://mcp.aisfleet.com/sse` → `com.aisfleet.mcp`). */
export function hostNamespace(url: string): string | undefined {
  try {
    return new URL(url).hostname.split('.').reverse().join('.') || undefined;
  } catch {
    return undefined;
  }
}

const TAG_LIMIT = 16; // publisher-meta.schema.json: tags.maxItems

/** Source tags as our tags: lower-case kebab-case ("Node.js" → "node-js"), unique, at most 16. */
export function slugTags(values: unknown, at: string[], warn: Warn): string[] | undefined {
  const tags: string[] = [];
  (Array.isArray(values) ? values : []).forEach((value, i) => {
    const slug =
      typeof value === 'string'
        ? value
            .normalize('NFKD')
            .replace(/\p{M}/gu, '')
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '')
        : '';
    if (tags.includes(slug)) return; // the same tag again once lower-cased: nothing is lost
    if (!TAG.test(slug) || slug.length > TAG_MAX_LENGTH) {
      warn(
        'tag-dropped',
        pointer(...at, i),
        `Tag ${JSON.stringify(value)} has no kebab-case form of 1 to ${TAG_MAX_LENGTH} characters.`,
      );
    } else if (tags.length === TAG_LIMIT) {
      warn('tag-dropped', pointer(...at, i), `Tag "${slug}" is over the limit of ${TAG_LIMIT} tags.`);
    } else tags.push(slug);
  });
  return tags.length > 0 ? tags : undefined;
}

/** SPDX ids taken as they are. Anything else ("Apache 2.0", "[NOT GIVEN]") is dropped, never corrected. */
const SPDX_IDS = new Set([
  '0BSD', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'BSL-1.0',
  'CC-BY-4.0', 'CC-BY-SA-4.0', 'CC0-1.0', 'EPL-2.0', 'GPL-2.0', 'GPL-2.0-only', 'GPL-2.0-or-later', 'GPL-3.0',
  'GPL-3.0-only', 'GPL-3.0-or-later', 'ISC', 'LGPL-2.1', 'LGPL-2.1-only', 'LGPL-2.1-or-later', 'LGPL-3.0',
  'LGPL-3.0-only', 'LGPL-3.0-or-later', 'MIT', 'MIT-0', 'MPL-2.0', 'Unlicense', 'Zlib',
]); // prettier-ignore

export function spdxLicense(value: unknown): string | undefined {
  return typeof value === 'string' && SPDX_IDS.has(value) ? value : undefined;
}

/** What a placeholder stands for: description, whether it is required, an example. */
export type Lookup = (name: string) => Input;

export type Parsed = { placeholder: string; input: Input } | { value: string; variables?: Record<string, Input> };

/**
 * A source string with placeholders (`${X}` in mcpm, `{{server.x}}` in docker), read as an
 * official Input: a lone placeholder is an input the user supplies; placeholders inside text
 * become `{x}` variables of the value; text without any is a plain value. `pattern` is global,
 * with one capture group: the placeholder's name.
 */
export function parsePlaceholders(raw: string, pattern: RegExp, lookup: Lookup): Parsed {
  const whole = new RegExp(`^(?:${pattern.source})$`).exec(raw);
  if (whole) return { placeholder: whole[1]!, input: lookup(whole[1]!) };
  const variables: Record<string, Input> = {};
  const value = raw.replace(pattern, (_, name: string) => {
    variables[name] = lookup(name);
    return `{${name}}`;
  });
  return Object.keys(variables).length > 0 ? { value, variables } : { value };
}

/** One command-line word as a positional argument (a lone placeholder is a value the user supplies). */
export function positional(parsed: Parsed): PositionalArgument {
  return 'placeholder' in parsed
    ? { type: 'positional', valueHint: parsed.placeholder, ...parsed.input }
    : { type: 'positional', ...parsed };
}

/**
 * An environment variable or header. Plain text is a fixed `value` when the source sets it
 * (a docker command line), or a `default` when the user edits it (an mcpm config template).
 */
export function keyValue(name: string, parsed: Parsed, plainAs: 'value' | 'default' = 'value'): KeyValueInput {
  if ('placeholder' in parsed) return { name, ...parsed.input };
  if (!parsed.variables) return { name, [plainAs]: parsed.value };
  return { name, ...parsed };
}

/** An image reference with its registry: Docker Hub's short `owner/image` becomes `docker.io/owner/image`. */
export function ociIdentifier(image: string): string {
  const [first, ...rest] = image.split('/');
  if (rest.length === 0) {
    throw new NotMappable(`image "${image}" names no registry or owner (usually a locally built image)`);
  }
  return /[.:]/.test(first!) || first === 'localhost' ? image : `docker.io/${image}`;
}

/** The keys each declared capability keeps, with their JSON type; other keys are not part of tools.schema.json. */
const CAPABILITY_FIELDS = {
  tools: { name: 'string', title: 'string', description: 'string', inputSchema: 'object', annotations: 'object' },
  prompts: { name: 'string', description: 'string', arguments: 'array' },
  resources: { name: 'string', uri: 'string', description: 'string', mimeType: 'string' },
} as const;
type CapabilityKind = keyof typeof CAPABILITY_FIELDS;

const jsonType = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

/**
 * Source tools/prompts/resources in the shape of tools.schema.json. An item without a name
 * is dropped, as is a field of the wrong type, each with a warning; `where` points into the source.
 */
export function mapCapabilities(
  source: Partial<Record<CapabilityKind, unknown>>,
  where: (kind: CapabilityKind, ...rest: (string | number)[]) => string,
  warn: Warn,
): DeclaredCapabilities | undefined {
  const result: Record<string, unknown[]> = {};
  for (const kind of Object.keys(CAPABILITY_FIELDS) as CapabilityKind[]) {
    const items = source[kind];
    if (items === undefined) continue;
    if (!Array.isArray(items)) {
      warn('capability-dropped', where(kind), `"${kind}" is not a list.`);
      continue;
    }
    const fields: Record<string, string> = CAPABILITY_FIELDS[kind];
    const names = new Set<string>();
    const mapped = items.flatMap((item, i) => {
      if (!isObject(item) || typeof item.name !== 'string' || item.name === '') {
        warn('capability-dropped', where(kind, i), `This ${kind.slice(0, -1)} has no name.`);
        return [];
      }
      // Names identify capabilities in tools.json; a second one of the same name would fail the file.
      if (names.has(item.name)) {
        warn('capability-dropped', where(kind, i, 'name'), `"${item.name}" is declared twice; only the first is kept.`);
        return [];
      }
      names.add(item.name);
      const kept: Record<string, unknown> = {};
      for (const [key, type] of Object.entries(fields)) {
        if (item[key] === undefined) continue;
        if (jsonType(item[key]) === type) kept[key] = item[key];
        else warn('capability-field-dropped', where(kind, i, key), `"${key}" is ${jsonType(item[key])}, not ${type}.`);
      }
      return [kept];
    });
    if (mapped.length > 0) result[kind] = mapped;
  }
  return Object.keys(result).length > 0 ? (result as DeclaredCapabilities) : undefined;
}

export interface ListingParts {
  name: string;
  title?: string;
  description: string;
  websiteUrl?: string;
  repository?: Repository;
  packages: Package[];
  remotes: RemoteTransport[];
  meta: PublisherMeta;
}

/** The title, if it fits the official schema's 100 characters; it is optional, so a longer one is left out. */
export function titleOf(value: unknown, at: string, warn: Warn): string | undefined {
  const title = str(value);
  if (title === undefined || title.length <= 100) return title;
  warn('title-dropped', at, `The title is ${title.length} characters; the limit is 100.`);
  return undefined;
}

/** The listing: an official server.json of the 2025-12-11 schema, with our publisher-provided `_meta`. */
export function buildListing(parts: ListingParts): Listing {
  return compact({
    $schema: OFFICIAL_SCHEMA_ID,
    name: parts.name,
    title: parts.title,
    description: parts.description,
    version: UNVERSIONED,
    websiteUrl: parts.websiteUrl,
    repository: parts.repository,
    packages: parts.packages.length > 0 ? parts.packages : undefined,
    remotes: parts.remotes.length > 0 ? parts.remotes : undefined,
    _meta: { [PUBLISHER_META_KEY]: parts.meta },
  }) as Listing;
}

/** Where the data came from. Neither mcpm nor docker versions its entries, hence `versioned: false`. */
export function attribution(
  registry: 'mcpm' | 'docker',
  source: { repository: string; license: string; pathPrefix: string },
  sourceFile: string,
  upstream: { commit?: string },
): ImportAttribution {
  return {
    registry,
    repository: source.repository,
    ...(upstream.commit ? { commit: upstream.commit } : {}),
    path: source.pathPrefix + sourceFile,
    license: source.license,
    versioned: false,
  };
}
