/**
 * The built site in Debian's Chromium, served by the GitHub Pages test double: once at `/` and
 * once as a project site under `/repo/`. Each build is the sample catalog plus a hostile listing
 * (support.ts), made once in beforeAll and shared by the tests of its block.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configSnippet, defaultServerKey, launchOptions, type ClientId } from '../../pipeline/core/client-config.ts';
import type { CatalogIndex, ServerRecord } from '../../pipeline/core/schema-types.gen.ts';
import {
  AXE_PATH,
  buildSampleSite,
  HOSTILE_NAME,
  htmlFiles,
  launchChromium,
  poll,
  readDistJson,
  routeOfFile,
  SCREENSHOT_DIR,
  scriptsOf,
  searchReady,
  serveSite,
  tagsOf,
  type ServedSite,
} from './support.ts';

const FILESYSTEM = 'io.github.modelcontextprotocol/filesystem';
const REVIEWED = 'io.github.domdomegg/airtable-mcp-server';
/** An npm package with a required environment variable: every client has a snippet. */
const SNIPPET_SERVER = 'io.github.modelcontextprotocol/brave-search';

const BASES = [
  { label: 'at /', baseUrl: undefined },
  { label: 'under a project-site path /repo/', baseUrl: 'https://example.github.io/repo/' },
] as const;

// Room for a loaded machine (npm test runs every suite at once on 2 cores).
vi.setConfig({ testTimeout: 120_000 });

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe.each(BASES)('the site $label', ({ baseUrl }) => {
  let site: ServedSite;
  let index: CatalogIndex;
  const atRoot = baseUrl === undefined;

  beforeAll(async () => {
    site = await serveSite(await buildSampleSite(baseUrl ? { baseUrl } : {}));
    index = await readDistJson<CatalogIndex>(site, 'index.json');
  }, 240_000);
  afterAll(async () => {
    await site?.close();
  });

  /** A fresh context per test: no state leaks between them. */
  async function withPage<T>(
    fn: (page: Page, context: BrowserContext) => Promise<T>,
    options: Parameters<Browser['newContext']>[0] = {},
  ): Promise<T> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    context.setDefaultTimeout(10_000);
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(String(error)));
      const result = await fn(page, context);
      expect(errors, 'uncaught errors in the page').toEqual([]);
      return result;
    } finally {
      await context.close();
    }
  }

  /** The HTML pages the site stage wrote (the registry API's extensionless JSON files are `.html` too). */
  const sitePages = async () => {
    const written = Object.keys(await readDistJson<Record<string, string>>(site, '.site-manifest.json'));
    const pages = written.filter((f) => f.endsWith('.html')).sort();
    // The manifest is the whole site after a cold build: every HTML file outside the registry API.
    expect(pages).toEqual((await htmlFiles(site.dist)).filter((f) => !f.startsWith('v0.1/')));
    return pages;
  };
  const serverHref = (name: string) => `${site.prefix}servers/${name}/`;
  const cardHrefs = (page: Page) =>
    page.$$eval('#results li.card h3 a', (links) => links.map((a) => a.getAttribute('href') ?? ''));
  const resultCount = (page: Page) => page.$eval('#result-count', (el) => el.textContent ?? '');

  describe('browse and search', () => {
    it('finds the right server first for a query with a typo, as the user types', async () => {
      await withPage(async (page) => {
        await page.goto(site.url('servers/'));
        await searchReady(page);
        await page.fill('form#search-form input#q[type=search]', 'filesytem');
        const first = await poll(
          () => cardHrefs(page).then((h) => h[0]),
          (h) => h === serverHref(FILESYSTEM),
        );
        expect(first).toBe(serverHref(FILESYSTEM));
        // Typing replaces the history entry with the query in the URL.
        expect(new URL(page.url()).searchParams.get('q')).toBe('filesytem');
        // The result is a link to the detail page, inside <main>.
        expect(await page.$eval('main #results li.card h3 a', (a) => a.textContent)).toBe('Filesystem');
      });
    });

    it('opens a shared link with a query and finds the same server', async () => {
      await withPage(async (page) => {
        await page.goto(site.url('servers/?q=filesytem'));
        await searchReady(page);
        expect(await page.inputValue('#q')).toBe('filesytem');
        expect(
          await poll(
            () => cardHrefs(page).then((h) => h[0]),
            (h) => h === serverHref(FILESYSTEM),
          ),
        ).toBe(serverHref(FILESYSTEM));
      });
    });

    it('narrows the results with facets and keeps the state through reload, back and forward', async () => {
      const inSystem = index.servers.filter((s) => s.category === 'system').map((s) => serverHref(s.name));
      expect(inSystem.length).toBeGreaterThan(0);
      expect(inSystem.length).toBeLessThan(index.servers.length);
      await withPage(async (page) => {
        await page.goto(site.url('servers/'));
        await searchReady(page);
        const all = await poll(
          () => resultCount(page),
          (t) => t.startsWith(`${index.servers.length} servers`),
        );
        expect(all).toMatch(new RegExp(`^${index.servers.length} servers`));
        const box = page.locator('aside#facets fieldset input[name=category][value=system]');
        // The facet shows its count before it is chosen.
        const label = page
          .locator('aside#facets label')
          .filter({ has: page.locator('input[name=category][value=system]') });
        expect(await label.locator('.count').textContent()).toBe(String(inSystem.length));
        await box.check();
        const narrowed = await poll(
          () => resultCount(page),
          (t) => t.startsWith(`${inSystem.length} server`),
        );
        expect(narrowed).toMatch(new RegExp(`^${inSystem.length} servers?`));
        expect(new URL(page.url()).searchParams.get('category')).toBe('system');
        expect((await cardHrefs(page)).sort()).toEqual([...inSystem].sort());
        // Disjunctive: the other categories still show their counts and can be added.
        const others = await page.$$eval('aside#facets input[name=category]', (boxes) =>
          boxes.map((b) => (b as HTMLInputElement).value),
        );
        expect(others.length).toBeGreaterThan(2);

        await page.reload();
        await searchReady(page);
        expect(await page.isChecked('aside#facets input[name=category][value=system]')).toBe(true);
        expect(
          await poll(
            () => resultCount(page),
            (t) => t.startsWith(`${inSystem.length} server`),
          ),
        ).toMatch(/^\d+ servers?/);
        expect((await cardHrefs(page)).sort()).toEqual([...inSystem].sort());

        await page.goBack();
        expect(new URL(page.url()).searchParams.get('category')).toBeNull();
        expect(
          await poll(
            () => resultCount(page),
            (t) => t.startsWith(`${index.servers.length} servers`),
          ),
        ).toMatch(new RegExp(`^${index.servers.length} servers`));
        expect(await page.isChecked('aside#facets input[name=category][value=system]')).toBe(false);

        await page.goForward();
        expect(new URL(page.url()).searchParams.get('category')).toBe('system');
        expect(
          await poll(
            () => resultCount(page),
            (t) => t.startsWith(`${inSystem.length} server`),
          ),
        ).toMatch(/^\d+ servers?/);
        expect(await page.isChecked('aside#facets input[name=category][value=system]')).toBe(true);
      });
    });

    it('sorts by name and pages through the results, in the URL', async () => {
      const byTitle = [...index.servers]
        .sort(
          (a, b) =>
            (a.title ?? a.name).localeCompare(b.title ?? b.name, 'en', { sensitivity: 'base' }) ||
            (a.name < b.name ? -1 : 1),
        )
        .map((s) => serverHref(s.name));
      await withPage(async (page) => {
        await page.goto(site.url('servers/'));
        await searchReady(page);
        await page.selectOption('select#sort', 'name');
        const first = await poll(
          () => cardHrefs(page),
          (h) => h[0] === byTitle[0],
        );
        expect(first).toEqual(byTitle.slice(0, 24));
        expect(new URL(page.url()).searchParams.get('sort')).toBe('name');
        await page.click('nav#pagination a:text-is("2")');
        const second = await poll(
          () => cardHrefs(page),
          (h) => h[0] === byTitle[24],
        );
        expect(second).toEqual(byTitle.slice(24, 48));
        const params = new URL(page.url()).searchParams;
        expect([params.get('sort'), params.get('page')]).toEqual(['name', '2']);
        await page.goBack();
        expect(
          await poll(
            () => cardHrefs(page),
            (h) => h[0] === byTitle[0],
          ),
        ).toEqual(byTitle.slice(0, 24));
      });
    });

    it('lists every server without JavaScript, across the static pages', async () => {
      await withPage(
        async (page) => {
          const seen = new Set<string>();
          const visited: string[] = [];
          let next: string | null = site.url('servers/');
          while (next && visited.length < 50) {
            const response = await page.goto(next);
            expect(response?.status(), next).toBe(200);
            visited.push(new URL(page.url()).pathname);
            const hrefs = await cardHrefs(page);
            expect(hrefs.length).toBeGreaterThan(0);
            for (const href of hrefs) seen.add(href);
            const rel = await page.$('nav#pagination a[rel=next]');
            next = rel ? new URL((await rel.getAttribute('href'))!, page.url()).href : null;
          }
          expect(visited).toContain(`${site.prefix}servers/page/2/`);
          expect([...seen].sort()).toEqual(index.servers.map((s) => serverHref(s.name)).sort());
          // The live-search script never ran: the count is the static one.
          expect(await resultCount(page)).toMatch(/page \d+ of \d+/);
        },
        { javaScriptEnabled: false },
      );
    });
  });

  describe('server detail', () => {
    it('has every section', async () => {
      await withPage(async (page) => {
        const response = await page.goto(site.url(`servers/${FILESYSTEM}/`));
        expect(response?.status()).toBe(200);
        for (const id of [
          'overview',
          'tools',
          'install',
          'configuration',
          'requirements',
          'security',
          'versions',
          'reviews',
          'similar',
        ]) {
          const section = page.locator(`main section#${id}`);
          expect(await section.count(), id).toBe(1);
          expect(await section.locator('h2').first().textContent(), id).toBeTruthy();
        }
        expect(await page.locator('main h1').textContent()).toBe('Filesystem');
        // A bundle was scanned: the security section shows its verdict and digest.
        expect(await page.locator('#security .sha').first().textContent()).toMatch(/^[0-9a-f]{64}$/);
        expect(await page.locator('#tools .tool-list li').count()).toBeGreaterThan(3);
      });
    });

    it('copies exactly the snippet: the installer command and a client config', async () => {
      const record = await readDistJson<ServerRecord>(site, `servers/${SNIPPET_SERVER}.json`);
      const latest = index.servers.find((s) => s.name === SNIPPET_SERVER)!.latest!;
      const launches = launchOptions(record, latest);
      expect(launches.length).toBeGreaterThan(0);
      await withPage(async (page, context) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
        await page.goto(site.url(`servers/${SNIPPET_SERVER}/`));
        const copy = async (id: string) => {
          const button = page.locator(`button[data-copy="${id}"]`);
          await button.click();
          await poll(
            () => button.textContent(),
            (t) => t === 'Copied',
          );
          return page.evaluate(() => navigator.clipboard.readText());
        };

        const command = await copy('installer-command');
        const installLine = `node install.mjs install ${SNIPPET_SERVER}`;
        expect(command).toBe(baseUrl ? `curl -fsSLO ${baseUrl}install.mjs\n${installLine}` : installLine);

        // The fourth client (VS Code, servers plus inputs) of the first option: select its tab, copy its snippet.
        const launch = launches[0]!;
        const tabs = page.locator(`#install [role=tablist]`).first().locator('[role=tab]');
        const tab = tabs.nth(3);
        const panelId = (await tab.getAttribute('aria-controls'))!;
        const client = panelId.slice(`panel-${launch.id}-`.length) as ClientId;
        await tab.click();
        expect(await page.locator(`#${panelId}`).isVisible()).toBe(true);
        const snippet = await copy(`snippet-${launch.id}-${client}`);
        expect(client).toBe('vscode');
        expect(snippet).toBe(configSnippet(client, defaultServerKey(SNIPPET_SERVER), launch));
        expect(JSON.parse(snippet)).toHaveProperty('inputs');
      });
    });

    it('switches client tabs with the arrow keys', async () => {
      await withPage(async (page) => {
        await page.goto(site.url(`servers/${FILESYSTEM}/`));
        const tabs = page.locator('#install [role=tablist]').first().locator('[role=tab]');
        const count = await tabs.count();
        expect(count).toBe(5);
        await tabs.nth(0).focus();
        await page.keyboard.press('ArrowRight');
        expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true');
        expect(await tabs.nth(0).getAttribute('aria-selected')).toBe('false');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('tab');
        const panel = (i: number) =>
          tabs
            .nth(i)
            .getAttribute('aria-controls')
            .then((id) => page.locator(`#${id}`));
        expect(await (await panel(1)).isVisible()).toBe(true);
        expect(await (await panel(0)).isVisible()).toBe(false);
        await page.keyboard.press('End');
        expect(await tabs.nth(count - 1).getAttribute('aria-selected')).toBe('true');
        await page.keyboard.press('ArrowRight');
        expect(await tabs.nth(0).getAttribute('aria-selected')).toBe('true');
      });
    });

    it('filters and sorts reviews', async () => {
      const ratings = (page: Page) =>
        page.$$eval('#review-list article.review', (list) =>
          list.filter((r) => !(r as HTMLElement).hidden).map((r) => (r as HTMLElement).dataset.rating),
        );
      await withPage(async (page) => {
        await page.goto(site.url(`servers/${REVIEWED}/`));
        const newest = await ratings(page);
        expect(newest.length).toBe(3);
        expect(await page.textContent('#review-count')).toBe('3 of 3 reviews');
        expect(await page.locator('#review-list .badge.sample').count()).toBe(3);

        await page.selectOption('select#review-filter', '4');
        expect(await ratings(page)).toEqual(['4']);
        expect(await page.textContent('#review-count')).toBe('1 of 3 reviews');
        await page.selectOption('select#review-filter', '1');
        expect(await ratings(page)).toEqual([]);

        await page.selectOption('select#review-filter', 'all');
        await page.selectOption('select#review-sort', 'lowest');
        expect(await ratings(page)).toEqual(['3', '4', '5']);
        await page.selectOption('select#review-sort', 'highest');
        expect(await ratings(page)).toEqual(['5', '4', '3']);
        // No votes counted in the sample: the build's helpful rank falls back to newest first
        // (from the lowest-first order, so that a sort that did nothing would show).
        await page.selectOption('select#review-sort', 'lowest');
        await page.selectOption('select#review-sort', 'helpful');
        expect(await ratings(page)).toEqual(newest);
      });
    });
  });

  describe('hostile content', () => {
    const pwnedCheck = () =>
      ({
        pwned: (window as { __pwned?: unknown }).__pwned,
        violations: (window as { __csp?: string[] }).__csp ?? [],
        javascriptUrls: [...document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]')]
          .flatMap((el) => ['href', 'src', 'action', 'formaction', 'xlink:href'].map((a) => el.getAttribute(a) ?? ''))
          .filter((v) => /^\s*(javascript|vbscript|data:text)/i.test(v.replace(/[\u0000-\u001f]/g, ''))),
        handlers: [...document.querySelectorAll('*')].flatMap((el) =>
          el
            .getAttributeNames()
            .filter((n) => n.startsWith('on'))
            .map((n) => `${el.tagName} ${n}`),
        ),
        inlineScripts: [...document.querySelectorAll('script:not([src])')].filter(
          (s) => s.getAttribute('type') !== 'application/json',
        ).length,
        framesAndObjects: document.querySelectorAll('iframe, object, embed, frame').length,
        contentSvg: document.querySelectorAll('main .prose svg, main .prose [style], main .prose img[src="x"]').length,
      }) as const;
    const clean = {
      pwned: undefined,
      violations: [],
      javascriptUrls: [],
      handlers: [],
      inlineScripts: 0,
      framesAndObjects: 0,
      contentSvg: 0,
    };

    async function hostileContext(options: Parameters<Browser['newContext']>[0] = {}) {
      const context = await browser.newContext(options);
      context.setDefaultTimeout(10_000);
      // Record CSP violations: something tried to run that the policy stopped.
      await context.addInitScript(() => {
        const w = window as { __csp?: string[] };
        w.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          w.__csp!.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
        );
      });
      const dialogs: string[] = [];
      context.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      return { context, dialogs };
    }

    const hostilePages = () => [
      site.url(`servers/${HOSTILE_NAME}/`),
      site.url(`servers/?q=xss-probe`),
      site.url(`compare/?s=${encodeURIComponent(HOSTILE_NAME)},${encodeURIComponent(FILESYSTEM)}`),
      site.url('categories/security/'),
      site.url('publishers/io.github.hostile-tester/'),
      site.url(''),
    ];

    it('renders the planted payloads as text, on every page that shows them', async () => {
      const { context, dialogs } = await hostileContext();
      try {
        const page = await context.newPage();
        await page.goto(site.url(`servers/${HOSTILE_NAME}/`));
        // The payloads arrived: as visible text, not as markup.
        const text = await page.locator('main').innerText();
        expect(text).toContain('<script>window.__pwned=1</script>');
        expect(text).toContain('<img src=x onerror="window.__pwned=1">');
        expect(await page.locator('main #reviews article.review').count()).toBe(1);
        expect(await page.locator('main #tools code').first().textContent()).toBe(
          'probe<script>window.__pwned=1</script>',
        );
        // The safe link in the README survives, nofollow.
        expect(await page.locator('main .prose a[href="https://example.com/docs"]').getAttribute('rel')).toContain(
          'nofollow',
        );
        for (const url of hostilePages()) {
          await page.goto(url);
          await page.waitForLoadState('networkidle');
          if (url.includes('?q=')) {
            await searchReady(page);
            expect(
              await poll(
                () => cardHrefs(page),
                (h) => h.includes(serverHref(HOSTILE_NAME)),
              ),
            ).toContain(serverHref(HOSTILE_NAME));
          }
          if (url.includes('compare/')) await page.waitForSelector('#compare-table:not([hidden])');
          expect(await page.evaluate(pwnedCheck), url).toEqual(clean);
        }
        expect(dialogs).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('does nothing even with the Content-Security-Policy switched off (the sanitizer alone holds)', async () => {
      const { context, dialogs } = await hostileContext({ bypassCSP: true });
      try {
        const page = await context.newPage();
        for (const url of hostilePages()) {
          await page.goto(url);
          await page.waitForLoadState('networkidle');
          await page.mouse.move(300, 300);
          const result = await page.evaluate(pwnedCheck);
          expect({ ...result, violations: [] }, url).toEqual(clean);
        }
        expect(dialogs).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('clicking every link of the hostile page that stays on the site runs nothing', async () => {
      const { context, dialogs } = await hostileContext({ bypassCSP: true });
      try {
        const page = await context.newPage();
        const detail = site.url(`servers/${HOSTILE_NAME}/`);
        await page.goto(detail);
        const links = await page.$$eval('a[href]', (anchors) =>
          anchors.map((a, i) => ({
            i,
            href: (a as HTMLAnchorElement).href,
            visible: (a as HTMLElement).offsetParent !== null,
          })),
        );
        // Each distinct target once (the page links its category and publisher more than once).
        const shown = links.filter((l) => new URL(l.href).origin === site.origin && l.visible);
        const internal = shown.filter((l, n) => shown.findIndex((o) => o.href === l.href) === n);
        expect(internal.length).toBeGreaterThan(20);
        for (const link of internal) {
          await page.goto(detail);
          // Focus and Enter: works for the skip link too, which is off-screen until focused.
          const anchor = page.locator('a[href]').nth(link.i);
          await anchor.focus();
          await Promise.all([page.waitForURL((url) => url.href === link.href), page.keyboard.press('Enter')]);
          await page.waitForLoadState('load');
          const result = await page.evaluate(() => ({
            pwned: (window as { __pwned?: unknown }).__pwned,
            javascriptUrls: [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')].length,
          }));
          expect(result, `after clicking ${link.href}`).toEqual({ pwned: undefined, javascriptUrls: 0 });
        }
        expect(dialogs).toEqual([]);
      } finally {
        await context.close();
      }
    });

    // The registry API (pipeline/emit/registry-api.ts) writes its list files as `.html` (so that
    // Pages answers /v0.1/servers), which Pages serves as text/html with no CSP: its JSON escapes
    // `<`, `>` and `&`, or a listing's <script> would run on the catalog's origin. Emitted only
    // with a baseUrl.
    (atRoot ? it.skip : it)('the registry API, served as text/html, runs no listing script', async () => {
      const { context, dialogs } = await hostileContext();
      try {
        const page = await context.newPage();
        for (const path of ['v0.1/servers', `v0.1/servers/${encodeURIComponent(HOSTILE_NAME)}/versions`]) {
          const response = await page.goto(site.url(path));
          expect(response?.status(), path).toBe(200);
          const result = await page.evaluate(() => ({
            pwned: (window as { __pwned?: unknown }).__pwned,
            scripts: document.querySelectorAll('script').length,
            images: document.querySelectorAll('img').length,
          }));
          expect(result, path).toEqual({ pwned: undefined, scripts: 0, images: 0 });
        }
        expect(dialogs).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('every built page carries the CSP meta and no inline script but JSON data', async () => {
      const files = await sitePages();
      expect(files.length).toBeGreaterThan(index.servers.length);
      const problems: string[] = [];
      for (const file of files) {
        const html = await readFile(join(site.dist, file), 'utf8');
        const csp = tagsOf(html).find(
          (t) => t.tag === 'meta' && t.attrs['http-equiv']?.toLowerCase() === 'content-security-policy',
        );
        const policy = csp?.attrs.content ?? '';
        if (!/(^|;)\s*script-src 'self'\s*(;|$)/.test(policy))
          problems.push(`${file}: no CSP script-src 'self' (${policy || 'no meta'})`);
        if (/unsafe-inline|unsafe-eval/.test(policy)) problems.push(`${file}: CSP allows unsafe-inline or unsafe-eval`);
        if (!/object-src 'none'/.test(policy)) problems.push(`${file}: CSP without object-src 'none'`);
        for (const script of scriptsOf(html)) {
          if (script.attrs.src !== undefined) {
            if (script.body.trim()) problems.push(`${file}: a script with src and a body`);
          } else if (script.attrs.type !== 'application/json')
            problems.push(`${file}: inline script ${script.body.slice(0, 80)}`);
          else if (/<\/?script/i.test(script.body)) problems.push(`${file}: a JSON script holding a script tag`);
        }
        for (const tag of tagsOf(html)) {
          const handlers = Object.keys(tag.attrs).filter((a) => a.startsWith('on'));
          if (handlers.length) problems.push(`${file}: <${tag.tag} ${handlers.join(' ')}>`);
          for (const a of ['href', 'src', 'action', 'formaction'])
            if (/^\s*javascript:/i.test(tag.attrs[a] ?? ''))
              problems.push(`${file}: <${tag.tag} ${a}="${tag.attrs[a]}">`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('links', () => {
    it('every link and asset of every built page resolves to a file the host serves', async () => {
      const files = await sitePages();
      expect(files).toContain('404.html');
      expect(files).toContain('index.html');
      const targets = new Map<string, Set<string>>();
      const problems: string[] = [];
      let local = 0;
      for (const file of files) {
        const html = await readFile(join(site.dist, file), 'utf8');
        // The 404 page is served at any unknown path, so its links must work from deep inside.
        const pageUrl = site.url(file === '404.html' ? 'no/such/deep/page/' : routeOfFile(file));
        const ids = new Set(tagsOf(html).flatMap((t) => (t.attrs.id ? [t.attrs.id] : [])));
        for (const tag of tagsOf(html)) {
          for (const attr of ['href', 'src']) {
            const value = tag.attrs[attr];
            if (value === undefined || value === '') continue;
            if (value.startsWith('#')) {
              if (value.length > 1 && !ids.has(decodeURIComponent(value.slice(1))))
                problems.push(`${file}: ${value} names no element`);
              continue;
            }
            let url = new URL(value, pageUrl);
            // Absolute URLs into the published site (canonical, installer) are checked here too.
            if (baseUrl && url.href.startsWith(baseUrl)) url = new URL(site.url(url.href.slice(baseUrl.length)));
            if (url.origin !== site.origin) continue;
            local++;
            if (!url.pathname.startsWith(site.prefix))
              problems.push(`${file}: ${value} leaves the site's path ${site.prefix}`);
            url.hash = '';
            const set = targets.get(url.href) ?? new Set<string>();
            set.add(file);
            targets.set(url.href, set);
          }
        }
      }
      expect(local).toBeGreaterThan(files.length * 10);
      const urls = [...targets.keys()];
      const statuses = new Map<string, number>();
      for (let i = 0; i < urls.length; i += 16) {
        await Promise.all(
          urls.slice(i, i + 16).map(async (url) => {
            const response = await fetch(url, { redirect: 'manual' });
            await response.arrayBuffer();
            statuses.set(url, response.status);
          }),
        );
      }
      for (const [url, status] of statuses)
        if (status !== 200)
          problems.push(`${url} answers ${status}, linked from ${[...targets.get(url)!].slice(0, 3).join(', ')}`);
      expect(problems).toEqual([]);
      // Every server page is linked from somewhere.
      for (const s of index.servers) expect(targets.has(site.url(`servers/${s.name}/`)), s.name).toBe(true);
    });

    it('serves install.mjs, which every page links, as a module Node can run', async () => {
      const response = await fetch(site.url('install.mjs'));
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^#!\/usr\/bin\/env node|^import |^var |^const /);
    });

    it('answers unknown paths with the 404 page', async () => {
      const notFound = await readFile(join(site.dist, '404.html'));
      for (const path of ['no/such/page/', 'servers/io.github.nobody/nothing/', 'missing.html']) {
        const response = await fetch(site.url(path));
        expect(response.status, path).toBe(404);
        const body = Buffer.from(await response.arrayBuffer());
        expect(createHash('sha256').update(body).digest('hex'), path).toBe(
          createHash('sha256').update(notFound).digest('hex'),
        );
      }
      await withPage(async (page) => {
        const response = await page.goto(site.url('servers/io.github.nobody/nothing/'));
        expect(response?.status()).toBe(404);
        expect(await page.locator('main h1').textContent()).toBe('Page not found');
        // Its stylesheet loaded from the deep path: the page is styled.
        const sheets = await page.evaluate(() => [...document.styleSheets].filter((s) => s.cssRules.length > 0).length);
        expect(sheets).toBeGreaterThan(0);
        await page.click('main a:text-is("Go to the home page")');
        expect(new URL(page.url()).pathname).toBe(site.prefix);
      });
    });
  });

  describe.runIf(atRoot)('accessibility and looks', () => {
    const PAGES = [
      { name: 'home', path: '' },
      { name: 'browse', path: 'servers/?q=database', search: true },
      { name: 'detail', path: `servers/${FILESYSTEM}/` },
      { name: 'policy', path: 'policies/sample-standard/' },
    ];

    for (const colorScheme of ['light', 'dark'] as const) {
      it(`has no serious or critical axe violations, ${colorScheme}`, async () => {
        const found: string[] = [];
        // The CSP forbids the inline script addScriptTag injects; axe is the test's, not the site's.
        await withPage(
          async (page) => {
            for (const target of PAGES) {
              await page.goto(site.url(target.path));
              if (target.search) {
                await searchReady(page);
                await poll(
                  () => cardHrefs(page),
                  (h) => h.length > 0,
                );
              }
              await page.addScriptTag({ path: AXE_PATH });
              const violations = await page.evaluate(async () => {
                const axe = (
                  window as unknown as {
                    axe: {
                      run(
                        context: Document,
                        options: object,
                      ): Promise<{
                        violations: { id: string; impact?: string; help: string; nodes: { target: unknown[] }[] }[];
                        passes: unknown[];
                      }>;
                    };
                  }
                ).axe;
                const result = await axe.run(document, { resultTypes: ['violations'] });
                // Axe really checked this page (landmarks, labels, contrast…), not an empty one.
                if (result.passes.length < 20) throw new Error(`axe passed only ${result.passes.length} rules`);
                return result.violations.map((v) => ({
                  id: v.id,
                  impact: v.impact,
                  help: v.help,
                  nodes: v.nodes.map((n) => n.target.join(' ')),
                }));
              });
              for (const v of violations)
                if (v.impact === 'serious' || v.impact === 'critical')
                  found.push(
                    `${target.name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 4).join(' | ')}${v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ''}`,
                  );
            }
          },
          { colorScheme, bypassCSP: true },
        );
        expect(found).toEqual([]);
      });
    }

    it('takes full-page screenshots of home, browse and detail, light and dark, desktop and phone', async () => {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const devices = [
        { device: 'desktop', viewport: { width: 1280, height: 900 } },
        { device: 'phone', viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true },
      ];
      const written: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const { device, ...options } of devices) {
          await withPage(
            async (page) => {
              for (const target of PAGES.slice(0, 3)) {
                await page.goto(site.url(target.path));
                if (target.search) {
                  await searchReady(page);
                  await poll(
                    () => cardHrefs(page),
                    (h) => h.length > 0,
                  );
                }
                await page.waitForLoadState('networkidle');
                const file = join(SCREENSHOT_DIR, `${target.name}-${colorScheme}-${device}.png`);
                await page.screenshot({ path: file, fullPage: true });
                written.push(file);
              }
            },
            { colorScheme, ...options },
          );
        }
      }
      expect(written).toHaveLength(12);
      for (const file of written) expect((await stat(file)).size, file).toBeGreaterThan(10_000);
    });

    // A long unbreakable title (the hostile listing's) or a wide <pre> must not widen a page: the
    // grids use minmax(0, 1fr) and titles wrap anywhere.
    it('fits the viewport: no page scrolls sideways at 1280 or 360 px', async () => {
      const overflow: string[] = [];
      for (const width of [1280, 360]) {
        await withPage(
          async (page) => {
            for (const target of PAGES) {
              await page.goto(site.url(target.path));
              const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
              if (scrollWidth > width) overflow.push(`${target.name}: ${scrollWidth}px wide in ${width}px`);
            }
          },
          { viewport: { width, height: 800 } },
        );
      }
      expect(overflow).toEqual([]);
    });
  });
});
