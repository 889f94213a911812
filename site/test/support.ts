/**
 * Shared helpers of the site's browser tests: build the sample catalog (plus a hostile listing)
 * into a temporary root, serve its dist/ through the GitHub Pages test double at `/` or under a
 * project-site path, launch Debian's Chromium, and read the built HTML.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startPagesHost, type PagesHost } from '../../pipeline/test-support/pages-host.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SCREENSHOT_DIR = join(REPO_ROOT, '.cache/screenshots');
export const AXE_PATH = join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

export { CHROMIUM_PATH, launchChromium } from '../../pipeline/test-support/chromium.ts';

// ---------------------------------------------------------------------------------------------
// The hostile listing: script, event handlers and javascript: links in every text a listing,
// its README, its tools and a review can carry. All of it passes validation.

export const HOSTILE_NAME = 'io.github.hostile-tester/xss-probe';
const JS = 'window.__pwned=1';
export const PAYLOADS = {
  script: `<script>${JS}</script>`,
  img: `<img src=x onerror="${JS}">`,
  svg: `<svg onload="${JS}"></svg>`,
  iframe: `<iframe src="javascript:${JS}"></iframe>`,
  link: `[x](javascript:${JS})`,
};
const ALL = Object.values(PAYLOADS).join(' ');

export async function writeHostileListing(root: string): Promise<void> {
  const dir = join(root, 'catalog/servers', HOSTILE_NAME);
  await mkdir(dir, { recursive: true });
  const listing = {
    $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
    name: HOSTILE_NAME,
    title: `Probe ${PAYLOADS.script}`,
    description: `XSS probe ${PAYLOADS.img}`,
    version: '1.0.0',
    repository: { url: 'https://github.com/hostile-tester/xss-probe', source: 'github' },
    // A javascript: websiteUrl fails validation (schemas/listing.schema.json); markup in an https URL does not.
    websiteUrl: `https://example.com/javascript:${encodeURIComponent(JS)}?x=%22%3E%3Cscript%3E`,
    packages: [
      {
        registryType: 'npm',
        identifier: '@hostile-tester/xss-probe',
        version: '1.0.0',
        runtimeHint: 'npx',
        transport: { type: 'stdio' },
        environmentVariables: [
          {
            name: 'PROBE_TOKEN',
            description: `Token ${PAYLOADS.script} ${PAYLOADS.img}`,
            isRequired: true,
            isSecret: true,
          },
        ],
      },
    ],
    _meta: {
      'io.modelcontextprotocol.registry/publisher-provided': {
        category: 'security',
        tags: ['xss-probe', 'hostile'],
        license: 'MIT',
      },
    },
  };
  await writeFile(join(dir, '1.0.0.json'), JSON.stringify(listing, null, 2) + '\n');
  const readme = [
    '# Probe',
    PAYLOADS.script,
    PAYLOADS.img,
    PAYLOADS.svg,
    PAYLOADS.iframe,
    `[click](javascript:${JS}) [case](JaVaScRiPt:${JS}) [entity](jav&#x61;script:${JS})`,
    '[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)',
    `![image](javascript:${JS})`,
    `<a href="javascript:${JS}" onclick="${JS}">raw link</a>`,
    `<p style="background:url(javascript:${JS})" onmouseover="${JS}">styled</p>`,
    '[a safe link](https://example.com/docs)',
  ].join('\n\n');
  await writeFile(join(dir, 'README.md'), readme + '\n');
  const tools = {
    tools: [
      {
        name: `probe${PAYLOADS.script}`,
        title: PAYLOADS.img,
        description: `Tool ${ALL}`,
        inputSchema: { type: 'object', properties: { [`<img src=x onerror=${JS}>`]: { type: 'string' } } },
      },
    ],
    prompts: [{ name: 'prompt', description: PAYLOADS.svg }],
    resources: [{ name: 'resource', uri: `javascript:${JS}`, description: PAYLOADS.script }],
  };
  await writeFile(join(dir, 'tools.json'), JSON.stringify(tools, null, 2) + '\n');
  const reviews = join(root, 'catalog/reviews', HOSTILE_NAME);
  await mkdir(reviews, { recursive: true });
  const review = {
    rating: 1,
    title: `Bad ${PAYLOADS.script}`,
    body: `Review ${ALL}`,
    version: '1.0.0',
    useCases: [PAYLOADS.img],
  };
  await writeFile(join(reviews, 'hostile-reviewer.json'), JSON.stringify(review, null, 2) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Building and serving.

export interface BuiltSite {
  root: string;
  dist: string;
  baseUrl: string | undefined;
  /** The path the site is served under: `/` or `/repo/`. */
  prefix: string;
  remove(): Promise<void>;
}

function run(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, GITHUB_ACTIONS: '' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => done({ status: error ? Number(error.code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}

/**
 * The sample catalog with the hostile listing, built with the site by `node pipeline/run.ts`
 * (offline, dev signing) into a temporary root; `baseUrl` makes it a project site.
 */
export async function buildSampleSite({ baseUrl }: { baseUrl?: string } = {}): Promise<BuiltSite> {
  const root = await mkdtemp(join(tmpdir(), 'mcp-site-test-'));
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    await cp(join(REPO_ROOT, 'catalog'), join(root, 'catalog'), { recursive: true });
    const config = JSON.parse(await readFile(join(REPO_ROOT, 'catalog.config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    if (baseUrl) config.baseUrl = baseUrl;
    await writeFile(join(root, 'catalog.config.json'), JSON.stringify(config, null, 2) + '\n');
    await writeHostileListing(root);
    const { status, output } = await run([
      join(REPO_ROOT, 'pipeline/run.ts'),
      '--root',
      root,
      '--offline',
      '--signing',
      'dev',
    ]);
    if (status !== 0) throw new Error(`the build failed (exit ${status}):\n${output.slice(-6000)}`);
    if (!existsSync(join(root, 'dist/index.html')))
      throw new Error(`the build wrote no dist/index.html:\n${output.slice(-3000)}`);
  } catch (error) {
    await remove();
    throw error;
  }
  const prefix = baseUrl ? new URL(baseUrl).pathname.replace(/\/?$/, '/') : '/';
  return { root, dist: join(root, 'dist'), baseUrl, prefix, remove };
}

export interface ServedSite extends BuiltSite {
  host: PagesHost;
  /** The origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** The full URL of a path under the site's prefix (`servers/` → `http://…/repo/servers/`). */
  url(path?: string): string;
  close(): Promise<void>;
}

export async function serveSite(site: BuiltSite): Promise<ServedSite> {
  const host = await startPagesHost(site.dist, { prefix: site.prefix });
  return {
    ...site,
    host,
    origin: host.url,
    url: (path = '') => `${host.url}${site.prefix}${path.replace(/^\//, '')}`,
    close: async () => {
      await host.close();
      await site.remove();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the build.

/** Every HTML file of dist/, as paths relative to it with `/`. */
export async function htmlFiles(dist: string): Promise<string[]> {
  const entries = await readdir(dist, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => relative(dist, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The site path a file is served at: `servers/x/index.html` → `servers/x/`. */
export function routeOfFile(file: string): string {
  return file.endsWith('index.html') ? file.slice(0, -'index.html'.length) : file;
}

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
function decodeAttribute(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#')
      return String.fromCodePoint(
        body[1]?.toLowerCase() === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10),
      );
    return ENTITIES[body.toLowerCase()] ?? entity;
  });
}

/** The tags of a document (not its text), each with its name and decoded attributes. */
export function tagsOf(html: string): { tag: string; attrs: Record<string, string>; raw: string }[] {
  const out: { tag: string; attrs: Record<string, string>; raw: string }[] = [];
  // Comments and the text of script elements are not tags.
  const source = html.replace(/<!--[\s\S]*?-->/g, '');
  for (const match of source.matchAll(
    /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g,
  )) {
    const attrs: Record<string, string> = {};
    for (const a of match[2]!.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g))
      attrs[a[1]!.toLowerCase()] = decodeAttribute(a[2] ?? a[3] ?? a[4] ?? '');
    out.push({ tag: match[1]!.toLowerCase(), attrs, raw: match[0] });
  }
  return out;
}

/** Every `<script>` element of a document with its attributes and content. */
export function scriptsOf(html: string): { attrs: Record<string, string>; body: string }[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({
    attrs: tagsOf(`<script${m[1]}>`)[0]?.attrs ?? {},
    body: m[2]!,
  }));
}

export async function readDistJson<T>(site: BuiltSite, path: string): Promise<T> {
  return JSON.parse(await readFile(join(site.dist, path), 'utf8')) as T;
}

/** Poll `read` until `done` holds or the time is up; returns the last value (assert on it). */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/** Wait until /servers/ loaded its search index. */
export async function searchReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.searchReady === 'true', undefined, {
    timeout: 15_000,
  });
}
