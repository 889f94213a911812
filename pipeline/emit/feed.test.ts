import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { emitFeed, FEED_ENTRIES, FEED_PATH, stripNonXmlChars, xmlText } from './feed.ts';
import { buildEmitModel, type ModelSpec, type ServerSpec } from './test-model.ts';
import type { EmitModel } from './types.ts';

interface AtomLink {
  '@rel': string;
  '@href': string;
}
interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  link: AtomLink;
  summary: string;
  category: { '@term': string };
}
interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  updated: string;
  link: AtomLink[];
  author: { name: string };
  entry?: AtomEntry[];
}

function feedXml(model: EmitModel): string {
  const files = emitFeed(model);
  expect(files.map((f) => f.path)).toEqual([FEED_PATH]);
  return files[0]!.body as string;
}

function parseFeed(xml: string): AtomFeed {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (name) => name === 'entry' || name === 'link',
  });
  // Every <link> parses as an array; an entry has exactly one.
  const { feed } = parser.parse(xml) as {
    feed: Omit<AtomFeed, 'entry'> & { entry?: (Omit<AtomEntry, 'link'> & { link: AtomLink[] })[] };
  };
  return { ...feed, entry: feed.entry?.map((e) => ({ ...e, link: e.link[0]! })) };
}

const ISO = (day: number, hour = 0) => new Date(Date.UTC(2025, 0, day, hour)).toISOString().replace('.000Z', 'Z');

const SPECS: ServerSpec[] = [
  {
    name: 'io.github.acme/pdf-tools',
    title: 'PDF Toolkit',
    description: 'Merge and split PDF files.',
    category: 'productivity',
    versions: [
      { version: '1.1.0', publishedAt: ISO(3) },
      { version: '1.0.0', publishedAt: ISO(1) },
    ],
  },
  {
    name: 'io.github.octo/weather',
    description: 'Forecasts.',
    category: 'data',
    versions: [
      { version: '3.0.0', publishedAt: ISO(5), status: 'yanked' },
      { version: '2.0.0', publishedAt: ISO(3) },
    ],
  },
  { name: 'com.example/kube', title: 'Kube', versions: [{ version: '0.1.0', publishedAt: ISO(2) }] },
];

describe('emitFeed', () => {
  it('lists versions newest first, ties by name, without yanked ones', () => {
    const feed = parseFeed(feedXml(buildEmitModel(SPECS)));
    expect(feed.entry!.map((e) => e.title)).toEqual([
      'PDF Toolkit 1.1.0',
      'io.github.octo/weather 2.0.0',
      'Kube 0.1.0',
      'PDF Toolkit 1.0.0',
    ]);
    expect(feed.entry![0]).toMatchObject({
      updated: ISO(3),
      summary: 'Merge and split PDF files.',
      category: { '@term': 'productivity' },
    });
    expect(feed.updated).toBe(ISO(3));
  });

  it('orders versions of one server published together by version, highest first', () => {
    const feed = parseFeed(
      feedXml(
        buildEmitModel([
          {
            name: 'com.example/twins',
            versions: [
              { version: '1.10.0', publishedAt: ISO(1) },
              { version: '1.9.0', publishedAt: ISO(1) },
            ],
          },
        ]),
      ),
    );
    expect(feed.entry!.map((e) => e.title)).toEqual(['com.example/twins 1.10.0', 'com.example/twins 1.9.0']);
  });

  it(`keeps the newest ${FEED_ENTRIES} versions`, () => {
    const specs: ServerSpec[] = Array.from({ length: 60 }, (_, i) => ({
      name: `com.example/s${String(i).padStart(2, '0')}`,
      versions: [
        { version: '2.0.0', publishedAt: ISO(1, i % 24) },
        { version: '1.0.0', publishedAt: '2024-06-01T00:00:00Z' },
      ],
    }));
    const feed = parseFeed(feedXml(buildEmitModel(specs)));
    expect(feed.entry).toHaveLength(FEED_ENTRIES);
    expect(feed.entry!.filter((e) => e.title.endsWith(' 2.0.0'))).toHaveLength(60);
    const times = feed.entry!.map((e) => Date.parse(e.updated));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('gives every entry a stable id of its own, scoped to the catalog', () => {
    const ids = (spec: ModelSpec) => parseFeed(feedXml(buildEmitModel(SPECS, spec))).entry!.map((e) => e.id);
    const first = ids({ baseUrl: 'https://catalog.example/' });
    expect(ids({ baseUrl: 'https://catalog.example/' })).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    for (const id of first)
      expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const fork = ids({ baseUrl: 'https://fork.example/' });
    expect(fork.filter((id) => first.includes(id))).toEqual([]);
  });

  it('is byte-identical for an unchanged catalog, whatever the build time and serial', () => {
    const model = buildEmitModel(SPECS);
    const later: EmitModel = {
      ...model,
      index: { ...model.index, generatedAt: '2030-01-01T00:00:00Z', serial: 99, expires: '2031-01-01T00:00:00Z' },
    };
    expect(feedXml(later)).toBe(feedXml(model));
  });

  it('links to the server pages and itself: absolute under a base URL, relative without', () => {
    const absolute = parseFeed(feedXml(buildEmitModel(SPECS, { baseUrl: 'https://catalog.example/' })));
    expect(absolute.entry![0]!.link).toMatchObject({
      '@rel': 'alternate',
      '@href': 'https://catalog.example/servers/io.github.acme/pdf-tools/',
    });
    expect(absolute.link.find((l) => l['@rel'] === 'self')!['@href']).toBe('https://catalog.example/feed.xml');
    const relative = parseFeed(feedXml(buildEmitModel(SPECS)));
    expect(relative.entry![0]!.link['@href']).toBe('servers/io.github.acme/pdf-tools/');
    expect(relative.link.find((l) => l['@rel'] === 'self')!['@href']).toBe('feed.xml');
  });

  it('has the catalog as title and author', () => {
    const feed = parseFeed(feedXml(buildEmitModel(SPECS, { catalogName: 'Acme MCP', catalogDescription: 'Ours.' })));
    expect(feed).toMatchObject({ title: 'Acme MCP', subtitle: 'Ours.', author: { name: 'Acme MCP' } });
  });

  it('is a valid feed for an empty catalog, with a fixed date', () => {
    const feed = parseFeed(feedXml(buildEmitModel([])));
    expect(feed.entry).toBeUndefined();
    expect(feed.updated).toBe('1970-01-01T00:00:00Z');
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const hostile = `<script>alert("x")</script> & 'q' ]]> \u0000\u0008\u000b\ufffe\uffff\ud800 \u{1F600} end`;
    const clean = `<script>alert("x")</script> & 'q' ]]>  \u{1F600} end`;
    const xml = feedXml(
      buildEmitModel(
        [
          {
            name: 'io.github.evil/x',
            title: hostile,
            description: hostile,
            category: `a"b<c>&'`,
            versions: [{ version: '1.0.0', publishedAt: ISO(1) }],
          },
        ],
        { catalogName: hostile, baseUrl: `https://x.example/?a=1&b="2"/` },
      ),
    );
    expect(xml).not.toContain('<script');
    for (const bad of ['\u0000', '\u0008', '\u000b', '\ufffe', '\uffff']) expect(xml).not.toContain(bad);
    expect(xml).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    const feed = parseFeed(xml);
    expect(feed.title).toBe(clean);
    expect(feed.entry![0]).toMatchObject({
      title: `${clean} 1.0.0`,
      summary: clean,
      category: { '@term': `a"b<c>&'` },
      link: { '@href': 'https://x.example/?a=1&b="2"/servers/io.github.evil/x/' },
    });
  });
});

describe('xmlText', () => {
  it('escapes the five XML specials and strips non-characters', () => {
    expect(xmlText(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(stripNonXmlChars('a\u0001\tb\nc\rd\ud83d\ude00\udfff')).toBe('a\tb\nc\rd\ud83d\ude00');
  });
});
