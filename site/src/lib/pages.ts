/**
 * Every page of the site as data: which template renders it, at which route, with which props.
 * Built from what the pipeline emitted (index.json, servers/*.json, reports/, policies/) and the
 * config's branding, never from catalog/. Pure: site/build.ts loads the files, this decides the
 * pages, and the templates only render the props (style.md 10).
 *
 * A page's props are its whole input, so their digest says whether it must be rendered again:
 * a rebuild after one changed listing renders the pages whose props changed and nothing else.
 */
import {
  CLIENT_IDS,
  CLIENTS,
  configSnippet,
  deepLink,
  defaultServerKey,
  launchOptions,
  supports,
  type Launch,
} from '../../../pipeline/core/client-config.ts';
import {
  describeSelector,
  evaluatePolicy,
  type Decision,
  type PolicyEvaluation,
  type PolicySubject,
} from '../../../pipeline/core/policy.ts';
import type {
  CatalogIndex,
  IndexServer,
  Policy,
  PolicyGroup,
  PublishedReview,
  Rating,
  ScanReport,
  ServerRecord,
  TrustLevel,
  Verdict,
} from '../../../pipeline/core/schema-types.gen.ts';
import { serverFacets } from '../../../pipeline/emit/facets.ts';
import { compareHelpful } from '../../../pipeline/stages/review-votes.ts';
import { platformLabel, runtimeLabel, sourceLabel, trustLabel, typeLabel, verdictLabel } from './browse.ts';
import { renderMarkdown } from './markdown.ts';
import { similarServers } from './similar.ts';

/** Servers per static list page (the no-JavaScript browse pages). */
export const STATIC_PAGE_SIZE = 48;

export interface SignerInfo {
  /** `keyless`: a GitHub Actions workflow identity; `key`: a public key (key and dev modes). */
  kind: 'keyless' | 'key';
  /** The workflow URI (keyless) or the key's SHA-256 fingerprint (key). */
  identity: string;
  issuer?: string;
}

export interface SiteInput {
  index: CatalogIndex;
  records: ReadonlyMap<string, ServerRecord>;
  /** Scan reports by bundle sha256. */
  reports: ReadonlyMap<string, ScanReport>;
  policies: ReadonlyMap<string, Policy>;
  signer: SignerInfo | undefined;
  config: {
    name: string;
    description?: string;
    baseUrl?: string;
    repository?: { owner: string; name: string; branch?: string };
    branding?: { logo?: string; primaryColor?: string; footer?: string };
    categories: readonly { id: string; title: string; description?: string }[];
  };
  /** The path the site is served under, `/` or `/repo/`. */
  base: string;
  /** Renders untrusted Markdown to safe HTML: lib/markdown.ts, or a cache in front of it (site/build.ts). */
  markdown?: (source: string) => string;
}

export interface LayoutProps {
  siteName: string;
  base: string;
  /** `#rrggbb` from the config, or absent for the default. */
  primaryColor?: string;
  logo?: string;
  footerHtml?: string;
  title: string;
  description: string;
  /** Which nav item is current. */
  section?: 'home' | 'servers' | 'categories' | 'publishers' | 'policies' | 'compare' | 'submit';
  /** Canonical URL, when the catalog has a baseUrl. */
  canonical?: string;
}

export interface Card {
  name: string;
  title: string;
  description: string;
  href: string;
  trust: TrustLevel;
  trustLabel: string;
  verdict?: Verdict;
  verdictLabel?: string;
  rating: { average?: number; count: number };
  latest?: string;
  category: string;
  deprecated: boolean;
  stars?: number;
  downloads?: number;
}

export interface CategoryLink {
  id: string;
  title: string;
  description?: string;
  href: string;
  count: number;
}

export type Page =
  | { template: 'home'; route: string; props: HomeProps }
  | { template: 'browse'; route: string; props: BrowseProps }
  | { template: 'detail'; route: string; props: DetailProps }
  | { template: 'category'; route: string; props: ListProps }
  | { template: 'categories'; route: string; props: CategoriesProps }
  | { template: 'publisher'; route: string; props: ListProps }
  | { template: 'publishers'; route: string; props: PublishersProps }
  | { template: 'policy'; route: string; props: PolicyProps }
  | { template: 'policies'; route: string; props: PoliciesProps }
  | { template: 'compare'; route: string; props: SimpleProps }
  | { template: 'submit'; route: string; props: SubmitProps }
  | { template: 'not-found'; route: string; props: SimpleProps };

export type Template = Page['template'];

export interface HomeProps {
  layout: LayoutProps;
  description: string;
  counts: { servers: number; publishers: number; versions: number; sources: number };
  /** "Featured" for curated picks, "Top rated" when the catalog curates none. */
  featuredTitle: string;
  featured: Card[];
  recent: Card[];
  categories: CategoryLink[];
  /** Merge sources whose last read failed: their servers are a kept copy (docs/sources.md). */
  staleSources: { name: string; since: string; reason: string; lastGoodAt?: string; servers: number }[];
}

export interface BrowseProps {
  layout: LayoutProps;
  /** The static list shown without JavaScript (and before the search index loads). */
  cards: Card[];
  page: number;
  pages: number;
  total: number;
  /** Category ids to titles, for the facet labels. */
  categoryTitles: Record<string, string>;
  searchManifest: string;
}

export interface ListProps {
  layout: LayoutProps;
  heading: string;
  intro?: string;
  cards: Card[];
  browseHref: string;
}

export interface CategoriesProps {
  layout: LayoutProps;
  categories: CategoryLink[];
}

export interface PublishersProps {
  layout: LayoutProps;
  publishers: { namespace: string; href: string; count: number }[];
}

export interface PolicyRow {
  name: string;
  title: string;
  href: string;
  version: string;
  reasons: string[];
  requestUrl?: string;
}

export interface PolicyGroupView {
  name: string;
  description?: string;
  /** The group's overrides in words. */
  rules: string[];
  /** What the policy decides with this group's overrides, for the latest version of each server. */
  counts: Record<Decision, number>;
}

export interface PolicyProps {
  layout: LayoutProps;
  name: string;
  description: string;
  sample: boolean;
  rules: string[];
  /** Servers `installer onboard` installs for everyone. */
  autoInstall: string[];
  groups: PolicyGroupView[];
  counts: Record<Decision, number>;
  /** The first servers of each decision (all of them up to a limit). */
  allowed: PolicyRow[];
  denied: PolicyRow[];
  approval: PolicyRow[];
  limit: number;
  rawHref: string;
}

export interface PoliciesProps {
  layout: LayoutProps;
  policies: { name: string; description: string; sample: boolean; href: string; isDefault: boolean }[];
}

export interface SimpleProps {
  layout: LayoutProps;
}

export interface SubmitProps {
  layout: LayoutProps;
  repositoryUrl?: string;
  newListingUrl?: string;
}

export interface ClientSnippet {
  id: string;
  name: string;
  configFile: string;
  snippet?: string;
  deepLink?: string;
  unsupported?: string;
}

export interface InstallOption {
  id: string;
  label: string;
  kind: Launch['kind'];
  pinned: boolean;
  command?: string;
  clients: ClientSnippet[];
}

export interface FindingView {
  rule: string;
  severity: string;
  file: string;
  message: string;
  origin?: string;
  acknowledged?: { reason: string; by: string };
}

export interface SecurityView {
  label: string;
  verdict: Verdict | 'unavailable';
  verdictLabel: string;
  problem?: string;
  sha256: string;
  size?: number;
  downloadHref: string;
  attestationHref?: string;
  reportHref?: string;
  ruleset?: string;
  findings: FindingView[];
  counts?: { reject: number; review: number; info: number; acknowledged: number };
  capabilities: { own: { capability: string; count: number }[]; dependencies: { capability: string; count: number }[] };
  dependencies?: number;
  publisherSignature: string;
  signer?: SignerInfo;
}

export interface InputView {
  id: string;
  title: string;
  description?: string;
  kind: string;
  format?: string;
  required: boolean;
  secret: boolean;
  default?: string;
}

export interface ReviewView {
  login: string;
  rating: number;
  title?: string;
  bodyHtml: string;
  version: string;
  date?: string;
  useCases: string[];
  sample: boolean;
  /** Came through the review issue form, whose author GitHub confirmed is this login. */
  verified: boolean;
  profileHref: string;
  /** 👍 and 👎 on the review's thread, and the thread where people vote; absent until it has one. */
  helpful?: { up: number; down: number; threadHref: string };
  /** Place in the "most helpful" order (0 first), which the page's sort applies. */
  helpfulRank: number;
}

export interface DetailProps {
  layout: LayoutProps;
  name: string;
  title: string;
  namespace: string;
  description: string;
  overviewHtml: string;
  icon?: string;
  trust: TrustLevel;
  trustLabel: string;
  trustNote?: string;
  status: 'active' | 'deprecated';
  statusMessage?: string;
  replacedBy?: { name: string; href: string };
  /** The latest version, or the newest one when every version is yanked. */
  version: string;
  versionStatus: string;
  versionStatusMessage?: string;
  verdict?: Verdict;
  rating: Rating;
  stars?: number;
  downloads?: number;
  updated?: string;
  category: { id: string; title: string; href: string };
  publisherHref: string;
  tags: string[];
  links: { label: string; href: string }[];
  license?: string;
  importedFrom?: { registry: string; repository: string; label: string };
  screenshots: { src: string; alt: string }[];
  tools: { name: string; title?: string; description?: string; params: { name: string; required: boolean }[] }[];
  prompts: { name: string; description?: string }[];
  resources: { name: string; uri?: string; description?: string }[];
  install: { command: string; installerHref: string; options: InstallOption[] };
  inputs: InputView[];
  requirements: { platforms: string[]; runtimes: string[]; notes: string[] };
  security: SecurityView[];
  versions: {
    version: string;
    status: string;
    statusMessage?: string;
    publishedAt: string;
    changelogHtml?: string;
    verdict?: Verdict;
  }[];
  reviews: ReviewView[];
  writeReviewHref?: string;
  policies: { name: string; href: string; decision: Decision; reasons: string[]; requestUrl?: string }[];
  /** The merge source the server came from, with its state; absent for the catalog's own listings. */
  origin?: { name: string; url?: string; stale?: { since: string; reason: string }; lastGoodAt?: string };
  /** Other sources that give it too and lost the merge. */
  alsoIn: { source: string; version: string }[];
  similar: Card[];
  recordHref: string;
  compareHref: string;
}

// ---------------------------------------------------------------------------------------------

/** The route (path under the base, ending in `/`) of a server's page. */
export function serverRoute(name: string): string {
  return `servers/${name}/`;
}

function hrefOf(base: string, route: string): string {
  return `${base}${route}`;
}

/** Only https images from listings; anything else (http, data:, javascript:) is dropped. */
function httpsUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Links from listings: http(s) only. */
function webUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function buildPages(input: SiteInput): Page[] {
  const { index, base } = input;
  const markdown = input.markdown ?? renderMarkdown;
  const categoryTitles = Object.fromEntries(input.config.categories.map((c) => [c.id, c.title]));
  const categoryTitle = (id: string) => categoryTitles[id] ?? id;
  const layoutOf = (
    title: string,
    description: string,
    section?: LayoutProps['section'],
    route?: string,
  ): LayoutProps => ({
    siteName: input.config.name,
    base,
    ...(input.config.branding?.primaryColor ? { primaryColor: input.config.branding.primaryColor } : {}),
    ...(httpsUrl(input.config.branding?.logo) ? { logo: input.config.branding!.logo! } : {}),
    ...(input.config.branding?.footer ? { footerHtml: markdown(input.config.branding.footer) } : {}),
    title: title === input.config.name ? title : `${title} · ${input.config.name}`,
    description,
    ...(section ? { section } : {}),
    ...(input.config.baseUrl && route !== undefined ? { canonical: `${input.config.baseUrl}${route}` } : {}),
  });

  const servers = index.servers;
  const facets = new Map(servers.map((s) => [s.name, serverFacets(s, input.records.get(s.name))]));
  const cardOf = (server: IndexServer): Card => {
    const f = facets.get(server.name)!;
    return {
      name: server.name,
      title: server.title ?? server.name.slice(server.name.indexOf('/') + 1),
      description: server.description,
      href: hrefOf(base, serverRoute(server.name)),
      trust: server.trust,
      trustLabel: trustLabel(server.trust),
      ...(server.verdict ? { verdict: server.verdict, verdictLabel: verdictLabel(server.verdict) } : {}),
      rating: {
        ...(server.rating.average !== undefined ? { average: server.rating.average } : {}),
        count: server.rating.count,
      },
      ...(server.latest ? { latest: server.latest } : {}),
      category: categoryTitle(server.category),
      deprecated: server.status === 'deprecated',
      ...(f.stars !== undefined ? { stars: f.stars } : {}),
      ...(f.downloads !== undefined ? { downloads: f.downloads } : {}),
    };
  };
  const byName = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pages: Page[] = [];

  // Categories, with counts.
  const categoryCounts = new Map<string, number>();
  for (const s of servers) categoryCounts.set(s.category, (categoryCounts.get(s.category) ?? 0) + 1);
  const categoryLinks: CategoryLink[] = input.config.categories
    .filter((c) => categoryCounts.has(c.id))
    .map((c) => ({
      id: c.id,
      title: c.title,
      ...(c.description ? { description: c.description } : {}),
      href: hrefOf(base, `categories/${c.id}/`),
      count: categoryCounts.get(c.id)!,
    }));

  // Home.
  const namespaces = new Map<string, IndexServer[]>();
  for (const s of byName) {
    const list = namespaces.get(s.namespace) ?? [];
    list.push(s);
    namespaces.set(s.namespace, list);
  }
  const recent = [...servers]
    .sort(
      (a, b) =>
        (facets.get(b.name)!.updated ?? '').localeCompare(facets.get(a.name)!.updated ?? '') ||
        (a.name < b.name ? -1 : 1),
    )
    .slice(0, 8);
  const featured = servers.filter((s) => s.featured);
  const sources = new Set(servers.map((s) => facets.get(s.name)!.source));
  const description = input.config.description ?? index.catalog.description ?? 'A catalog of MCP servers.';
  pages.push({
    template: 'home',
    route: '',
    props: {
      layout: layoutOf(input.config.name, description, 'home', ''),
      description,
      counts: {
        servers: servers.length,
        publishers: namespaces.size,
        versions: servers.reduce((n, s) => n + s.versions.length, 0),
        sources: sources.size,
      },
      featuredTitle: featured.length > 0 ? 'Featured' : 'Top rated',
      // Without curated picks, the best-rated and most popular stand in: never a rejected or
      // deprecated one.
      featured: (featured.length > 0
        ? featured
        : servers.filter((s) => s.verdict !== 'reject' && s.status !== 'deprecated').sort(byStanding(facets))
      )
        .slice(0, 8)
        .map(cardOf),
      recent: recent.map(cardOf),
      categories: categoryLinks,
      staleSources: (index.sources ?? []).flatMap((s) =>
        s.stale
          ? [
              {
                name: s.name,
                since: s.stale.since,
                reason: s.stale.reason,
                ...(s.lastGoodAt ? { lastGoodAt: s.lastGoodAt } : {}),
                servers: s.servers,
              },
            ]
          : [],
      ),
    },
  });

  // Browse: page 1 at /servers/, then /servers/page/<n>/ for the static lists.
  const staticPages = Math.max(1, Math.ceil(byName.length / STATIC_PAGE_SIZE));
  for (let page = 1; page <= staticPages; page++) {
    const route = page === 1 ? 'servers/' : `servers/page/${page}/`;
    pages.push({
      template: 'browse',
      route,
      props: {
        layout: layoutOf(
          page === 1 ? 'Browse servers' : `Browse servers, page ${page}`,
          `Search and filter ${servers.length} MCP servers.`,
          'servers',
          route,
        ),
        cards: byName.slice((page - 1) * STATIC_PAGE_SIZE, page * STATIC_PAGE_SIZE).map(cardOf),
        page,
        pages: staticPages,
        total: byName.length,
        categoryTitles,
        searchManifest: `${base}search/manifest.json`,
      },
    });
  }

  // Categories.
  pages.push({
    template: 'categories',
    route: 'categories/',
    props: {
      layout: layoutOf('Categories', 'MCP servers by category.', 'categories', 'categories/'),
      categories: categoryLinks,
    },
  });
  for (const category of categoryLinks) {
    const route = `categories/${category.id}/`;
    pages.push({
      template: 'category',
      route,
      props: {
        layout: layoutOf(category.title, category.description ?? `${category.title} MCP servers.`, 'categories', route),
        heading: category.title,
        ...(category.description ? { intro: category.description } : {}),
        cards: byName
          .filter((s) => s.category === category.id)
          .sort(byStanding(facets))
          .map(cardOf),
        browseHref: `${hrefOf(base, 'servers/')}?category=${encodeURIComponent(category.id)}`,
      },
    });
  }

  // Publishers.
  pages.push({
    template: 'publishers',
    route: 'publishers/',
    props: {
      layout: layoutOf(
        'Publishers',
        'Everyone who publishes MCP servers in this catalog.',
        'publishers',
        'publishers/',
      ),
      publishers: [...namespaces].map(([namespace, list]) => ({
        namespace,
        href: hrefOf(base, `publishers/${namespace}/`),
        count: list.length,
      })),
    },
  });
  for (const [namespace, list] of namespaces) {
    const route = `publishers/${namespace}/`;
    pages.push({
      template: 'publisher',
      route,
      props: {
        layout: layoutOf(namespace, `MCP servers published under ${namespace}.`, 'publishers', route),
        heading: namespace,
        intro: `${list.length} server${list.length === 1 ? '' : 's'} under the ${namespace} namespace.`,
        cards: list.map(cardOf),
        browseHref: `${hrefOf(base, 'servers/')}?q=${encodeURIComponent(namespace)}`,
      },
    });
  }

  // Policies: each evaluated by the one evaluator, as of the index's generation (so a page's props
  // do not change with the clock), for the latest version of each server.
  const policySubjects = byName.map((server) => policySubject(server, input.records.get(server.name)));
  const policyNow = new Date(index.generatedAt);
  const catalogRepository = index.catalog.repository ?? repositoryOf(input);
  const evaluateAll = (policyName: string, policy: Policy, group?: string) => {
    const decisions = new Map<string, PolicyEvaluation>();
    for (const subject of policySubjects)
      decisions.set(
        subject.server.name,
        evaluatePolicy(policy, subject, {
          now: policyNow,
          policyName,
          ...(group !== undefined ? { group } : {}),
          ...(catalogRepository ? { catalogRepository } : {}),
        }),
      );
    return decisions;
  };
  const policyDecisions = new Map<string, Map<string, PolicyEvaluation>>();
  for (const [policyName, policy] of input.policies) policyDecisions.set(policyName, evaluateAll(policyName, policy));
  const policyEntries = index.policies ?? [];
  pages.push({
    template: 'policies',
    route: 'policies/',
    props: {
      layout: layoutOf(
        'Policies',
        'Install policies: what each one allows, blocks and sends for approval.',
        'policies',
        'policies/',
      ),
      policies: policyEntries.map((p) => ({
        name: p.name,
        description: p.description,
        sample: p.sample === true,
        href: hrefOf(base, `policies/${p.name}/`),
        isDefault: p.name === index.defaultPolicy,
      })),
    },
  });
  const POLICY_LIST_LIMIT = 200;
  for (const entry of policyEntries) {
    const policy = input.policies.get(entry.name);
    const decisions = policyDecisions.get(entry.name);
    if (!policy || !decisions) continue;
    const rows: Record<Decision, PolicyRow[]> = { allow: [], deny: [], 'needs-approval': [] };
    const counts: Record<Decision, number> = { allow: 0, deny: 0, 'needs-approval': 0 };
    for (const server of byName) {
      const evaluation = decisions.get(server.name)!;
      counts[evaluation.decision]++;
      const list = rows[evaluation.decision];
      if (list.length >= POLICY_LIST_LIMIT) continue;
      list.push({
        name: server.name,
        title: server.title ?? server.name,
        href: hrefOf(base, serverRoute(server.name)),
        version: (server.versions.find((v) => v.version === server.latest) ?? server.versions[0]!).version,
        reasons: evaluation.reasons.map((r) => r.message),
        ...(evaluation.requestUrl ? { requestUrl: evaluation.requestUrl } : {}),
      });
    }
    const route = `policies/${entry.name}/`;
    pages.push({
      template: 'policy',
      route,
      props: {
        layout: layoutOf(`Policy ${entry.name}`, policy.description, 'policies', route),
        name: entry.name,
        description: policy.description,
        sample: policy.sample === true,
        rules: policyRules(policy),
        autoInstall: policy.autoInstall ?? [],
        groups: Object.entries(policy.groups ?? {}).map(([group, override]) => {
          const groupCounts: Record<Decision, number> = { allow: 0, deny: 0, 'needs-approval': 0 };
          for (const evaluation of evaluateAll(entry.name, policy, group).values()) groupCounts[evaluation.decision]++;
          return {
            name: group,
            ...(override.description ? { description: override.description } : {}),
            rules: groupRules(override),
            counts: groupCounts,
          };
        }),
        counts,
        allowed: rows.allow,
        denied: rows.deny,
        approval: rows['needs-approval'],
        limit: POLICY_LIST_LIMIT,
        rawHref: hrefOf(base, entry.detail.path),
      },
    });
  }

  // Server pages.
  const similar = similarServers(
    byName.map((s) => {
      const record = input.records.get(s.name);
      return {
        name: s.name,
        category: s.category,
        tags: s.tags,
        toolNames: (record?.tools?.tools ?? []).map((t) => t.name),
      };
    }),
  );
  const serverByName = new Map(servers.map((s) => [s.name, s]));
  for (const server of byName) {
    const record = input.records.get(server.name);
    if (!record) continue;
    const policies = [...policyDecisions].map(([policyName, decisions]) => {
      const evaluation = decisions.get(server.name)!;
      return {
        name: policyName,
        href: hrefOf(base, `policies/${policyName}/`),
        decision: evaluation.decision,
        reasons: evaluation.reasons.map((r) => r.message),
        ...(evaluation.requestUrl ? { requestUrl: evaluation.requestUrl } : {}),
      };
    });
    const similarCards = (similar.get(server.name) ?? []).map((n) => cardOf(serverByName.get(n)!));
    pages.push({
      template: 'detail',
      route: serverRoute(server.name),
      props: detailProps(input, markdown, server, record, {
        layout: layoutOf(server.title ?? server.name, server.description, 'servers', serverRoute(server.name)),
        categoryTitle: categoryTitle(server.category),
        policies,
        similar: similarCards,
        facets: facets.get(server.name)!,
        replacedBy: server.replacedBy && serverByName.has(server.replacedBy) ? server.replacedBy : undefined,
      }),
    });
  }

  // Singletons.
  pages.push({
    template: 'compare',
    route: 'compare/',
    props: {
      layout: layoutOf('Compare servers', 'Compare up to three MCP servers side by side.', 'compare', 'compare/'),
    },
  });
  const repositoryUrl = repositoryOf(input);
  pages.push({
    template: 'submit',
    route: 'submit/',
    props: {
      layout: layoutOf('Submit a server', 'How to list an MCP server in this catalog.', 'submit', 'submit/'),
      ...(repositoryUrl
        ? { repositoryUrl, newListingUrl: `${repositoryUrl}/new/${branchOf(input)}/catalog/servers` }
        : {}),
    },
  });
  pages.push({
    template: 'not-found',
    route: '404.html',
    props: { layout: layoutOf('Page not found', 'This page does not exist.') },
  });
  return pages;
}

/** Weight of the prior in the Bayesian average: as if every server had this many 3-star reviews. */
const PRIOR_REVIEWS = 3;
const PRIOR_RATING = 3;

/**
 * Rated and popular first: the order of category pages and the home page's stand-in picks. The
 * rating is a Bayesian average, so one 1-star review ranks below no review at all, and one 5-star
 * review below many 4.5s.
 */
function byStanding(facets: ReadonlyMap<string, ReturnType<typeof serverFacets>>) {
  const score = (s: IndexServer) => {
    const total = (s.rating.average ?? 0) * s.rating.count;
    const rating = (PRIOR_RATING * PRIOR_REVIEWS + total) / (PRIOR_REVIEWS + s.rating.count);
    return rating + Math.log10(1 + (facets.get(s.name)!.stars ?? 0)) / 2;
  };
  return (a: IndexServer, b: IndexServer) => score(b) - score(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function repositoryOf(input: SiteInput): string | undefined {
  const repo = input.config.repository;
  return repo ? `https://github.com/${repo.owner}/${repo.name}` : undefined;
}

function branchOf(input: SiteInput): string {
  return input.config.repository?.branch ?? 'main';
}

/**
 * What the policy evaluator reads about a server: the index entry (name, trust, category, status,
 * versions) and the record's artifacts (scan verdicts, capabilities, signatures, runtime).
 */
export function policySubject(server: IndexServer, record: ServerRecord | undefined): PolicySubject {
  const version = server.versions.find((v) => v.version === server.latest) ?? server.versions[0]!;
  const recordVersion = record?.versions.find((v) => v.version === version.version);
  return {
    server: { name: server.name, trust: server.trust, category: server.category, status: server.status },
    version,
    ...(server.origin ? { origin: server.origin } : {}),
    ...(recordVersion ? { record: recordVersion } : {}),
  };
}

/** The policy's rules in words, in the evaluator's order. */
export function policyRules(policy: Policy): string[] {
  const rules = ruleWords(policy);
  // The evaluator's default for bundles, said even when the policy leaves it out.
  if (policy.maxScanVerdict === undefined)
    rules.push('Allows bundles whose scan passed or whose findings a maintainer acknowledged.');
  if (policy.autoInstall?.length) rules.push(`Onboards everyone with ${policy.autoInstall.join(', ')}.`);
  if (policy.groups) rules.push(`Has groups with their own rules: ${Object.keys(policy.groups).join(', ')}.`);
  return rules;
}

/** A group's overrides in words: replaced rules, and what it adds to the base lists. */
export function groupRules(group: PolicyGroup): string[] {
  return ruleWords(group, true);
}

const capabilityWords = (list: readonly string[] | undefined) => (list?.length ? list.join(', ') : undefined);

function ruleWords(policy: Policy | PolicyGroup, inGroup = false): string[] {
  const rules: string[] = [];
  if (policy.deny) rules.push(`${inGroup ? 'Also blocks' : 'Blocks'} ${describeSelector(policy.deny)}.`);
  if (policy.allow) rules.push(`Allows only ${describeSelector(policy.allow)}.`);
  if (policy.minTrust) rules.push(`Needs trust level ${trustLabel(policy.minTrust)} or higher.`);
  if (policy.allowDeprecated === false) rules.push('Blocks deprecated versions and servers.');
  if (policy.allowPrereleases === false) rules.push('Blocks prereleases.');
  if (policy.allowPrereleases === true && inGroup) rules.push('Allows prereleases.');
  if (policy.minAgeDays !== undefined)
    rules.push(`Waits ${policy.minAgeDays} day(s) after a version is published before it may be installed.`);
  if (policy.registryTypes?.length)
    rules.push(`Allows only these package types: ${policy.registryTypes.map(typeLabel).join(', ')}.`);
  if (policy.runtimes?.length) rules.push(`Allows only these runtimes: ${policy.runtimes.join(', ')}.`);
  if (policy.transports?.length) rules.push(`Allows only these transports: ${policy.transports.join(', ')}.`);
  if (policy.allowRemotes === false) rules.push('Blocks hosted (remote) servers.');
  if (policy.allowUnversioned === false) rules.push('Blocks listings and packages without a pinned, reviewed version.');
  if (policy.maxScanVerdict === 'pass') rules.push('Allows bundles only with a clean scan.');
  else if (policy.maxScanVerdict === 'review')
    rules.push('Allows bundles whose scan passed or whose findings a maintainer acknowledged.');
  const own = capabilityWords(policy.denyCapabilities?.own);
  const deps = capabilityWords(policy.denyCapabilities?.dependencies);
  if (own) rules.push(`${inGroup ? 'Also blocks' : 'Blocks'} bundles whose own code uses ${own}.`);
  if (deps) rules.push(`${inGroup ? 'Also blocks' : 'Blocks'} bundles whose dependencies use ${deps}.`);
  if (policy.denyCapabilities?.unscanned === 'allow')
    rules.push('Allows packages the catalog did not scan despite the capability rules.');
  else if (own || deps)
    rules.push('Blocks packages the catalog did not scan (npm, PyPI, OCI), whose capabilities are unknown.');
  if (policy.requireCatalogSignature) rules.push("Needs the catalog's signature (attestation) on what it installs.");
  if (policy.requirePublisherSignature) rules.push('Needs a trusted publisher signature (mcpb sign) on bundles.');
  const approval = policy.requireApproval;
  if (approval?.servers) rules.push(`Sends ${describeSelector(approval.servers)} for approval.`);
  for (const entry of approval?.approved ?? [])
    rules.push(
      `Approved: ${entry.server} ${entry.versions}${entry.group ? ` for group ${entry.group}` : ''}, by ${entry.by} on ${entry.at.slice(0, 10)} (issue #${entry.issue}).`,
    );
  if (inGroup && policy.autoInstall?.length) rules.push(`Also onboards with ${policy.autoInstall.join(', ')}.`);
  return rules;
}

interface DetailContext {
  layout: LayoutProps;
  categoryTitle: string;
  policies: DetailProps['policies'];
  similar: Card[];
  facets: ReturnType<typeof serverFacets>;
  replacedBy: string | undefined;
}

function detailProps(
  input: SiteInput,
  markdown: (source: string) => string,
  server: IndexServer,
  record: ServerRecord,
  context: DetailContext,
): DetailProps {
  const { base } = input;
  const shown = record.versions.find((v) => v.version === server.latest) ?? record.versions[0]!;
  const key = defaultServerKey(server.name);
  const launches = launchOptions(record, shown.version);
  const installerHref = input.config.baseUrl ? `${input.config.baseUrl}install.mjs` : `${base}install.mjs`;
  const installLine = `node install.mjs install ${server.name}`;
  const command = input.config.baseUrl ? `curl -fsSLO ${input.config.baseUrl}install.mjs\n${installLine}` : installLine;

  const options: InstallOption[] = launches.map((launch) => ({
    id: launch.id,
    label: launch.label,
    kind: launch.kind,
    pinned: launch.pinned,
    ...(launch.command ? { command: [launch.command, ...(launch.args ?? [])].join(' ') } : {}),
    clients: CLIENT_IDS.map((client) => {
      const info = CLIENTS[client];
      const support = supports(client, launch);
      const link = support.ok ? deepLink(client, key, launch) : undefined;
      return {
        id: client,
        name: info.name,
        configFile: info.configFile.linux,
        ...(support.ok ? { snippet: configSnippet(client, key, launch) } : { unsupported: support.reason }),
        ...(link ? { deepLink: link } : {}),
      };
    }),
  }));

  const inputs = new Map<string, InputView>();
  for (const launch of launches)
    for (const i of launch.inputs)
      if (!inputs.has(i.id))
        inputs.set(i.id, {
          id: i.id,
          title: i.title,
          ...(i.description ? { description: i.description } : {}),
          kind: i.kind,
          ...(i.format ? { format: i.format } : {}),
          required: i.required,
          secret: i.secret,
          ...(i.default !== undefined ? { default: i.default } : {}),
        });

  const security: SecurityView[] = shown.artifacts.map((artifact) => {
    const pkg = shown.packages[artifact.package];
    const report = artifact.scan ? input.reports.get(artifact.sha256) : undefined;
    const acknowledgements = artifact.scan?.acknowledgements ?? [];
    const findings: FindingView[] = (report?.findings ?? []).map((f) => {
      const ack =
        f.severity === 'review'
          ? acknowledgements.find((a) => a.rule === f.rule && (a.file === undefined || a.file === f.file))
          : undefined;
      return {
        rule: f.rule,
        severity: f.severity,
        file: f.file,
        message: f.message,
        ...(f.origin ? { origin: f.origin } : {}),
        ...(ack ? { acknowledged: { reason: ack.reason, by: ack.by } } : {}),
      };
    });
    const verdict = artifact.status === 'verified' ? (artifact.scan?.verdict ?? 'reject') : 'unavailable';
    const caps = (list: { capability: string; count: number }[] | undefined) =>
      (list ?? []).map(({ capability, count }) => ({ capability, count }));
    return {
      label: pkg
        ? `${typeLabel(pkg.registryType)} ${artifact.url.slice(artifact.url.lastIndexOf('/') + 1)}`
        : artifact.url,
      verdict,
      verdictLabel: verdict === 'unavailable' ? 'Not verified' : verdictLabel(verdict),
      ...(artifact.problem ? { problem: artifact.problem } : {}),
      sha256: artifact.sha256,
      ...(artifact.size !== undefined ? { size: artifact.size } : {}),
      downloadHref: isAbsolute(artifact.url) ? artifact.url : `${base}${artifact.url}`,
      ...(artifact.attestation ? { attestationHref: `${base}${artifact.attestation}` } : {}),
      ...(artifact.scan ? { reportHref: `${base}${artifact.scan.report.path}` } : {}),
      ...(artifact.scan ? { ruleset: `${artifact.scan.ruleset.name} ${artifact.scan.ruleset.version}` } : {}),
      findings,
      ...(artifact.scan
        ? { counts: { ...artifact.scan.findings, acknowledged: artifact.scan.acknowledged ?? 0 } }
        : {}),
      capabilities: {
        own: caps(artifact.scan?.capabilities?.own),
        dependencies: caps(artifact.scan?.capabilities?.dependencies),
      },
      ...(report ? { dependencies: report.dependencies.length } : {}),
      publisherSignature: artifact.publisherSignature
        ? `${artifact.publisherSignature.status}${artifact.publisherSignature.signer ? ` (${artifact.publisherSignature.signer})` : ''}`
        : 'unsigned',
      ...(input.signer && artifact.attestation ? { signer: input.signer } : {}),
    };
  });

  const runtimes = new Set(context.facets.runtimes.map(runtimeLabel));
  const notes: string[] = [];
  for (const artifact of shown.artifacts) {
    const declared =
      (artifact.compatibility as { runtimes?: Record<string, string>; claude_desktop?: string } | undefined) ?? {};
    for (const [runtime, range] of Object.entries(declared.runtimes ?? {}))
      notes.push(`${runtimeLabel(runtime)} ${range}`);
    if (declared.claude_desktop) notes.push(`Claude Desktop ${declared.claude_desktop}`);
  }
  for (const launch of launches)
    for (const r of launch.runtimes) runtimes.add(r === 'uv' ? 'uv (Python)' : runtimeLabel(r));

  const links: { label: string; href: string }[] = [];
  const repo = webUrl(record.source?.repository);
  if (repo) links.push({ label: 'Source', href: repo });
  const website = webUrl(record.source?.website);
  if (website && website !== repo) links.push({ label: 'Website', href: website });
  const docs = webUrl(record.documentation);
  if (docs) links.push({ label: 'Documentation', href: docs });
  const support = webUrl(record.support?.url);
  if (support) links.push({ label: 'Support', href: support });

  const declared = record.tools ?? {};
  const pinnedTools = shown.artifacts.flatMap((a) => a.tools ?? []);
  const tools =
    declared.tools && declared.tools.length > 0
      ? declared.tools.map((t) => {
          const schema = (t.inputSchema ?? {}) as { properties?: Record<string, unknown>; required?: string[] };
          return {
            name: t.name,
            ...(t.title ? { title: t.title } : {}),
            ...(t.description ? { description: t.description } : {}),
            params: Object.keys(schema.properties ?? {}).map((name) => ({
              name,
              required: (schema.required ?? []).includes(name),
            })),
          };
        })
      : pinnedTools.map((t) => ({ name: t.name, params: [] }));

  const repositoryUrl = repositoryOf(input);
  const writeReviewHref = repositoryUrl
    ? `${repositoryUrl}/new/${branchOf(input)}/catalog/reviews/${server.name}?filename=${encodeURIComponent('YOUR-GITHUB-LOGIN.json')}&value=${encodeURIComponent(
        JSON.stringify(
          {
            $schema: '../../../../schemas/review.schema.json',
            rating: 5,
            title: '',
            body: '',
            version: shown.version,
            useCases: [],
          },
          null,
          2,
        ) + '\n',
      )}`
    : undefined;

  const icon = (record as ServerRecord & { icons?: { src: string }[] }).icons
    ?.map((i) => httpsUrl(i.src))
    .find(Boolean);
  return {
    layout: context.layout,
    name: server.name,
    title: server.title ?? server.name.slice(server.name.indexOf('/') + 1),
    namespace: server.namespace,
    description: record.description,
    overviewHtml: markdown(record.longDescription ?? record.description),
    ...(icon ? { icon } : {}),
    trust: record.trust,
    trustLabel: trustLabel(record.trust),
    ...(record.trustNote ? { trustNote: record.trustNote } : {}),
    status: record.status,
    ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
    ...(context.replacedBy
      ? { replacedBy: { name: context.replacedBy, href: `${base}${serverRoute(context.replacedBy)}` } }
      : {}),
    version: shown.version,
    versionStatus: shown.status,
    ...(shown.statusMessage ? { versionStatusMessage: shown.statusMessage } : {}),
    ...(server.verdict ? { verdict: server.verdict } : {}),
    rating: record.rating,
    ...(context.facets.stars !== undefined ? { stars: context.facets.stars } : {}),
    ...(context.facets.downloads !== undefined ? { downloads: context.facets.downloads } : {}),
    ...(context.facets.updated ? { updated: context.facets.updated } : {}),
    category: { id: server.category, title: context.categoryTitle, href: `${base}categories/${server.category}/` },
    publisherHref: `${base}publishers/${server.namespace}/`,
    tags: record.tags,
    links,
    ...(record.license ? { license: record.license } : {}),
    ...(record.importedFrom
      ? {
          importedFrom: {
            registry: record.importedFrom.registry,
            repository: webUrl(record.importedFrom.repository) ?? '',
            label: sourceLabel(record.importedFrom.registry),
          },
        }
      : {}),
    screenshots: (record.screenshots ?? []).flatMap((s) => {
      const src = httpsUrl(s.src);
      return src ? [{ src, alt: s.alt }] : [];
    }),
    tools,
    prompts: (declared.prompts ?? []).map((p) => ({
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
    })),
    resources: (declared.resources ?? []).map((r) => ({
      name: r.name,
      ...(r.uri ? { uri: r.uri } : {}),
      ...(r.description ? { description: r.description } : {}),
    })),
    install: { command, installerHref, options },
    inputs: [...inputs.values()],
    requirements: {
      platforms: context.facets.platforms.map(platformLabel),
      runtimes: [...runtimes],
      notes,
    },
    security,
    versions: record.versions.map((v) => {
      const verdict = server.versions.find((iv) => iv.version === v.version)?.verdict;
      return {
        version: v.version,
        status: v.status,
        ...(v.statusMessage ? { statusMessage: v.statusMessage } : {}),
        publishedAt: v.publishedAt,
        ...(v.changelog ? { changelogHtml: markdown(v.changelog) } : {}),
        ...(verdict ? { verdict } : {}),
      };
    }),
    reviews: reviewViews(record.reviews, markdown),
    ...(writeReviewHref ? { writeReviewHref } : {}),
    policies: context.policies,
    ...originOf(server, input.index),
    alsoIn: server.alsoIn ?? [],
    similar: context.similar,
    recordHref: `${base}${server.detail.path}`,
    compareHref: `${base}compare/?s=${encodeURIComponent(server.name)}`,
  };
}

/** The server's merge source and that source's state, from the index's `sources`. */
function originOf(server: IndexServer, index: SiteInput['index']): Pick<DetailProps, 'origin'> {
  if (!server.origin) return {};
  const state = index.sources?.find((s) => s.name === server.origin);
  return {
    origin: {
      name: server.origin,
      ...(state && httpsUrl(state.url) ? { url: state.url } : {}),
      ...(state?.stale ? { stale: { since: state.stale.since, reason: state.stale.reason } } : {}),
      ...(state?.lastGoodAt ? { lastGoodAt: state.lastGoodAt } : {}),
    },
  };
}

function isAbsolute(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** The reviews as the page shows them, in the record's order, each with its "most helpful" rank. */
export function reviewViews(reviews: readonly PublishedReview[], markdown: (text: string) => string): ReviewView[] {
  const byHelpful = reviews
    .map((review, i) => ({ review, i }))
    .sort((a, b) => compareHelpful(a.review, b.review) || a.i - b.i);
  const rank = new Map(byHelpful.map(({ i }, position) => [i, position]));
  return reviews.map((r, i) => ({
    login: r.login,
    rating: r.rating,
    ...(r.title ? { title: r.title } : {}),
    bodyHtml: markdown(r.body),
    version: r.version,
    ...(r.publishedAt ? { date: r.publishedAt } : {}),
    useCases: r.useCases ?? [],
    sample: r.sample === true,
    verified: r.verified === true,
    profileHref: `https://github.com/${encodeURIComponent(r.login)}`,
    // The thread URL is the build's own (from the GitHub API), but it is still checked like any link.
    ...(r.helpful && /^https:\/\//.test(r.helpful.thread)
      ? { helpful: { up: r.helpful.up, down: r.helpful.down, threadHref: r.helpful.thread } }
      : {}),
    helpfulRank: rank.get(i) ?? i,
  }));
}
