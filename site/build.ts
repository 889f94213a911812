/**
 * Stage 9, the site: renders the pages of the catalog into dist/, beside the data they come from.
 *
 * Astro renders; this stage decides what it renders. Every page's props (lib/pages.ts) are its
 * whole input, so a page whose props digest, and the site's own code, are unchanged since the
 * last build is not rendered again: a rebuild after one changed listing renders that server's
 * page, the lists it appears in, and the handful of pages that show counts. At 10,000 servers
 * that is the difference between rendering ~13,000 pages and ~300 (see bench/site.ts).
 *
 * Astro empties its output folder, so it builds into .cache/site/out/, and the dist writer moves
 * the rendered files into dist/ with its own manifest (`.site-manifest.json`): pages that were
 * not rendered stay, pages of servers that are gone are removed, and nothing the pipeline wrote
 * is touched. Run as a script (`node site/build.ts [--dist DIR]`) or from pipeline/run.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { atomicWrite, writeDist, type DistCopy } from '../pipeline/adapters/dist-writer.ts';
import type { ResolvedConfig } from '../pipeline/core/config.ts';
import { mapLimit } from '../pipeline/core/concurrency.ts';
import { readDist } from './data.ts';
import { renderMarkdown } from './src/lib/markdown.ts';
import { buildPages, type Page } from './src/lib/pages.ts';
import { PLAN_GLOBAL, type SitePlan } from './src/plan.ts';

export const SITE_DIR = import.meta.dirname;
const SITE_PAGES = '.site-pages.json';
const SITE_MANIFEST = '.site-manifest.json';

export interface SiteBuildInput {
  /** The repository root (for .cache/). */
  root: string;
  dist: string;
  config: ResolvedConfig;
  /** The index and records the pipeline just emitted, when it runs the site itself. */
  emitted?: Parameters<typeof readDist>[1];
  log?: (message: string) => void;
}

export interface SiteBuildResult {
  pages: number;
  rendered: number;
  written: number;
  removed: number;
}

/** The path the site is served under: the path of `baseUrl`, or `/`. */
export function basePath(config: Pick<ResolvedConfig, 'baseUrl'>): string {
  if (!config.baseUrl) return '/';
  const path = new URL(config.baseUrl).pathname;
  return path.endsWith('/') ? path : `${path}/`;
}

/** The file a route is written to. */
export function fileOfRoute(route: string): string {
  return route.endsWith('.html') ? route : `${route}index.html`;
}

export function pageDigest(page: Page): string {
  return createHash('sha256').update(page.template).update('\0').update(JSON.stringify(page.props)).digest('hex');
}

/** Digest of everything that shapes a page besides its props: the site's code and Astro's version. */
async function siteCodeDigest(base: string): Promise<string> {
  const hash = createHash('sha256').update(base).update('\0');
  const files: string[] = [];
  for (const dir of ['src', 'public']) {
    const entries = await readdir(join(SITE_DIR, dir), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  }
  files.push(join(SITE_DIR, 'astro.config.mjs'), join(SITE_DIR, 'build.ts'));
  files.push(join(SITE_DIR, '../pipeline/core/client-config.ts'));
  files.push(join(SITE_DIR, '../pipeline/core/policy.ts'), join(SITE_DIR, '../pipeline/emit/search-client.ts'));
  files.push(join(SITE_DIR, '../pipeline/emit/facets.ts'), join(SITE_DIR, '../node_modules/astro/package.json'));
  for (const file of files.sort()) {
    hash.update(relative(SITE_DIR, file).split(sep).join('/')).update('\0');
    hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex');
}

interface PagesState {
  code: string;
  pages: Record<string, string>;
}

async function readPagesState(dist: string): Promise<PagesState> {
  try {
    const value = JSON.parse(await readFile(join(dist, SITE_PAGES), 'utf8')) as PagesState;
    return typeof value.code === 'string' && value.pages && typeof value.pages === 'object'
      ? value
      : { code: '', pages: {} };
  } catch {
    return { code: '', pages: {} };
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

export async function buildSite(input: SiteBuildInput): Promise<SiteBuildResult> {
  const log = input.log ?? (() => {});
  const started = performance.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const { dist, config } = input;
  const base = basePath(config);
  const data = await readDist(dist, input.emitted);
  phase('read');
  const markdown = await markdownCache(join(input.root, '.cache/site/markdown.json'));
  const pages = buildPages({ ...data, config, base, markdown: markdown.render });
  await markdown.save();
  phase('plan');

  // Which pages to render: those whose props or the site's code changed, or whose file is gone.
  const previous = await readPagesState(dist);
  const code = await siteCodeDigest(base);
  const digests: Record<string, string> = {};
  const render: Page[] = [];
  for (const page of pages) {
    const digest = pageDigest(page);
    digests[page.route] = digest;
    const same = previous.code === code && previous.pages[page.route] === digest;
    if (!same || !existsSync(join(dist, fileOfRoute(page.route)))) render.push(page);
  }
  // Astro renders the 404 page (a fixed route outside the planned ones) in every build it runs.
  const notFound = pages.find((p) => p.template === 'not-found');
  if (render.length > 0 && notFound && !render.includes(notFound)) render.push(notFound);

  const work = join(input.root, '.cache/site');
  const out = join(work, 'out');
  await rm(out, { recursive: true, force: true });
  if (render.length > 0) {
    await mkdir(work, { recursive: true });
    const plan: SitePlan = { pages: render };
    (globalThis as Record<string, unknown>)[PLAN_GLOBAL] = plan;
    try {
      const { build } = await import('astro');
      await build({
        root: SITE_DIR,
        outDir: out,
        base,
        logLevel: 'warn',
        ...(config.baseUrl ? { site: new URL(config.baseUrl).origin } : {}),
      });
    } finally {
      delete (globalThis as Record<string, unknown>)[PLAN_GLOBAL];
    }
  }
  phase('render');

  // Move what Astro wrote into dist/: rendered pages and the assets they reference. Pages not
  // rendered this time are kept; anything the previous build wrote that no page is now is removed.
  const rendered = render.length > 0 ? await listFiles(out) : [];
  const copies: DistCopy[] = await mapLimit(rendered, 32, async (path) => ({
    from: join(out, path),
    path,
    move: true,
    sha256: createHash('sha256')
      .update(await readFile(join(out, path)))
      .digest('hex'),
  }));
  const renderedRoutes = new Set(render.map((p) => fileOfRoute(p.route)));
  const keep = pages.map((p) => fileOfRoute(p.route)).filter((file) => !renderedRoutes.has(file));
  // A partial build emits only the assets of the pages it rendered; with unchanged code, the kept
  // pages reference the same hashed asset names as before, so those (and public/ files) stay too.
  if (previous.code === code) {
    const pageFiles = new Set(Object.keys(previous.pages).map(fileOfRoute));
    keep.push(...(await previousFiles(dist)).filter((path) => !pageFiles.has(path)));
  }
  const written = await writeDist(dist, [], copies, { manifest: SITE_MANIFEST, keep });
  await rm(out, { recursive: true, force: true });
  // Check the built output, not just the build: every page the site plans is in dist/.
  const missing = pages.map((p) => fileOfRoute(p.route)).filter((file) => !existsSync(join(dist, file)));
  if (missing.length > 0)
    throw new Error(
      `site: ${missing.length} pages missing from ${dist} after the build, e.g. ${missing.slice(0, 3).join(', ')}`,
    );
  // Written last: a build that failed before this point renders everything again next time.
  await atomicWrite(join(dist, SITE_PAGES), JSON.stringify({ code, pages: digests }) + '\n');
  phase('write');
  log(
    `site: ${pages.length} pages, ${render.length} rendered, ${written.written} files written, ${written.removed} removed (${phases.join(', ')})`,
  );
  return { pages: pages.length, rendered: render.length, written: written.written, removed: written.removed };
}

/**
 * Rendered Markdown by the sha256 of its source and of the renderer's code: sanitizing is most of
 * the planning time, and a rebuild meets the same texts again. Entries not used this build are
 * dropped, so the file holds what the catalog has now.
 */
async function markdownCache(path: string): Promise<{ render: (source: string) => string; save: () => Promise<void> }> {
  const renderer = createHash('sha256')
    .update(await readFile(join(SITE_DIR, 'src/lib/markdown.ts')))
    .update(await readFile(join(SITE_DIR, '../node_modules/sanitize-html/package.json')))
    .digest('hex');
  let stored: { renderer?: string; entries?: Record<string, string> } = {};
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as typeof stored;
  } catch {
    // No cache yet, or a broken one: render everything.
  }
  const before = stored.renderer === renderer ? (stored.entries ?? {}) : {};
  const after: Record<string, string> = {};
  return {
    render(source) {
      const key = createHash('sha256').update(source).digest('base64url');
      return (after[key] ??= before[key] ?? renderMarkdown(source));
    },
    save: () => atomicWrite(path, JSON.stringify({ renderer, entries: after })),
  };
}

async function previousFiles(dist: string): Promise<string[]> {
  try {
    return Object.keys(JSON.parse(await readFile(join(dist, SITE_MANIFEST), 'utf8')) as Record<string, string>);
  } catch {
    return [];
  }
}

// As a script: `node site/build.ts [--root DIR] [--dist DIR]`, after the pipeline wrote dist/.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { root: { type: 'string' }, dist: { type: 'string' } } });
  const root = resolve(values.root ?? '.');
  const { resolveConfig } = await import('../pipeline/core/config.ts');
  const config = resolveConfig(JSON.parse(await readFile(join(root, 'catalog.config.json'), 'utf8')));
  await buildSite({ root, dist: resolve(values.dist ?? join(root, 'dist')), config, log: console.log });
}
