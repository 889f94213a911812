/**
 * A synthetic EmitModel for the emit benchmarks: `count` servers with realistic field lengths, all
 * from one seeded PRNG, so the same seed and count give the same model on every machine.
 *
 * Text is drawn from a vocabulary of ~4,000 words with a Zipf-like frequency (common words much
 * more often than rare ones), as in real descriptions; uniformly random words would compress
 * worse and index larger than real text, and overstate the sizes.
 */
import type { EmitModel } from '../pipeline/emit/types.ts';
import { buildEmitModel, type ServerSpec } from '../pipeline/emit/test-model.ts';
import type { TrustLevel, Verdict } from '../pipeline/core/schema-types.gen.ts';
import { Rng } from './generate-catalog.ts';

const COMMON = (
  'the a to and of for with in on from by your that this is it as or be can you all any each ' +
  'when using via into over without more new data api server tool tools access files file search query ' +
  'read write list get create update delete manage run use support local remote client user users ' +
  'results items records model models context project projects code repository issues pull requests ' +
  'documents pages messages events logs metrics alerts tickets tasks notes calendar email chat team ' +
  'database tables rows schema sql json http web browser cloud storage bucket objects images video audio ' +
  'text content summary summaries analysis report reports status history version versions build deploy ' +
  'deployments containers cluster service services account accounts token tokens key keys secret config ' +
  'settings options filter filters sort page limit offset cursor time date range id ids name names path ' +
  'paths url urls link links source sources target default optional required returns return given ' +
  'specified current latest recent first last open closed active archived public private shared ' +
  'workspace workspaces folder folders directory directories branch branches commit commits diff ' +
  'review comments comment label labels owner owners member members role roles permission permissions ' +
  'invoice invoices payment payments customer customers order orders product products price prices ' +
  'forecast weather location map maps route routes address translate language languages vector embedding ' +
  'embeddings index indexes collection collections graph nodes edges spreadsheet sheet sheets cell cells ' +
  'slack github gitlab jira notion linear figma stripe postgres mysql redis kubernetes docker aws azure gcp ' +
  'sentry grafana datadog pagerduty zendesk hubspot salesforce shopify airtable dropbox drive confluence'
).split(' ');

const SYLLABLES = 'ka lo mi ne ru sa te vo zi ba de fo gu hi ja ko lu ma no pi qu ra si tu ve wa xo yu ze'.split(' ');
const TLDS = ['io.github', 'com', 'dev', 'ai', 'io'];
const CATEGORIES = ['development', 'data', 'ai-ml', 'productivity', 'security', 'communication', 'cloud', 'finance'];
const TRUST: TrustLevel[] = ['official', 'verified', 'community', 'community', 'unverified', 'unverified'];
const VERDICTS: (Verdict | undefined)[] = ['pass', 'pass', 'pass', 'review', 'reject', undefined];

class ZipfRng extends Rng {
  /** Index in [0, n) with probability ∝ 1/(rank+1): the shape of word frequencies in text. */
  zipf(n: number): number {
    // Inverse CDF of the continuous 1/x law on [1, n+1].
    return Math.min(n - 1, Math.floor(Math.exp(this.next() * Math.log(n + 1))) - 1);
  }
}

function pseudoWord(rng: Rng): string {
  let word = '';
  for (let i = rng.int(2, 4); i > 0; i--) word += rng.pick(SYLLABLES);
  return word;
}

function vocabulary(rng: ZipfRng, size: number): string[] {
  const words = new Set(COMMON);
  while (words.size < size) words.add(pseudoWord(rng));
  return [...words];
}

/** Words until the text reaches `length` characters (cut at a word boundary), as one sentence. */
function sentence(rng: ZipfRng, words: readonly string[], length: number): string {
  let text = '';
  while (text.length < length) text += (text ? ' ' : '') + words[rng.zipf(words.length)]!;
  text = text.slice(0, length).replace(/\s+\S*$/, '') || text.slice(0, length);
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/** Sentences of 40–140 characters until `length` is reached. */
function paragraph(rng: ZipfRng, words: readonly string[], length: number): string {
  const sentences: string[] = [];
  let total = 0;
  while (total < length) {
    const s = sentence(rng, words, Math.min(rng.int(40, 140), length - total + 10));
    sentences.push(s);
    total += s.length + 1;
  }
  return sentences.join(' ');
}

function slug(rng: ZipfRng, words: readonly string[], parts: number): string {
  return Array.from({ length: parts }, () => words[rng.zipf(words.length)]!.toLowerCase()).join('-');
}

function toolName(rng: ZipfRng, words: readonly string[]): string {
  const verb = rng.pick(['get', 'list', 'create', 'update', 'delete', 'search', 'run', 'query', 'send', 'fetch']);
  const object = words[rng.zipf(words.length)]!;
  return rng.chance(0.5) ? `${verb}_${object}` : `${verb}${object[0]!.toUpperCase()}${object.slice(1)}`;
}

function isoDate(rng: Rng): string {
  const start = Date.UTC(2024, 0, 1);
  const seconds = rng.int(0, 2 * 365 * 24 * 3600);
  return new Date(start + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** `count` servers with realistic field lengths; see the file comment. */
export function syntheticEmitModel(count: number, seed = 1): EmitModel {
  const rng = new ZipfRng(seed);
  const words = vocabulary(rng, 4000);
  const tagVocabulary = [...new Set(Array.from({ length: 600 }, () => slug(rng, words, rng.int(1, 2))))].slice(0, 300);
  const owners = Array.from({ length: Math.max(1, Math.ceil(count / 3)) }, () => slug(rng, words, rng.int(1, 2)));
  const names = new Set<string>();
  const specs: ServerSpec[] = [];
  while (specs.length < count) {
    const tld = rng.pick(TLDS);
    const owner = owners[rng.int(0, owners.length - 1)]!;
    const name = `${tld === 'io.github' ? `io.github.${owner}` : `${tld}.${owner}`}/${slug(rng, words, rng.int(1, 3))}`;
    if (names.has(name)) continue;
    names.add(name);
    const versionCount = rng.int(1, 5);
    const dates = Array.from({ length: versionCount }, () => isoDate(rng))
      .sort()
      .reverse();
    const toolCount = rng.int(5, 15);
    const tools = Array.from({ length: toolCount }, () => ({
      name: toolName(rng, words),
      description: sentence(rng, words, rng.int(40, 300)),
    }));
    const verdict = rng.pick(VERDICTS);
    specs.push({
      name,
      title: sentence(rng, words, 200).split(' ').slice(0, rng.int(2, 8)).join(' ').replace(/\.$/, ''),
      description: sentence(rng, words, rng.int(60, 200)),
      longDescription: paragraph(rng, words, rng.int(300, 1500)),
      category: rng.pick(CATEGORIES),
      tags: [...new Set(Array.from({ length: rng.int(3, 6) }, () => rng.pick(tagVocabulary)))],
      trust: rng.pick(TRUST),
      ...(verdict ? { verdict } : {}),
      versions: dates.map((publishedAt, i) => ({
        version: `${versionCount - i}.${rng.int(0, 9)}.0`,
        publishedAt,
        ...(i === 0 && rng.chance(0.5) ? { artifactTools: tools.map((t) => t.name) } : {}),
      })),
      tools,
      reviews: Array.from({ length: rng.chance(0.6) ? 0 : rng.int(1, 6) }, (_, i) => ({
        login: `reviewer-${i}`,
        rating: rng.int(1, 5),
        body: paragraph(rng, words, rng.int(50, 400)),
      })),
    });
  }
  return buildEmitModel(specs, { catalogName: 'Synthetic bench catalog', baseUrl: 'https://catalog.example/' });
}
