/**
 * SVG badges per server, drawn by badge-maker (shields.io's own renderer), for READMEs:
 *
 *   badges/<namespace>/<name>/listed.svg    "<catalog> | listed", coloured by trust level
 *   badges/<namespace>/<name>/verdict.svg   "scan | pass / review / reject / none"
 *   badges/<namespace>/<name>/rating.svg    "rating | 4.3/5 (12)" or "no reviews"
 *
 * badge-maker escapes `& < > " '` in every text and attribute it writes but does not remove the
 * characters XML 1.0 forbids, so text goes through stripNonXmlChars first.
 */
import { makeBadge } from 'badge-maker';
import type { IndexServer, TrustLevel, Verdict } from '../core/schema-types.gen.ts';
import { serverPageUrl, stripNonXmlChars, xmlText } from './feed.ts';
import type { EmitModel, EmittedFile } from './types.ts';

export type EmitErrorCode = 'unsafe-server-name';

/** A model that emitters cannot turn into files; validation should have stopped it earlier. */
export class EmitError extends Error {
  override name = 'EmitError';
  readonly code: EmitErrorCode;
  constructor(code: EmitErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The official registry's name pattern (server.schema.json), which validation enforces. */
const SERVER_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;

/**
 * The name's two path segments. The registry pattern still admits `.` and `..` as segments, which
 * would climb out of badges/; such a name, or any that fails the pattern, is refused.
 */
export function serverPathSegments(name: string): [string, string] {
  const segments = name.split('/');
  if (!SERVER_NAME.test(name) || segments.some((s) => s === '.' || s === '..')) {
    throw new EmitError(
      'unsafe-server-name',
      `Server name ${JSON.stringify(name)} is not <namespace>/<name> in the registry's characters; fix the listing (validation should have refused it).`,
    );
  }
  return segments as [string, string];
}

const TRUST_COLOR: Record<TrustLevel, string> = {
  official: 'brightgreen',
  verified: 'green',
  community: 'blue',
  unverified: 'lightgrey',
};

const VERDICT_COLOR: Record<Verdict, string> = { pass: 'brightgreen', review: 'yellow', reject: 'red' };

function ratingColor(average: number): string {
  if (average >= 4.5) return 'brightgreen';
  if (average >= 4) return 'green';
  if (average >= 3) return 'yellowgreen';
  if (average >= 2) return 'orange';
  return 'red';
}

/**
 * badge-maker lays out the text (about 40 µs a badge, so 20,000 badges cost most of a rebuild);
 * badges differ mostly only in their link. Each distinct label, message and colour is laid out once
 * with a placeholder link, which is then replaced by the real one, escaped as badge-maker escapes it.
 */
const LINK_PLACEHOLDER = 'https://link.placeholder.invalid/';
const layouts = new Map<string, string>();

export function badge(label: string, message: string, color: string, link: string): string {
  const key = JSON.stringify([label, message, color]);
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = makeBadge({
      label: stripNonXmlChars(label),
      message: stripNonXmlChars(message),
      color,
      links: [LINK_PLACEHOLDER],
    });
    layouts.set(key, layout);
  }
  return layout.replaceAll(LINK_PLACEHOLDER, xmlText(link));
}

function serverBadges(server: IndexServer, catalogLabel: string, baseUrl: string | undefined): EmittedFile[] {
  const dir = `badges/${serverPathSegments(server.name).join('/')}`;
  // Without a base URL the link is relative to the badge itself: up out of badges/<namespace>/<name>/.
  const link = baseUrl ? serverPageUrl(server.name, baseUrl) : `../../../${serverPageUrl(server.name, undefined)}`;
  const { average, count } = server.rating;
  return [
    { path: `${dir}/listed.svg`, body: badge(catalogLabel, 'listed', TRUST_COLOR[server.trust], link) },
    {
      path: `${dir}/verdict.svg`,
      body: badge('scan', server.verdict ?? 'none', server.verdict ? VERDICT_COLOR[server.verdict] : 'lightgrey', link),
    },
    {
      path: `${dir}/rating.svg`,
      body:
        count > 0 && average !== undefined
          ? badge('rating', `${average.toFixed(1)}/5 (${count})`, ratingColor(average), link)
          : badge('rating', 'no reviews', 'lightgrey', link),
    },
  ];
}

export function emitBadges(model: EmitModel): EmittedFile[] {
  // Shields' convention is a lower-case label; a fork's badges carry its own catalog name.
  const catalogLabel = model.index.catalog.name.toLowerCase();
  return model.index.servers.flatMap((server) => serverBadges(server, catalogLabel, model.baseUrl));
}
