/** Which figures to ask for, per server: its GitHub repository, npm packages, release bundles and reviews. */
import type { Listing } from '../core/schema-types.gen.ts';
import type { LoadedCatalog } from './load.ts';
import { publishedReviews } from './review-votes.ts';
import { repositoryOf, type StatsServer } from './stats.ts';

export function statsTargets(catalog: LoadedCatalog): StatsServer[] {
  const servers = new Map<string, { repository?: string; npm: Set<string>; releases: boolean }>();
  for (const file of catalog.files) {
    if (file.location.kind !== 'listing' || !file.json?.value) continue;
    const listing = file.json.value as Listing;
    const server = servers.get(listing.name) ?? { npm: new Set<string>(), releases: false };
    if (listing.repository?.url) server.repository = listing.repository.url;
    for (const pkg of listing.packages ?? []) {
      if (pkg.registryType === 'npm') server.npm.add(pkg.identifier);
      if (
        pkg.registryType === 'mcpb' &&
        /^https:\/\/github\.com\/[^/]+\/[^/]+\/releases\/download\//.test(pkg.identifier)
      )
        server.releases = true;
    }
    servers.set(listing.name, server);
  }
  const reviewers = new Map<string, string[]>();
  for (const { server, review } of publishedReviews(catalog)) {
    const logins = reviewers.get(server) ?? [];
    logins.push(review.login.toLowerCase());
    reviewers.set(server, logins);
  }
  return [...servers].map(([name, s]) => {
    const repository = s.repository ? repositoryOf(s.repository) : undefined;
    return {
      name,
      ...(repository ? { repository } : {}),
      npmPackages: [...s.npm].sort(),
      hasReleaseBundles: s.releases && repository !== undefined,
      reviewers: reviewers.get(name) ?? [],
    };
  });
}
