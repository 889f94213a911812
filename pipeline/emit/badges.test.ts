import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { makeBadge } from 'badge-maker';
import { badge, EmitError, emitBadges, serverPathSegments } from './badges.ts';
import { buildEmitModel, type ModelSpec, type ServerSpec } from './test-model.ts';

/** badge-maker's named colours (badge-maker/lib/color.js), as they appear in the SVG. */
const COLOR = {
  brightgreen: '#4b0',
  green: '#67ac09',
  yellow: '#d8b800',
  yellowgreen: '#95991a',
  orange: '#ea7233',
  red: '#dd4343',
  blue: '#007ec6',
  lightgrey: '#939393',
};

interface Badge {
  /** badge-maker's `<title>`: "label: message". */
  title: string;
  href: string;
  /** The message side's background. */
  color: string;
}

function parseBadge(svg: string): Badge {
  expect(XMLValidator.validate(svg)).toBe(true);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });
  const { svg: root } = parser.parse(svg) as {
    svg: { title: string; a: { '@href': string; g: { rect: { '@fill': string }[] }[] } };
  };
  // The first <g> holds the label's rect, the message's rect and the gloss.
  return { title: root.title, href: root.a['@href'], color: root.a.g[0]!.rect[1]!['@fill'] };
}

function badgesOf(specs: ServerSpec[], model: ModelSpec = {}): Map<string, Badge> {
  return new Map(emitBadges(buildEmitModel(specs, model)).map((f) => [f.path, parseBadge(f.body as string)]));
}

describe('emitBadges', () => {
  it('writes three badges per server, the name kept as directories', () => {
    const paths = emitBadges(buildEmitModel([{ name: 'io.github.acme/pdf-tools' }, { name: 'com.example/kube' }])).map(
      (f) => f.path,
    );
    expect(paths.sort()).toEqual([
      'badges/com.example/kube/listed.svg',
      'badges/com.example/kube/rating.svg',
      'badges/com.example/kube/verdict.svg',
      'badges/io.github.acme/pdf-tools/listed.svg',
      'badges/io.github.acme/pdf-tools/rating.svg',
      'badges/io.github.acme/pdf-tools/verdict.svg',
    ]);
  });

  it('says "listed" under the catalog name, coloured by trust level', () => {
    const badges = badgesOf(
      [
        { name: 'a.example/official', trust: 'official' },
        { name: 'a.example/verified', trust: 'verified' },
        { name: 'a.example/community', trust: 'community' },
        { name: 'a.example/unverified', trust: 'unverified' },
      ],
      { catalogName: 'MCP Catalog' },
    );
    const listed = (name: string) => badges.get(`badges/a.example/${name}/listed.svg`)!;
    expect(listed('official').title).toBe('mcp catalog: listed');
    expect(listed('official').color).toBe(COLOR.brightgreen);
    expect(listed('verified').color).toBe(COLOR.green);
    expect(listed('community').color).toBe(COLOR.blue);
    expect(listed('unverified').color).toBe(COLOR.lightgrey);
  });

  it('shows the scan verdict, or none', () => {
    const badges = badgesOf([
      { name: 'a.example/pass', verdict: 'pass' },
      { name: 'a.example/review', verdict: 'review' },
      { name: 'a.example/reject', verdict: 'reject' },
      { name: 'a.example/none' },
    ]);
    const verdict = (name: string) => badges.get(`badges/a.example/${name}/verdict.svg`)!;
    expect(verdict('pass')).toMatchObject({ title: 'scan: pass', color: COLOR.brightgreen });
    expect(verdict('review')).toMatchObject({ title: 'scan: review', color: COLOR.yellow });
    expect(verdict('reject')).toMatchObject({ title: 'scan: reject', color: COLOR.red });
    expect(verdict('none')).toMatchObject({ title: 'scan: none', color: COLOR.lightgrey });
  });

  it('shows the average rating and the number of reviews, or that there are none', () => {
    const review = (rating: number, login: string) => ({ login, rating, body: 'ok' });
    const badges = badgesOf([
      { name: 'a.example/rated', reviews: [review(4, 'a'), review(5, 'b'), review(4, 'c')] },
      { name: 'a.example/poor', reviews: [review(1, 'a')] },
      { name: 'a.example/unrated' },
    ]);
    expect(badges.get('badges/a.example/rated/rating.svg')).toMatchObject({
      title: 'rating: 4.3/5 (3)',
      color: COLOR.green,
    });
    expect(badges.get('badges/a.example/poor/rating.svg')).toMatchObject({
      title: 'rating: 1.0/5 (1)',
      color: COLOR.red,
    });
    expect(badges.get('badges/a.example/unrated/rating.svg')).toMatchObject({
      title: 'rating: no reviews',
      color: COLOR.lightgrey,
    });
  });

  it('links to the server page: absolute under a base URL, else relative to the badge', () => {
    const spec = [{ name: 'io.github.acme/pdf-tools' }];
    expect(
      badgesOf(spec, { baseUrl: 'https://catalog.example/' }).get('badges/io.github.acme/pdf-tools/listed.svg')!.href,
    ).toBe('https://catalog.example/servers/io.github.acme/pdf-tools/');
    expect(badgesOf(spec).get('badges/io.github.acme/pdf-tools/listed.svg')!.href).toBe(
      '../../../servers/io.github.acme/pdf-tools/',
    );
  });

  it('escapes hostile text and drops characters XML cannot carry', () => {
    const hostile = `<script>alert("x")</script> & 'co'\u0000\u0008\ufffe`;
    const files = emitBadges(
      buildEmitModel([{ name: 'io.github.acme/pdf-tools', title: hostile, description: hostile }], {
        catalogName: hostile,
        baseUrl: `https://x.example/?a=1&b="<script>"/`,
      }),
    );
    for (const file of files) {
      const svg = file.body as string;
      expect(svg).not.toMatch(/<script/i);
      for (const bad of ['\u0000', '\u0008', '\ufffe']) expect(svg).not.toContain(bad);
      expect(XMLValidator.validate(svg)).toBe(true);
    }
    const listed = parseBadge(files.find((f) => f.path.endsWith('/listed.svg'))!.body as string);
    expect(listed.title).toBe(`<script>alert("x")</script> & 'co': listed`);
    expect(listed.href).toBe('https://x.example/?a=1&b="<script>"/servers/io.github.acme/pdf-tools/');
  });

  it('refuses a server name that could leave badges/', () => {
    for (const name of ['../x', 'x/..', './x', 'a/b/c', 'io.github.x/<script>', 'a\\b/c', 'noslash', '/abs']) {
      let error: unknown;
      try {
        emitBadges(buildEmitModel([{ name }]));
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(EmitError);
      expect((error as EmitError).code).toBe('unsafe-server-name');
    }
    expect(serverPathSegments('io.github.a-b/c_d.e')).toEqual(['io.github.a-b', 'c_d.e']);
  });
});

describe('badge layout reuse', () => {
  it('gives exactly what badge-maker gives for the same label, message, colour and link', () => {
    for (const link of ['https://acme.example/servers/io.github.a/b/', 'servers/x/?a=1&b=<2>"\'']) {
      for (const [label, message, color] of [
        ['mcp catalog', 'listed', 'blue'],
        ['scan', 'pass', 'brightgreen'],
        ['a & b', '<script>', 'red'],
      ] as const) {
        expect(badge(label, message, color, link)).toBe(makeBadge({ label, message, color, links: [link] }));
      }
    }
  });
});
