/**
 * lib/pages.ts: the page plan over a small hand-made catalog. Every URL the issue names exists,
 * links respect the base path, listing text reaches the props only sanitized, and similar
 * servers never include the server itself.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogIndex, IndexServer, Policy, ServerRecord } from '../../pipeline/core/schema-types.gen.ts';
import { buildPages, reviewViews, serverRoute, STATIC_PAGE_SIZE, type Page, type SiteInput } from '../src/lib/pages.ts';

const SHA = 'c'.repeat(64);

function record(name: string, fields: Partial<ServerRecord> = {}): ServerRecord {
  return {
    schemaVersion: '1.0.0',
    name,
    description: `${name} does things.`,
    category: 'other',
    tags: [],
    trust: 'unverified',
    status: 'active',
    rating: { count: 0, histogram: [0, 0, 0, 0, 0] },
    reviews: [],
    versions: [
      {
        version: '1.0.0',
        status: 'active',
        publishedAt: '2026-01-01T00:00:00Z',
        packages: [
          {
            registryType: 'npm',
            identifier: `@x/${name.split('/')[1]}`,
            version: '1.0.0',
            runtimeHint: 'npx',
            transport: { type: 'stdio' },
          },
        ],
        remotes: [],
        artifacts: [],
      },
    ],
    ...fields,
  };
}

function indexEntry(r: ServerRecord): IndexServer {
  const latest = r.versions.find((v) => v.status !== 'yanked');
  return {
    name: r.name,
    ...(r.title ? { title: r.title } : {}),
    description: r.description,
    category: r.category,
    tags: r.tags,
    namespace: r.name.split('/')[0]!,
    trust: r.trust,
    ...(r.featured !== undefined ? { featured: r.featured } : {}),
    status: r.status,
    ...(r.replacedBy ? { replacedBy: r.replacedBy } : {}),
    ...(latest ? { latest: latest.version } : {}),
    rating: r.rating,
    stats: r.stats ?? {},
    detail: { path: `servers/${r.name}.json`, sha256: SHA, size: 100 },
    versions: r.versions.map((v) => ({
      version: v.version,
      status: v.status,
      publishedAt: v.publishedAt,
      packages: v.packages.map((p) => ({
        registryType: p.registryType,
        identifier: p.identifier,
        ...(p.version ? { version: p.version } : {}),
        ...(p.runtimeHint ? { runtimeHint: p.runtimeHint } : {}),
        transport: p.transport.type,
      })),
      remotes: v.remotes.map((x) => ({ type: x.type, url: x.url })),
    })),
  };
}

const HOSTILE =
  '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> [x](javascript:window.__pwned=1)';

const RECORDS: ServerRecord[] = [
  record('io.github.acme/weather', {
    title: 'Weather',
    category: 'data',
    tags: ['weather', 'forecast'],
    trust: 'verified',
    featured: true,
    longDescription: `# Weather\n\nForecasts. ${HOSTILE}`,
    source: { repository: 'https://github.com/acme/weather', website: 'javascript:window.__pwned=1' },
    rating: { average: 4.5, count: 2, histogram: [0, 0, 0, 1, 1] },
    reviews: [
      { login: 'alice', rating: 5, body: `Great. ${HOSTILE}`, version: '1.0.0' },
      { login: 'bob', rating: 4, body: 'Fine for daily use, really.', version: '1.0.0', sample: true },
    ],
    tools: { tools: [{ name: 'forecast', description: 'Forecast for a place.' }] },
  }),
  record('io.github.acme/climate', {
    title: 'Climate',
    category: 'data',
    tags: ['weather', 'climate'],
    tools: { tools: [{ name: 'forecast' }] },
  }),
  record('com.example/legacy', { category: 'data', status: 'deprecated', replacedBy: 'io.github.acme/weather' }),
  // Enough others for a second static list page.
  ...Array.from({ length: STATIC_PAGE_SIZE }, (_, i) =>
    record(`org.filler/s${String(i).padStart(2, '0')}`, { category: 'system' }),
  ),
];

const POLICY: Policy = { description: 'Verified only.', minTrust: 'verified', maxScanVerdict: 'pass' };

function input(base = '/', baseUrl?: string): SiteInput {
  const index: CatalogIndex = {
    schemaVersion: '1.0.0',
    catalog: { name: 'Test Catalog' },
    generatedAt: '2026-12-01T00:00:00Z',
    serial: 1,
    expires: '2026-12-15T00:00:00Z',
    servers: RECORDS.map(indexEntry),
    policies: [
      {
        name: 'strict',
        description: POLICY.description,
        detail: { path: 'policies/strict.json', sha256: SHA, size: 10 },
      },
    ],
    defaultPolicy: 'strict',
  };
  return {
    index,
    records: new Map(RECORDS.map((r) => [r.name, r])),
    reports: new Map(),
    policies: new Map([['strict', POLICY]]),
    signer: undefined,
    config: {
      name: 'Test Catalog',
      description: 'A test.',
      ...(baseUrl ? { baseUrl } : {}),
      repository: { owner: 'acme', name: 'catalog' },
      categories: [
        { id: 'data', title: 'Data & Databases' },
        { id: 'system', title: 'System' },
        { id: 'finance', title: 'Finance' },
      ],
    },
    base,
  };
}

const byRoute = (pages: Page[]) => new Map(pages.map((p) => [p.route, p]));
function detail(pages: Page[], name: string) {
  const page = byRoute(pages).get(serverRoute(name));
  if (page?.template !== 'detail') throw new Error(`no detail page for ${name}`);
  return page.props;
}

describe('buildPages', () => {
  const pages = buildPages(input());
  const routes = byRoute(pages);

  it('plans every page the site promises, each route once', () => {
    expect(routes.size).toBe(pages.length);
    const expected: [string, Page['template']][] = [
      ['', 'home'],
      ['servers/', 'browse'],
      ['servers/page/2/', 'browse'],
      ['categories/', 'categories'],
      ['categories/data/', 'category'],
      ['categories/system/', 'category'],
      ['publishers/', 'publishers'],
      ['publishers/io.github.acme/', 'publisher'],
      ['publishers/com.example/', 'publisher'],
      ['publishers/org.filler/', 'publisher'],
      ['policies/', 'policies'],
      ['policies/strict/', 'policy'],
      ['compare/', 'compare'],
      ['submit/', 'submit'],
      ['404.html', 'not-found'],
    ];
    for (const [route, template] of expected) expect(routes.get(route)?.template, route).toBe(template);
    for (const r of RECORDS) expect(routes.get(`servers/${r.name}/`)?.template, r.name).toBe('detail');
    // No page for an empty category, and no third list page for 51 servers.
    expect(routes.has('categories/finance/')).toBe(false);
    expect(routes.has('servers/page/3/')).toBe(false);
    const unexpected = pages
      .map((p) => p.route)
      .filter((r) => !expected.some(([e]) => e === r) && !RECORDS.some((x) => r === `servers/${x.name}/`));
    expect(unexpected).toEqual([]);
  });

  it('splits the static list by name so that its pages link every server once', () => {
    const lists = pages.filter((p) => p.template === 'browse');
    const linked = lists.flatMap((p) => (p.template === 'browse' ? p.props.cards.map((c) => c.name) : []));
    expect(linked).toEqual(RECORDS.map((r) => r.name).sort());
    for (const p of lists)
      if (p.template === 'browse') expect(p.props).toMatchObject({ pages: 2, total: RECORDS.length });
  });

  it('counts the home page figures from the index', () => {
    const home = routes.get('');
    if (home?.template !== 'home') throw new Error('no home page');
    expect(home.props.counts).toEqual({ servers: RECORDS.length, publishers: 3, versions: RECORDS.length, sources: 1 });
    expect(home.props.featuredTitle).toBe('Featured');
    expect(home.props.featured.map((c) => c.name)).toEqual(['io.github.acme/weather']);
    expect(home.props.categories.map((c) => [c.id, c.count])).toEqual([
      ['data', 3],
      ['system', STATIC_PAGE_SIZE],
    ]);
  });

  it('never lists a server as similar to itself', () => {
    for (const page of pages) {
      if (page.template !== 'detail') continue;
      expect(page.props.similar.map((c) => c.name)).not.toContain(page.props.name);
    }
    expect(detail(pages, 'io.github.acme/weather').similar.map((c) => c.name)).toEqual(['io.github.acme/climate']);
    expect(detail(pages, 'io.github.acme/climate').similar.map((c) => c.name)).toEqual(['io.github.acme/weather']);
  });

  it('passes listing and review text to the templates only sanitized', () => {
    const props = detail(pages, 'io.github.acme/weather');
    const html = [props.overviewHtml, ...props.reviews.map((r) => r.bodyHtml)].join('\n');
    expect(html).toContain('&lt;script&gt;');
    const tags = (html.match(/<[^>]*>/g) ?? []).join('');
    expect(tags).not.toMatch(/<script|<img|\son\w+=|href="javascript:/i);
    // A javascript: website is dropped, the https repository kept.
    expect(props.links).toEqual([{ label: 'Source', href: 'https://github.com/acme/weather' }]);
    expect(props.reviews.map((r) => [r.login, r.sample])).toEqual([
      ['alice', false],
      ['bob', true],
    ]);
  });

  it('links a deprecated server to its replacement', () => {
    expect(detail(pages, 'com.example/legacy')).toMatchObject({
      status: 'deprecated',
      replacedBy: { name: 'io.github.acme/weather', href: '/servers/io.github.acme/weather/' },
    });
  });

  it('offers a write-a-review link that opens a new file in the repository', () => {
    const href = detail(pages, 'io.github.acme/weather').writeReviewHref!;
    expect(
      href.startsWith('https://github.com/acme/catalog/new/main/catalog/reviews/io.github.acme/weather?filename='),
    ).toBe(true);
    const value = JSON.parse(new URL(href).searchParams.get('value')!) as { version: string; rating: number };
    expect(value).toMatchObject({ version: '1.0.0', rating: 5 });
  });

  it('evaluates each policy for each server', () => {
    const policy = routes.get('policies/strict/');
    if (policy?.template !== 'policy') throw new Error('no policy page');
    expect(policy.props.counts).toEqual({ allow: 1, deny: RECORDS.length - 1, 'needs-approval': 0 });
    expect(policy.props.allowed.map((r) => r.name)).toEqual(['io.github.acme/weather']);
    expect(detail(pages, 'io.github.acme/weather').policies).toMatchObject([{ name: 'strict', decision: 'allow' }]);
  });
});

describe('buildPages under a base path', () => {
  const baseUrl = 'https://acme.github.io/repo/';
  const pages = buildPages(input('/repo/', baseUrl));

  it('keeps the same routes and prefixes every link with the base', () => {
    expect(pages.map((p) => p.route)).toEqual(buildPages(input()).map((p) => p.route));
    const hrefs: string[] = [];
    const walk = (value: unknown, key = ''): void => {
      if (typeof value === 'string') {
        if (/href$|Href$|^manifest$|searchManifest/.test(key)) hrefs.push(value);
      } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
    };
    for (const page of pages) walk(page.props);
    expect(hrefs.length).toBeGreaterThan(100);
    const local = hrefs.filter((h) => !/^(https?:|mailto:|vscode:|cursor:)/.test(h));
    for (const href of local) expect(href.startsWith('/repo/'), href).toBe(true);
  });

  it('gives canonical URLs and the installer from baseUrl', () => {
    const props = detail(pages, 'io.github.acme/weather');
    expect(props.layout.canonical).toBe(`${baseUrl}servers/io.github.acme/weather/`);
    expect(props.install.installerHref).toBe(`${baseUrl}install.mjs`);
    expect(props.install.command).toBe(
      `curl -fsSLO ${baseUrl}install.mjs\nnode install.mjs install io.github.acme/weather`,
    );
  });
});

describe('policy pages with the full rule set', () => {
  /** A policy that uses groups, approvals, version and capability rules. */
  const CORP: Policy = {
    description: 'Corporate.',
    deny: { namespaces: ['org.filler'] },
    allowDeprecated: false,
    minAgeDays: 30,
    denyCapabilities: { own: ['shell'], unscanned: 'allow' },
    requireApproval: {
      servers: { categories: ['data'] },
      approved: [
        { server: 'io.github.acme/weather', versions: '^1.0.0', by: 'alice', at: '2026-11-01T00:00:00Z', issue: 7 },
      ],
    },
    autoInstall: ['io.github.acme/weather'],
    groups: { interns: { description: 'Interns.', deny: { names: ['io.github.acme/*'] } } },
  };
  const build = (policy: Policy) => {
    const base = input();
    base.index.policies!.push({
      name: 'corp',
      description: policy.description,
      detail: { path: 'policies/corp.json', sha256: SHA, size: 10 },
    });
    base.policies = new Map([...base.policies, ['corp', policy]]);
    return buildPages(base);
  };
  const pages = build(CORP);
  const page = byRoute(pages).get('policies/corp/');
  if (page?.template !== 'policy') throw new Error('no policy page');
  const decide = (name: string, plan = pages) => detail(plan, name).policies.find((p) => p.name === 'corp')!;

  it('says each rule, each group and the onboarding list in words', () => {
    expect(page.props.rules).toEqual(
      expect.arrayContaining([
        'Blocks namespaces org.filler.',
        'Blocks deprecated versions and servers.',
        'Waits 30 day(s) after a version is published before it may be installed.',
        'Blocks bundles whose own code uses shell.',
        'Sends categories data for approval.',
        'Onboards everyone with io.github.acme/weather.',
      ]),
    );
    expect(page.props.autoInstall).toEqual(['io.github.acme/weather']);
    expect(page.props.groups).toMatchObject([{ name: 'interns', rules: ['Also blocks names io.github.acme/*.'] }]);
    // The interns group blocks both acme servers, which the base policy allows or sends for approval.
    expect(page.props.counts).toMatchObject({ allow: 1, 'needs-approval': 1 });
    expect(page.props.groups[0]!.counts).toMatchObject({ allow: 0, 'needs-approval': 0 });
  });

  it('decides per server with the new rules, and links the approval issue form of the catalog repository', () => {
    expect(decide('org.filler/s00')).toMatchObject({ decision: 'deny', reasons: [expect.stringMatching(/namespace/)] });
    expect(decide('com.example/legacy')).toMatchObject({
      decision: 'deny',
      reasons: [expect.stringMatching(/deprecated/)],
    });
    // Published 2026-01-01, older than 30 days at the index's generatedAt (2026-12-01).
    expect(decide('io.github.acme/weather')).toMatchObject({
      decision: 'allow',
      reasons: [expect.stringMatching(/alice.*#7/)],
    });
    const climate = decide('io.github.acme/climate');
    expect(climate.decision).toBe('needs-approval');
    const url = new URL(climate.requestUrl!);
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/acme/catalog/issues/new');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      template: 'request-approval.yml',
      server: 'io.github.acme/climate',
      version: '1.0.0',
      policy: 'corp',
    });
    // Without `unscanned: allow`, a capability rule refuses npm packages the catalog did not scan.
    const strict = build({ ...CORP, denyCapabilities: { own: ['shell'] } });
    expect(decide('io.github.acme/weather', strict)).toMatchObject({
      decision: 'deny',
      reasons: [expect.stringMatching(/did not scan/)],
    });
    // And a newer minimum age refuses a version published eleven months before generatedAt.
    expect(decide('io.github.acme/weather', build({ ...CORP, minAgeDays: 400 })).reasons[0]).toMatch(/day\(s\) ago/);
  });
});

describe('reviewViews', () => {
  const votes = (up: number, down: number, thread = 'https://github.com/acme/catalog/issues/9') => ({
    up,
    down,
    thread,
    asOf: '2026-12-01T00:00:00Z',
  });
  const base = { rating: 4, body: 'Twenty characters or more.', version: '1.0.0' };

  it('ranks by net helpful votes, then votes, then newest, and keeps the record order for the page', () => {
    const views = reviewViews(
      [
        { ...base, login: 'new', publishedAt: '2026-11-01T00:00:00Z' },
        { ...base, login: 'liked', publishedAt: '2026-01-01T00:00:00Z', helpful: votes(5, 1) },
        { ...base, login: 'disliked', publishedAt: '2026-10-01T00:00:00Z', helpful: votes(0, 4) },
        { ...base, login: 'verified', publishedAt: '2026-02-01T00:00:00Z', verified: true, helpful: votes(4, 0) },
      ],
      (text) => text,
    );
    expect(views.map((v) => v.login)).toEqual(['new', 'liked', 'disliked', 'verified']);
    expect(views.map((v) => [v.login, v.helpfulRank])).toEqual([
      ['new', 2],
      ['liked', 0],
      ['disliked', 3],
      ['verified', 1],
    ]);
    expect(views[3]).toMatchObject({ verified: true, helpful: { up: 4, down: 0 } });
    expect(views[0]!.verified).toBe(false);
  });

  it('links no thread that is not https', () => {
    const [view] = reviewViews([{ ...base, login: 'x', helpful: votes(1, 0, 'javascript:alert(1)') }], (t) => t);
    expect(view).not.toHaveProperty('helpful');
  });
});
