/**
 * `npm run dev`: the site with live reload, for people working on it. Serves the pages Astro's
 * dev server renders from the plan of every page, and the data files from dist/ (run
 * `npm run build` once first). Edits to site/src reload the page; a changed catalog needs
 * `npm run build` again.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../pipeline/core/config.ts';
import { readDist } from './data.ts';
import { basePath, SITE_DIR } from './build.ts';
import { buildPages } from './src/lib/pages.ts';

const root = resolve('.');
const dist = join(root, 'dist');
const config = resolveConfig(JSON.parse(await readFile(join(root, 'catalog.config.json'), 'utf8')));
const base = basePath(config);
const pages = buildPages({ ...(await readDist(dist)), config, base });
const planFile = join(root, '.cache/site/dev-plan.json');
await mkdir(join(root, '.cache/site'), { recursive: true });
await writeFile(planFile, JSON.stringify({ pages }));
process.env.SITE_PLAN = planFile;

const { dev } = await import('astro');
await dev({ root: SITE_DIR, base, publicDir: dist, server: { host: '127.0.0.1' } });
