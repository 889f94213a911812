import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsCatalogReader } from './adapters/catalog-fs.ts';
import { PUBLISHER_META_KEY, REPO_ROOT } from './core/schema-files.ts';
import { loadCatalog } from './stages/load.ts';
import { validateCatalog } from './stages/validate.ts';
import type { Listing, Review } from './core/schema-types.gen.ts';

/** The bundled sample catalog is what `npm run build` and the site show: it must stay valid and honest. */
const catalog = await loadCatalog({ reader: fsCatalogReader(REPO_ROOT) });
const listings = catalog.files.filter((f) => f.location.kind === 'listing').map((f) => f.json!.value as Listing);

describe('sample catalog', () => {
  it('is valid', () => {
    expect(validateCatalog({ catalog }).issues).toEqual([]);
  });

  it('holds at least 60 real servers from all three sources, some with several versions and some deprecated', () => {
    const servers = new Set(listings.map((l) => l.name));
    expect(servers.size).toBeGreaterThanOrEqual(60);
    const registries = new Set(listings.flatMap((l) => l._meta?.[PUBLISHER_META_KEY]?.importedFrom?.registry ?? []));
    expect(registries).toEqual(new Set(['official', 'mcpm', 'docker']));
    const versions = new Map<string, number>();
    for (const l of listings) versions.set(l.name, (versions.get(l.name) ?? 0) + 1);
    expect([...versions.values()].some((n) => n > 1)).toBe(true);
    const deprecated = catalog.files.filter(
      (f) => f.location.kind === 'status' && (f.json?.value as { status?: string }).status === 'deprecated',
    );
    expect(deprecated.length).toBeGreaterThanOrEqual(3);
  });

  it('hosts at least three real bundles in catalog/bundles/, each listed with the sha256 of its bytes', async () => {
    const hosted = listings.flatMap((l) =>
      (l.packages ?? []).flatMap((p) => (p.registryType === 'mcpb' && p.identifier.startsWith('bundles/') ? [p] : [])),
    );
    expect(hosted.length).toBeGreaterThanOrEqual(3);
    for (const pkg of hosted) {
      const bytes = await readFile(join(REPO_ROOT, 'catalog', pkg.identifier));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(pkg.fileSha256);
    }
  });

  it('marks every review and policy as sample data', () => {
    const reviews = catalog.files.filter((f) => f.location.kind === 'review');
    const policies = catalog.files.filter((f) => f.location.kind === 'policy');
    expect(reviews.length).toBeGreaterThan(3);
    expect(policies.length).toBe(2);
    for (const review of reviews) {
      expect((review.json?.value as Review).sample).toBe(true);
      expect(review.location.kind === 'review' && review.location.login).toMatch(/^sample-reviewer-/);
    }
    for (const policy of policies) expect((policy.json?.value as { sample?: boolean }).sample).toBe(true);
  });
});
