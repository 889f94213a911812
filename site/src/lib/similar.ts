/**
 * "Similar servers", computed at build time: servers that share tags, category and tool names.
 * Pure. An inverted index over features keeps it near-linear at 50,000 servers: only servers that
 * share at least one feature are ever compared.
 */

export interface SimilarityInput {
  name: string;
  category: string;
  tags: readonly string[];
  toolNames: readonly string[];
}

const WEIGHT = { tag: 2, tool: 1, category: 1 } as const;

/**
 * A tag or tool name shared by more servers than this says little ("remote", "search") and would
 * make the comparison quadratic; such features are skipped as candidates' sources.
 */
const MAX_POSTINGS = 300;

function featuresOf(server: SimilarityInput): Map<string, number> {
  const features = new Map<string, number>();
  for (const tag of server.tags) features.set(`t:${tag.toLowerCase()}`, WEIGHT.tag);
  for (const tool of server.toolNames) features.set(`f:${tool.toLowerCase()}`, WEIGHT.tool);
  return features;
}

/**
 * Up to `limit` similar server names for each server, best first (ties by name). Candidates
 * share a tag or a tool name; the same category adds to the score but alone is not similarity.
 */
export function similarServers(servers: readonly SimilarityInput[], limit = 4): Map<string, string[]> {
  const features = servers.map(featuresOf);
  const postings = new Map<string, number[]>();
  features.forEach((own, i) => {
    for (const key of own.keys()) {
      let list = postings.get(key);
      if (!list) postings.set(key, (list = []));
      list.push(i);
    }
  });
  const out = new Map<string, string[]>();
  const scores = new Float64Array(servers.length);
  const touched: number[] = [];
  servers.forEach((server, i) => {
    for (const [key, weight] of features[i]!) {
      const list = postings.get(key)!;
      if (list.length > MAX_POSTINGS) continue;
      for (const j of list) {
        if (j === i) continue;
        if (scores[j] === 0) touched.push(j);
        scores[j]! += weight;
      }
    }
    // Top `limit` by score, then name, without sorting every candidate.
    const best: { j: number; score: number }[] = [];
    for (const j of touched) {
      const score = scores[j]! + (servers[j]!.category === server.category ? WEIGHT.category : 0);
      scores[j] = 0;
      if (best.length === limit && !better(score, j, best[limit - 1]!)) continue;
      best.push({ j, score });
      best.sort((a, b) => (better(a.score, a.j, b) ? -1 : 1));
      if (best.length > limit) best.pop();
    }
    touched.length = 0;
    out.set(
      server.name,
      best.map((b) => servers[b.j]!.name),
    );
  });
  return out;

  function better(score: number, j: number, than: { j: number; score: number }): boolean {
    return score > than.score || (score === than.score && servers[j]!.name < servers[than.j]!.name);
  }
}
