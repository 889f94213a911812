/**
 * The pages this build renders, handed from site/build.ts to the page templates' getStaticPaths.
 * In a build they travel in memory (Astro prerenders in the same process); `npm run dev` writes
 * them to the file named by SITE_PLAN.
 */
import { readFileSync } from 'node:fs';
import type { Page, Template } from './lib/pages.ts';

export const PLAN_GLOBAL = '__mcpCatalogSitePlan';

export interface SitePlan {
  pages: Page[];
}

let fromFile: SitePlan | undefined;

export function plannedPages(): Page[] {
  const inMemory = (globalThis as Record<string, unknown>)[PLAN_GLOBAL] as SitePlan | undefined;
  if (inMemory) return inMemory.pages;
  const file = process.env.SITE_PLAN;
  if (!file)
    throw new Error('No site plan: build the site with `npm run build` (or `npm run dev`), not `astro build`.');
  fromFile ??= JSON.parse(readFileSync(file, 'utf8')) as SitePlan;
  return fromFile.pages;
}

/** The planned page of a template with a fixed route (the 404 page), if this build renders it. */
export function plannedPage<T extends Template>(template: T): Extract<Page, { template: T }> | undefined {
  return plannedPages().find((p): p is Extract<Page, { template: T }> => p.template === template);
}
