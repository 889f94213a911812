/**
 * The facets a server is browsed by (package type, runtime, transport, platform, source) and the
 * figures it is sorted by, derived once from the published index entry and record. The search
 * index stores them beside each server (search.ts), so the site filters and sorts in the browser
 * with no second data file; the site's static pages use the same function.
 *
 * Pure and browser-safe: no Node modules.
 */
import type { IndexServer, ServerRecord } from '../core/schema-types.gen.ts';

/** Operating systems as MCPB `compatibility.platforms` names them. */
export const PLATFORMS = ['darwin', 'linux', 'win32'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface ServerFacets {
  /** Registry types of the latest version's packages (`mcpb`, `npm`, `pypi`, `oci`, `nuget`). */
  packageTypes: string[];
  /** What must be installed to run it: `node`, `python`, `docker`, `dotnet`, `binary`. */
  runtimes: string[];
  /** `local` (a package to run) and/or `remote` (a hosted endpoint). */
  transports: ('local' | 'remote')[];
  /** Platforms it runs on; every platform unless a bundle restricts them. */
  platforms: Platform[];
  /** Where the listing came from: the merge source it came from (`origin`), else the upstream registry it was imported from, else `catalog`. */
  source: string;
  /** GitHub stars, when fetched. */
  stars?: number;
  /** npm weekly downloads plus `.mcpb` release downloads, when fetched. */
  downloads?: number;
  /** Day the latest version entered the catalog, `YYYY-MM-DD`. */
  updated?: string;
}

const RUNTIME_OF_REGISTRY: Record<string, string> = { npm: 'node', pypi: 'python', oci: 'docker', nuget: 'dotnet' };
const RUNTIME_OF_SERVER_TYPE: Record<string, string> = {
  node: 'node',
  python: 'python',
  uv: 'python',
  binary: 'binary',
};

export function serverFacets(server: IndexServer, record: ServerRecord | undefined): ServerFacets {
  const latest = server.versions.find((v) => v.version === server.latest) ?? server.versions[0];
  const recordVersion = record?.versions.find((v) => v.version === latest?.version);
  const packageTypes = new Set<string>();
  const runtimes = new Set<string>();
  let platforms: Set<Platform> | undefined;
  for (const [i, pkg] of (latest?.packages ?? []).entries()) {
    packageTypes.add(pkg.registryType);
    const artifact = recordVersion?.artifacts.find((a) => a.package === i);
    const runtime =
      pkg.registryType === 'mcpb'
        ? RUNTIME_OF_SERVER_TYPE[artifact?.serverType ?? '']
        : RUNTIME_OF_REGISTRY[pkg.registryType];
    if (runtime) runtimes.add(runtime);
    const declared = (artifact?.compatibility as { platforms?: unknown } | undefined)?.platforms;
    if (Array.isArray(declared)) {
      const allowed = PLATFORMS.filter((p) => declared.includes(p));
      platforms = new Set([...(platforms ?? []), ...allowed]);
    }
  }
  const transports: ServerFacets['transports'] = [];
  if ((latest?.packages.length ?? 0) > 0) transports.push('local');
  if ((latest?.remotes.length ?? 0) > 0) transports.push('remote');
  const { stars, npmWeeklyDownloads, releaseDownloads } = server.stats;
  const downloaded =
    npmWeeklyDownloads || releaseDownloads
      ? (npmWeeklyDownloads?.value ?? 0) + (releaseDownloads?.value ?? 0)
      : undefined;
  return {
    packageTypes: [...packageTypes].sort(),
    runtimes: [...runtimes].sort(),
    transports,
    // Remote-only servers and packages without a bundle manifest run wherever their client does.
    platforms: platforms ? PLATFORMS.filter((p) => platforms.has(p)) : [...PLATFORMS],
    source: server.origin ?? server.source?.importedFrom ?? 'catalog',
    ...(stars ? { stars: stars.value } : {}),
    ...(downloaded !== undefined ? { downloads: downloaded } : {}),
    ...(latest ? { updated: latest.publishedAt.slice(0, 10) } : {}),
  };
}
