/**
 * The stats stage (design.md, step 7): GitHub stars, downloads of `.mcpb` release assets, npm
 * weekly downloads, and the helpful votes on each published review (review-votes.ts), per server.
 *
 * The rule for failures: a figure the build could not fetch keeps its last published value, with
 * its old `asOf`, from the previous index.json; a figure never fetched is absent. Never a zero in
 * place of a failure: a zero would read as "nobody uses this". Each figure kept or missing for a
 * failure gets a note, which the build prints.
 *
 * The sources are injected (absent = off, as with `--offline`); everything after the fetch is
 * done by the pure functions below (`settleMetric`, `npmOutcome`, `outcomeOf`).
 */
import { mapLimit } from '../core/concurrency.ts';
import type { CatalogIndex, HelpfulVotes, ServerStats, StatValue } from '../core/schema-types.gen.ts';
import type { GitHubStatsSource } from '../adapters/github.ts';
import type { NpmDownloadsError, NpmDownloadsSource } from '../adapters/npm-downloads.ts';
import { reviewThreadMarker, votesByMarker, type ReviewThread } from './review-votes.ts';

export type StatsMetric = NumericMetric | 'reviewVotes';
/** The figures that are one number each. */
type NumericMetric = 'stars' | 'releaseDownloads' | 'npmWeeklyDownloads';

/** Every review thread of the repository (one paged list, reactions included). */
export type ReviewThreadsSource = () => Promise<ReviewThread[]>;

export interface StatsServer {
  name: string;
  /** The GitHub repository of the source, if it is on GitHub (see `repositoryOf`). */
  repository?: { owner: string; repo: string };
  /** npm packages the server is published as; their weekly downloads are summed. */
  npmPackages: string[];
  /** Whether the server ships `.mcpb` bundles as GitHub release assets: only then are they counted. */
  hasReleaseBundles: boolean;
  /** Lower-case logins of the server's published (not hidden) reviews, whose votes are counted. */
  reviewers: string[];
}

export interface StatsInput {
  servers: readonly StatsServer[];
  /** `servers[].stats` of the previously published index.json, by server name. */
  previous: ReadonlyMap<string, ServerStats>;
  /** An absent source is off: its figures keep their previous values. */
  sources: { github?: GitHubStatsSource; npm?: NpmDownloadsSource; reviewThreads?: ReviewThreadsSource };
  now: Date;
  /** GitHub repositories fetched at once. Default 8. */
  concurrency?: number;
}

export interface StatsNote {
  server: string;
  metric: StatsMetric;
  /** 'kept-previous': the last published figure stands; 'unavailable': there was none, the figure is absent. */
  kind: 'kept-previous' | 'unavailable';
  /** The source's error code ('rate-limited', 'not-found', ...), or 'source-off' when the source was not used. */
  code: string;
  message: string;
}

export interface StatsOutput {
  /** Every input server, with the figures it has (possibly none). */
  stats: Map<string, ServerStats>;
  notes: StatsNote[];
}

/** What one source said about one figure. */
export type MetricOutcome = { ok: true; value: number } | SourceFailure;
export type SourceFailure = { ok: false; code: string; message: string };

const METRIC_LABEL: Record<StatsMetric, string> = {
  stars: 'GitHub stars',
  releaseDownloads: 'GitHub release downloads',
  npmWeeklyDownloads: 'npm weekly downloads',
  reviewVotes: 'Helpful votes on reviews',
};

export const SOURCE_OFF = 'source-off';

/** `servers[].stats` of a previous index.json, by server name: the `previous` of `fetchStats`. */
export function previousStats(index: Pick<CatalogIndex, 'servers'> | undefined): Map<string, ServerStats> {
  return new Map((index?.servers ?? []).map((server) => [server.name, server.stats]));
}

export async function fetchStats(input: StatsInput): Promise<StatsOutput> {
  const { github, npm, reviewThreads } = input.sources;
  const [githubOutcomes, npmResults, threads] = await Promise.all([
    github ? fetchGitHub(github, input.servers, input.concurrency ?? 8) : undefined,
    npm ? fetchNpm(npm, input.servers) : undefined,
    reviewThreads?.().then(
      (list): VotesOutcome => ({ ok: true, votes: votesByMarker(list, input.now) }),
      (error: unknown): VotesOutcome => outcomeOf(error),
    ),
  ]);
  const asOf = input.now.toISOString();
  const off = (source: string): SourceFailure => ({
    ok: false,
    code: SOURCE_OFF,
    message: `${source} was not queried in this build (offline, or no client configured).`,
  });

  const stats = new Map<string, ServerStats>();
  const notes: StatsNote[] = [];
  for (const server of input.servers) {
    const previous = input.previous.get(server.name) ?? {};
    const outcomes: Partial<Record<NumericMetric, MetricOutcome>> = {};
    if (server.repository) {
      const key = repositoryKey(server.repository);
      outcomes.stars = githubOutcomes ? githubOutcomes.stars.get(key)! : off('GitHub');
      if (server.hasReleaseBundles) {
        outcomes.releaseDownloads = githubOutcomes ? githubOutcomes.releaseDownloads.get(key)! : off('GitHub');
      }
    }
    if (server.npmPackages.length > 0) {
      outcomes.npmWeeklyDownloads = npmResults ? npmOutcome(server.npmPackages, npmResults) : off('npm');
    }
    const result = settleServer(server.name, outcomes, previous, asOf);
    if (server.reviewers.length > 0) {
      const votes = settleReviewVotes(server, threads ?? off('GitHub'), previous.reviewVotes ?? {});
      if (votes.value) result.stats.reviewVotes = votes.value;
      if (votes.note) result.notes.push(votes.note);
    }
    stats.set(server.name, result.stats);
    notes.push(...result.notes);
  }
  return { stats, notes };
}

/** What listing the review threads gave: every thread's votes by marker, or why there are none. */
export type VotesOutcome = { ok: true; votes: ReadonlyMap<string, HelpfulVotes> } | SourceFailure;

/**
 * A server's review votes. Fresh: the votes of each reviewer whose thread exists (a review whose
 * thread is not open yet has none, which is no failure). Failed: the last published votes of the
 * current reviewers, with one note for the server, as for any other figure.
 */
export function settleReviewVotes(
  server: Pick<StatsServer, 'name' | 'reviewers'>,
  outcome: VotesOutcome,
  previous: Readonly<Record<string, HelpfulVotes>>,
): { value?: Record<string, HelpfulVotes>; note?: StatsNote } {
  const pick = (votesOf: (login: string) => HelpfulVotes | undefined) => {
    const value: Record<string, HelpfulVotes> = {};
    for (const login of [...server.reviewers].sort()) {
      const votes = votesOf(login);
      if (votes) value[login] = votes;
    }
    return Object.keys(value).length > 0 ? value : undefined;
  };
  if (outcome.ok) {
    const value = pick((login) => outcome.votes.get(reviewThreadMarker(server.name, login)));
    return value ? { value } : {};
  }
  const kept = pick((login) => previous[login]);
  const label = METRIC_LABEL.reviewVotes;
  return {
    ...(kept ? { value: kept } : {}),
    note: {
      server: server.name,
      metric: 'reviewVotes',
      kind: kept ? 'kept-previous' : 'unavailable',
      code: outcome.code,
      message: kept
        ? `${label} of ${server.name}: kept the counts of ${Object.keys(kept).length} review(s) from the last index. ${outcome.message}`
        : `${label} of ${server.name}: none published, none fetched. ${outcome.message}`,
    },
  };
}

/**
 * One server's figures from what the sources said. Only the metrics in `outcomes` apply to the
 * server; a previous figure of a metric that no longer applies (no repository, no bundles, no
 * npm package any more) is dropped.
 */
export function settleServer(
  server: string,
  outcomes: Partial<Record<NumericMetric, MetricOutcome>>,
  previous: ServerStats,
  asOf: string,
): { stats: ServerStats; notes: StatsNote[] } {
  const stats: ServerStats = {};
  const notes: StatsNote[] = [];
  for (const metric of ['stars', 'releaseDownloads', 'npmWeeklyDownloads'] as const) {
    const outcome = outcomes[metric];
    if (!outcome) continue;
    const { value, note } = settleMetric(server, metric, outcome, previous[metric], asOf);
    if (value) stats[metric] = value;
    if (note) notes.push(note);
  }
  return { stats, notes };
}

/** A fresh figure, else the previous one with a note, else nothing with a note. Never a zero for a failure. */
export function settleMetric(
  server: string,
  metric: NumericMetric,
  outcome: MetricOutcome,
  previous: StatValue | undefined,
  asOf: string,
): { value?: StatValue; note?: StatsNote } {
  if (outcome.ok) return { value: { value: outcome.value, asOf } };
  const label = METRIC_LABEL[metric];
  if (previous) {
    return {
      value: { value: previous.value, asOf: previous.asOf },
      note: {
        server,
        metric,
        kind: 'kept-previous',
        code: outcome.code,
        message: `${label} of ${server}: kept ${previous.value} from ${previous.asOf}. ${outcome.message}`,
      },
    };
  }
  return {
    note: {
      server,
      metric,
      kind: 'unavailable',
      code: outcome.code,
      message: `${label} of ${server}: none published, none fetched. ${outcome.message}`,
    },
  };
}

/**
 * The sum of a server's npm packages; a failure if any package failed, so that a partial sum is
 * never published (it would read as a drop in downloads).
 */
export function npmOutcome(
  packages: readonly string[],
  results: ReadonlyMap<string, number | NpmDownloadsError | Error>,
): MetricOutcome {
  let sum = 0;
  for (const name of new Set(packages)) {
    const result = results.get(name);
    if (typeof result === 'number') {
      sum += result;
      continue;
    }
    const failure = outcomeOf(result ?? new Error(`npm returned nothing for ${name}.`));
    return { ok: false, code: failure.code, message: `npm package ${name}: ${failure.message}` };
  }
  return { ok: true, value: sum };
}

/** The code and message of anything a source threw: the adapters' errors carry a `code`. */
export function outcomeOf(error: unknown): SourceFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    ok: false,
    code: error instanceof Error && typeof code === 'string' ? code : 'unexpected',
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * `{owner, repo}` of a GitHub repository URL: `https://github.com/OWNER/REPO`, with an optional
 * `.git` and further path (`/tree/main/src/server`). Anything else (another host, credentials, a
 * port, a name GitHub would not allow) is undefined: no figure is better than another repository's.
 */
export function repositoryOf(url: string): { owner: string; repo: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'git+https:') return undefined;
  if (parsed.hostname !== 'github.com' && parsed.hostname !== 'www.github.com') return undefined;
  if (parsed.username || parsed.password || parsed.port) return undefined;
  const [owner, rawRepo] = parsed.pathname.split('/').slice(1);
  if (owner === undefined || rawRepo === undefined) return undefined;
  const repo = rawRepo.replace(/\.git$/i, '');
  // GitHub logins: alphanumerics and single inner hyphens, at most 39. Repository names: [A-Za-z0-9._-], at most 100.
  if (!/^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/.test(owner)) return undefined;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(repo) || repo === '.' || repo === '..') return undefined;
  return { owner, repo };
}

function repositoryKey(repository: { owner: string; repo: string }): string {
  // GitHub names are case-insensitive: one fetch for every spelling.
  return `${repository.owner}/${repository.repo}`.toLowerCase();
}

/**
 * Stars and release downloads of every repository, each fetched once (a monorepo hosts many
 * servers). Rate limits need no handling here: the client fails fast once the limit is spent.
 */
async function fetchGitHub(
  github: GitHubStatsSource,
  servers: readonly StatsServer[],
  concurrency: number,
): Promise<{ stars: Map<string, MetricOutcome>; releaseDownloads: Map<string, MetricOutcome> }> {
  const repositories = new Map<string, { owner: string; repo: string; releases: boolean }>();
  for (const server of servers) {
    if (!server.repository) continue;
    const key = repositoryKey(server.repository);
    const entry = repositories.get(key) ?? { ...server.repository, releases: false };
    entry.releases ||= server.hasReleaseBundles;
    repositories.set(key, entry);
  }
  const stars = new Map<string, MetricOutcome>();
  const releaseDownloads = new Map<string, MetricOutcome>();
  await mapLimit([...repositories], Math.max(1, concurrency), async ([key, { owner, repo, releases }]) => {
    stars.set(key, await settle(github.repository(owner, repo).then((r) => r.stars)));
    if (releases)
      releaseDownloads.set(key, await settle(github.releaseDownloads(owner, repo, { assetSuffix: '.mcpb' })));
  });
  return { stars, releaseDownloads };
}

async function fetchNpm(
  npm: NpmDownloadsSource,
  servers: readonly StatsServer[],
): Promise<ReadonlyMap<string, number | NpmDownloadsError | Error>> {
  const packages = [...new Set(servers.flatMap((s) => s.npmPackages))];
  if (packages.length === 0) return new Map();
  try {
    return await npm.weeklyDownloads(packages);
  } catch (error) {
    // The client reports failures per package; a throw is a bug, and fails every package alike.
    const failure = error instanceof Error ? error : new Error(String(error));
    return new Map(packages.map((name) => [name, failure]));
  }
}

async function settle(promise: Promise<number>): Promise<MetricOutcome> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return outcomeOf(error);
  }
}
