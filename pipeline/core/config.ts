/**
 * catalog.config.json with its defaults. A fork writes only the keys it changes; everything
 * else comes from here, so the config file stays short.
 */
import type { CatalogConfig, CatalogSource, RegistrySource, TrustLevel } from './schema-types.gen.ts';

export type ResolvedConfig = CatalogConfig &
  Required<
    Pick<CatalogConfig, 'name' | 'categories' | 'defaultTrust' | 'namespaceOwners' | 'trustedPublishers' | 'sources'>
  >;

export const DEFAULT_CATEGORIES: NonNullable<CatalogConfig['categories']> = [
  { id: 'development', title: 'Development', description: 'Code, repositories, build and developer tooling.' },
  { id: 'devops', title: 'DevOps & Cloud', description: 'Infrastructure, deployment, monitoring and cloud services.' },
  { id: 'data', title: 'Data & Databases', description: 'Databases, warehouses, spreadsheets and data access.' },
  { id: 'analytics', title: 'Analytics', description: 'Metrics, BI, product and web analytics.' },
  { id: 'ai-ml', title: 'AI & ML', description: 'Models, agents, memory and machine-learning services.' },
  { id: 'search', title: 'Search & Web', description: 'Web search, scraping, browsing and fetching.' },
  { id: 'knowledge', title: 'Knowledge & Docs', description: 'Documentation, wikis, notes and knowledge bases.' },
  { id: 'productivity', title: 'Productivity', description: 'Tasks, calendars, documents and office tools.' },
  { id: 'communication', title: 'Communication', description: 'Chat, e-mail and messaging.' },
  { id: 'business', title: 'Business', description: 'CRM, commerce, marketing and professional applications.' },
  { id: 'finance', title: 'Finance', description: 'Payments, markets, accounting and crypto.' },
  { id: 'security', title: 'Security', description: 'Security scanning, secrets, identity and compliance.' },
  { id: 'media', title: 'Media & Design', description: 'Images, video, audio, music and design tools.' },
  { id: 'system', title: 'System', description: 'Local files, shell, operating system and MCP utilities.' },
  { id: 'location', title: 'Location & Travel', description: 'Maps, geodata, transport and travel.' },
  { id: 'other', title: 'Other', description: 'Everything that fits no other category.' },
];

export function resolveConfig(config: CatalogConfig | undefined): ResolvedConfig {
  return {
    ...config,
    name: config?.name ?? 'MCP Catalog',
    categories: config?.categories ?? DEFAULT_CATEGORIES,
    defaultTrust: config?.defaultTrust ?? 'unverified',
    namespaceOwners: config?.namespaceOwners ?? {},
    trustedPublishers: config?.trustedPublishers ?? [],
    sources: config?.sources ?? [],
  };
}

/** A source the build merges into the index (docs/sources.md), as opposed to an import-time upstream. */
export type MergeSourceConfig = CatalogSource | RegistrySource;

/** A merge source with its defaults filled in. */
export type ResolvedSource = (
  | Omit<CatalogSource, 'trust' | 'priority' | 'include' | 'exclude' | 'enabled'>
  | Omit<RegistrySource, 'trust' | 'priority' | 'include' | 'exclude' | 'enabled'>
) & {
  trust: TrustLevel;
  priority: number;
  /** Name globs; empty means every server. */
  include: string[];
  exclude: string[];
  /** Position in `sources`, for config pointers and for ties in priority. */
  position: number;
};

/**
 * The enabled `catalog` and `registry` sources, in config order, with their defaults: the trust of
 * the catalog's own unlisted servers, priority 0, no filters. `official`, `mcpm` and `docker`
 * entries are for `catalog import` and are left out.
 */
export function configuredSources(config: ResolvedConfig): ResolvedSource[] {
  const out: ResolvedSource[] = [];
  config.sources.forEach((source, position) => {
    if (source.type !== 'catalog' && source.type !== 'registry') return;
    if (source.enabled === false) return;
    const { trust, priority, include, exclude, enabled: _enabled, ...rest } = source;
    out.push({
      ...rest,
      trust: trust ?? config.defaultTrust,
      priority: priority ?? 0,
      include: include ?? [],
      exclude: exclude ?? [],
      position,
    });
  });
  return out;
}
