/**
 * `feed.xml`: an Atom 1.0 feed (RFC 4287) of the newest versions across the catalog. Everything
 * in it derives from the index, never from the clock, so an unchanged catalog gives a
 * byte-identical feed and feed readers see nothing new.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import type { IndexServer, IndexVersion } from '../core/schema-types.gen.ts';
import type { EmitModel, EmittedFile } from './types.ts';

export const FEED_PATH = 'feed.xml';
export const FEED_ENTRIES = 100;

/** Used as `updated` of a feed with no entries, so that it too is stable. */
const EPOCH = '1970-01-01T00:00:00Z';

/**
 * Everything outside XML 1.0's `Char` production (§2.2): C0 controls but tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF. A parser must reject a document holding one, even escaped.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Untrusted text made safe for XML 1.0 character data and attribute values (either quote). */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Text with the characters XML 1.0 cannot carry removed; for libraries that escape but do not strip. */
export function stripNonXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/**
 * The server page's URL: absolute under baseUrl, else relative to dist/ (where feed.xml sits).
 * Each segment is percent-encoded: valid names need none, and an invalid one cannot break out.
 */
export function serverPageUrl(name: string, baseUrl: string | undefined): string {
  return `${baseUrl ?? ''}servers/${name.split('/').map(encodeURIComponent).join('/')}/`;
}

/**
 * A name-based UUID (RFC 9562 §5.5, version 5): the same inputs give the same id in every build,
 * as Atom wants of `id` (RFC 4287 §4.2.6), with no domain or date needed as a `tag:` URI would.
 */
function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 9562's namespace for URLs. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

interface Entry {
  server: IndexServer;
  version: IndexVersion;
}

/** Epoch milliseconds; an unparsable date (the schema rules it out) sorts last. */
function time(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** Newest first; ties by name, then by version (highest first), so the order never depends on input order. */
function compareEntries(a: Entry, b: Entry): number {
  const at = time(a.version.publishedAt);
  const bt = time(b.version.publishedAt);
  if (at !== bt) return at < bt ? 1 : -1;
  if (a.server.name !== b.server.name) return a.server.name < b.server.name ? -1 : 1;
  const av = semver.valid(a.version.version);
  const bv = semver.valid(b.version.version);
  if (av && bv) return semver.rcompare(av, bv);
  return a.version.version < b.version.version ? 1 : a.version.version > b.version.version ? -1 : 0;
}

/** RFC 3339 as Atom requires it; the index's date-times already are, this normalises to UTC `Z`. */
function atomDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? EPOCH : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The newest versions, yanked ones left out (they are not installable, and a feed reader cannot un-announce). */
export function newestVersions(model: EmitModel, limit = FEED_ENTRIES): Entry[] {
  return model.index.servers
    .flatMap((server) => server.versions.filter((v) => v.status !== 'yanked').map((version) => ({ server, version })))
    .sort(compareEntries)
    .slice(0, limit);
}

export function emitFeed(model: EmitModel): EmittedFile[] {
  const { catalog } = model.index;
  // Ids are scoped to the catalog, so a fork's feed does not reuse the upstream's ids.
  const feedId = uuidV5(URL_NAMESPACE, model.baseUrl ?? catalog.url ?? catalog.name);
  const entries = newestVersions(model);
  const updated = entries[0] ? atomDate(entries[0].version.publishedAt) : EPOCH;
  const base = model.baseUrl ?? '';

  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:uuid:${feedId}</id>`,
    `  <title>${xmlText(catalog.name)}</title>`,
    ...(catalog.description ? [`  <subtitle>${xmlText(catalog.description)}</subtitle>`] : []),
    `  <updated>${updated}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(`${base}${FEED_PATH}`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(base || './')}"/>`,
    // Atom requires an author on the feed or on every entry; the catalog speaks for its listings.
    `  <author><name>${xmlText(catalog.name)}</name></author>`,
  ];
  for (const { server, version } of entries) {
    const id = uuidV5(feedId, `${server.name}@${version.version}`);
    lines.push(
      '  <entry>',
      `    <id>urn:uuid:${id}</id>`,
      `    <title>${xmlText(`${server.title ?? server.name} ${version.version}`)}</title>`,
      `    <updated>${atomDate(version.publishedAt)}</updated>`,
      `    <link rel="alternate" type="text/html" href="${xmlText(serverPageUrl(server.name, model.baseUrl))}"/>`,
      `    <summary>${xmlText(server.description)}</summary>`,
      `    <category term="${xmlText(server.category)}"/>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return [{ path: FEED_PATH, body: lines.join('\n') }];
}
