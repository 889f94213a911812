/**
 * Recipes for fixture cases whose files should not sit in git as they are: credential-shaped
 * samples (secret scanners and push protection would flag the repository itself) and files too
 * large to commit. The samples are assembled at test time from a seeded generator, so they are
 * format-valid but belong to nobody. Keyed by fixture case name, like HOSTILE_BUNDLES.
 */
import { MAX_MANIFEST_BYTES } from '../scan/rules/manifest.ts';
import { largeEntry, withEntries, type BundleFile, type Recipe } from './hostile-bundles.ts';

const MiB = 1024 * 1024;
const text = (s: string) => Buffer.from(s, 'utf8');

/** Deterministic pseudo-random characters: the same bundle bytes every run. */
export function fakeSecret(alphabet: string, length: number, seed: number): string {
  let x = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BASE32 = UPPER + '234567';
const BASE62 = '0123456789' + UPPER + UPPER.toLowerCase();
const BASE64URL = BASE62 + '-_';
const BASE64 = BASE62 + '+/';

const withSecret =
  (secret: string, name = 'server/config.js'): Recipe =>
  (base) =>
    withEntries(base, [{ name, data: text(`export const credential = '${secret}';\n`) }]);

// Split markers keep this source file from looking like a key to a scanner.
const pemKey = (seed: number) =>
  [
    '-----BEGIN ',
    'PRIVATE KEY-----\n',
    fakeSecret(BASE64, 64, seed),
    '\n',
    fakeSecret(BASE64, 64, seed + 1),
    '\n-----END ',
    'PRIVATE KEY-----\n',
  ].join('');

/** The base bundle with its manifest's long_description padded so the file is exactly `size` bytes. */
function manifestOfSize(base: readonly BundleFile[], size: number): Buffer {
  const manifestFile = base.find((f) => f.path === 'manifest.json')!;
  const manifest = JSON.parse(manifestFile.data.toString('utf8')) as Record<string, unknown>;
  const empty = Buffer.byteLength(JSON.stringify({ ...manifest, long_description: '' }, null, 2));
  // Varied letters, so the entry does not also trip the compression-ratio rule.
  const filler = fakeSecret('abcdefghijklmnopqrstuvwxyz ', size - empty, 7);
  const padded = text(JSON.stringify({ ...manifest, long_description: filler }, null, 2));
  return withEntries(
    base.filter((f) => f.path !== 'manifest.json'),
    [{ name: 'manifest.json', data: padded }],
  );
}

export const GENERATED_BUNDLES: Record<string, Recipe> = {
  'secret-aws-access-key-id': withSecret('AKIA' + fakeSecret(BASE32, 16, 11)),
  'secret-github-token': withSecret('ghp_' + fakeSecret(BASE62, 36, 12)),
  'secret-anthropic-api-key': withSecret('sk-ant-' + 'api03-' + fakeSecret(BASE64URL, 93, 13) + 'AA'),
  'secret-openai-api-key': withSecret('sk-' + 'proj-' + fakeSecret(BASE64URL, 120, 14)),
  'secret-slack-token': withSecret(
    'xoxb-' +
      fakeSecret('0123456789', 12, 15) +
      '-' +
      fakeSecret('0123456789', 13, 16) +
      '-' +
      fakeSecret(BASE62, 24, 17),
  ),
  'secret-npm-token': (base) =>
    withEntries(base, [
      { name: 'server/.npmrc', data: text(`//registry.npmjs.org/:_authToken=npm_${fakeSecret(BASE62, 36, 18)}\n`) },
    ]),
  'secret-gcp-api-key': withSecret('AIza' + fakeSecret(BASE64URL, 35, 19)),
  'secret-stripe-live-key': withSecret('sk_' + 'live_' + fakeSecret(BASE62, 24, 20)),
  'secret-huggingface-token': withSecret('hf_' + fakeSecret(BASE62, 34, 21)),
  'secret-pypi-token': withSecret('pypi-' + 'AgEIcHlwaS5vcmc' + fakeSecret(BASE64URL, 150, 22)),
  'secret-private-key': (base) => withEntries(base, [{ name: 'server/certs/server.key', data: text(pemKey(23)) }]),
  'secret-gcp-service-account': (base) =>
    withEntries(base, [
      {
        name: 'server/service-account.json',
        data: text(
          JSON.stringify({ type: 'service_account', project_id: 'fixture', private_key: pemKey(25) }, null, 2),
        ),
      },
    ]),
  'code-unscanned-large-file': (base) => withEntries(base, [largeEntry('server/bundle.js', 17 * MiB)]),
  'manifest-too-large': (base) => manifestOfSize(base, MAX_MANIFEST_BYTES + 1),
  'manifest-too-large.ok': (base) => manifestOfSize(base, MAX_MANIFEST_BYTES),
};
