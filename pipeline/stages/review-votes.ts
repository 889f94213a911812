/**
 * Helpful votes on reviews (issue 13). Each published review gets one thread, a GitHub issue
 * labelled `review-thread` whose body carries a marker naming the review; people vote by reacting
 * 👍 or 👎 to it, and the stats step counts the reactions that the REST API reports with each
 * issue, so one paged list of the threads gives every count (no request per review).
 *
 * Issues, not Discussions: the REST API lists issues with their reaction counts and the workflow
 * token can open them; Discussions need GraphQL and a category set up by hand.
 *
 * Pure: planning the missing threads, and matching thread counts back to reviews.
 */
import type { GitHubAction } from '../core/github-actions.ts';
import { markerComment } from '../core/github-actions.ts';
import type { Curation, HelpfulVotes, PublishedReview, Review } from '../core/schema-types.gen.ts';
import type { LoadedCatalog } from './load.ts';

export const REVIEW_THREAD_LABEL = 'review-thread';

/** The marker of a review's thread: the server and the reviewer's login. */
export function reviewThreadMarker(server: string, login: string): string {
  return `review-thread:${server}/${login.toLowerCase()}`;
}

/** Whether maintainers hid this login's review of the server (curation `hiddenReviews`); the site and index leave it out. */
export function isHiddenReview(curation: Curation | undefined, login: string): boolean {
  return (curation?.hiddenReviews ?? []).some((h) => h.login.toLowerCase() === login.toLowerCase());
}

/** Every review in the catalog that is published: valid JSON, and not hidden by curation. */
export function publishedReviews(catalog: LoadedCatalog): ReviewRef[] {
  const curation = new Map<string, Curation>();
  for (const file of catalog.files)
    if (file.location.kind === 'curation' && file.json?.value)
      curation.set(file.location.server, file.json.value as Curation);
  const reviews: ReviewRef[] = [];
  for (const file of catalog.files) {
    if (file.location.kind !== 'review' || !file.json?.value) continue;
    const { server, login } = file.location;
    if (isHiddenReview(curation.get(server), login)) continue;
    const review = file.json.value as Review;
    reviews.push({
      server,
      review: {
        login,
        rating: review.rating,
        version: review.version,
        ...(review.title ? { title: review.title } : {}),
      },
    });
  }
  return reviews;
}

export interface ReviewRef {
  server: string;
  review: Pick<PublishedReview, 'login' | 'rating' | 'title' | 'version'>;
}

export interface ReviewThreadsInput {
  reviews: readonly ReviewRef[];
  /** Markers of the threads that exist already (open or closed). */
  existing: ReadonlySet<string>;
  /** The server's page on the published site, for the thread to link back; absent without a baseUrl. */
  pageUrl?: (server: string) => string;
  /** Threads opened per run at most, so a first run on a big catalog stays within GitHub's secondary limits. */
  max: number;
}

/** One `issue` action per published review that has no thread yet, in a stable order. */
export function planReviewThreads(input: ReviewThreadsInput): GitHubAction[] {
  const missing = input.reviews
    .map((ref) => ({ ...ref, marker: reviewThreadMarker(ref.server, ref.review.login) }))
    .filter((ref) => !input.existing.has(ref.marker))
    .sort((a, b) => a.marker.localeCompare(b.marker));
  return missing.slice(0, input.max).map(({ server, review, marker }) => {
    const stars = '★'.repeat(review.rating) + '☆'.repeat(5 - review.rating);
    const page = input.pageUrl?.(server);
    return {
      kind: 'issue',
      marker,
      title: `Review of ${server} by @${review.login}`,
      labels: [REVIEW_THREAD_LABEL],
      body: [
        markerComment(marker),
        `**Was this review helpful?** React with 👍 or 👎 to this issue; the catalog counts the reactions and sorts reviews by them.`,
        '',
        `> ${stars} ${neutralize(review.title ?? '')}`.trimEnd(),
        `> @${review.login} used version ${neutralize(review.version)}.`,
        '',
        page ? `Read it on the catalog: ${page}` : '',
        '',
        'Comments here are not part of the review. To change the review, its author opens a pull request on its file.',
      ]
        .join('\n')
        .replace(/\n{3,}/g, '\n\n'),
    };
  });
}

/** A thread as the issues API lists it. */
export interface ReviewThread {
  body: string;
  url: string;
  up: number;
  down: number;
}

/** Votes by review marker, from the listed threads; a thread whose marker is missing or repeated counts once, first wins. */
export function votesByMarker(threads: readonly ReviewThread[], asOf: Date): Map<string, HelpfulVotes> {
  const votes = new Map<string, HelpfulVotes>();
  for (const thread of threads) {
    const marker = /<!-- mcp-catalog:(review-thread:[^ ]+) -->/.exec(thread.body)?.[1];
    if (!marker || votes.has(marker)) continue;
    votes.set(marker, { up: thread.up, down: thread.down, thread: thread.url, asOf: asOf.toISOString() });
  }
  return votes;
}

/**
 * Order for "most helpful": more net votes first, then more votes at all, then newest. A review
 * never counted sorts as zero votes.
 */
export function compareHelpful(
  a: Pick<PublishedReview, 'helpful' | 'publishedAt'>,
  b: Pick<PublishedReview, 'helpful' | 'publishedAt'>,
): number {
  const net = (r: typeof a) => (r.helpful ? r.helpful.up - r.helpful.down : 0);
  const total = (r: typeof a) => (r.helpful ? r.helpful.up + r.helpful.down : 0);
  return net(b) - net(a) || total(b) - total(a) || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '');
}

/** Review text quoted into an issue must not mention people or close issues: break `@` and `#` references. */
function neutralize(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/@/g, '@\u200b')
    .replace(/#(\d)/g, '#\u200b$1')
    .slice(0, 200);
}
