/**
 * Every secret sample here is synthetic: a provider prefix joined at run time to a seeded
 * pseudo-random body, so this file holds no scannable secret and GitHub push protection has
 * nothing to block.
 */
import { describe, expect, it } from 'vitest';
import { ScanCollector } from '../collector.ts';
import { HEAD_BYTES, scannedFile, type CodeOrigin } from '../types.ts';
import { looksRandom, redact, scanSecrets, SECRET_RULES } from './secrets.ts';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const BASE32 = UPPER + '234567';
const BASE62 = DIGITS + UPPER + UPPER.toLowerCase();
const BASE64URL = BASE62 + '-_';
const BASE64 = BASE62 + '+/';

/** mulberry32: deterministic, so a failing sample can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seed = 1;
function chars(alphabet: string, length: number): string {
  const next = random(seed++);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

const join = (...parts: string[]) => parts.join('');
const BEGIN = (kind: string) => join('-----BEGIN ', kind, 'PRIVATE KEY-----');
const END = (kind: string) => join('-----END ', kind, 'PRIVATE KEY-----');
const pem = (kind = 'RSA ') =>
  [BEGIN(kind), chars(BASE64, 64), chars(BASE64, 64), chars(BASE64, 20) + '==', END(kind)].join('\n');

function scan(path: string, text: string | Buffer, origin: CodeOrigin = 'own') {
  const content = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const sink = new ScanCollector();
  scanSecrets(
    scannedFile({ path, size: content.length, origin, head: content.subarray(0, HEAD_BYTES), content }),
    sink,
  );
  return sink.findings;
}

const rules = (path: string, text: string) => [...new Set(scan(path, text).map((f) => f.rule))].sort();

describe('SECRET_RULES', () => {
  it('are secret- rules that reject own files and review dependencies', () => {
    const { 'secret-dependency-test-fixture': fixture, ...rules } = SECRET_RULES;
    expect([fixture.severity, fixture.dependencySeverity]).toEqual(['info', undefined]);
    for (const rule of Object.values(rules)) {
      expect(rule.id).toMatch(/^secret-/);
      expect(rule.severity).toBe('reject');
      expect(rule.dependencySeverity).toBe('review');
    }
  });
});

/** [rule, positive sample, near-miss sample], each embedded in a line of code. */
const TOKEN_CASES: [string, () => string, () => string][] = [
  [
    'secret-aws-access-key-id',
    () => join('AKIA', chars(BASE32, 16)),
    // The AWS documentation's own sample, and a placeholder.
    () => `${join('AKIA', 'IOSFODNN7', 'EXAMPLE')} ${join('AKIA', 'X'.repeat(16))}`,
  ],
  ['secret-aws-access-key-id', () => join('ASIA', chars(BASE32, 16)), () => join('AKIA', chars(BASE32, 17))],
  ['secret-github-token', () => join('ghp_', chars(BASE62, 36)), () => join('ghp_', 'x'.repeat(36))],
  ['secret-github-token', () => join('ghs_', chars(BASE62, 36)), () => join('ghp_', chars(BASE62, 35))],
  [
    'secret-github-token',
    () => join('github_', 'pat_', chars(BASE62, 22), '_', chars(BASE62, 59)),
    () => join('github_', 'pat_', chars(BASE62, 40)),
  ],
  [
    'secret-anthropic-api-key',
    () => join('sk-ant-', 'api03-', chars(BASE64URL, 93), 'AA'),
    () => join('sk-ant-', 'api03-', chars(BASE64URL, 30)),
  ],
  [
    'secret-openai-api-key',
    () => join('sk-', 'proj-', chars(BASE64URL, 120)),
    () => join('sk-', 'proj-', 'your-api-key-here-'.repeat(4)),
  ],
  [
    'secret-openai-api-key',
    () => join('sk-', chars(BASE62, 20), 'T3Blbk', 'FJ', chars(BASE62, 20)),
    // Same length, no marker: any sk-… string would be too broad.
    () => join('sk-', chars(BASE62, 48)),
  ],
  [
    'secret-slack-token',
    () => join('xoxb-', chars(DIGITS, 12), '-', chars(DIGITS, 13), '-', chars(BASE62, 24)),
    () => join('xoxb-', 'not-a-real-token-this-will-not-work'),
  ],
  ['secret-npm-token', () => join('npm_', chars(BASE62, 36)), () => join('npm_', 'install_', chars(BASE62, 10))],
  ['secret-gcp-api-key', () => join('AIza', chars(BASE64URL, 35)), () => join('AIza', chars(BASE64URL, 30))],
  [
    'secret-stripe-live-key',
    () => join('sk_', 'live_', chars(BASE62, 24)),
    () => join('sk_', 'test_', chars(BASE62, 24)),
  ],
  ['secret-stripe-live-key', () => join('rk_', 'live_', chars(BASE62, 99)), () => join('rk_', 'live_', 'X'.repeat(24))],
  ['secret-huggingface-token', () => join('hf_', chars(BASE62, 34)), () => join('hf_', 'hub_download_', 'url')],
  [
    'secret-pypi-token',
    () => join('pypi-', 'AgEIcHlwaS5vcmc', chars(BASE64URL, 150)),
    () => join('pypi-', 'AgEIcHlwaS5vcmc', chars(BASE64URL, 20)),
  ],
];

describe.each(TOKEN_CASES)('%s', (rule, positive, negative) => {
  it('fires on a format-valid key in code', () => {
    const token = positive();
    const findings = scan('server/config.js', `const client = new Client({ key: '${token}' });\n`);
    expect(findings.map((f) => f.rule)).toEqual([rule]);
    // The report is public: it shows a prefix, never the key.
    expect(findings[0]!.message).not.toContain(token);
    expect(findings[0]!.message).not.toContain(token.slice(-12));
  });

  it('does not fire on a near miss', () => {
    expect(rules('server/config.js', `const key = '${negative()}';\n`)).toEqual([]);
  });

  it('does not fire inside a longer word', () => {
    expect(rules('server/config.js', `const key = 'Q${positive()}';\n`)).toEqual([]);
  });
});

describe('secret-npm-token in .npmrc', () => {
  it('fires on a literal _authToken', () => {
    const text = `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${chars(BASE62, 36)}\n`;
    expect(rules('.npmrc', text)).toEqual(['secret-npm-token']);
    expect(rules('.npmrc', `_auth = ${chars(BASE64, 40)}\n`)).toEqual(['secret-npm-token']);
  });

  it('does not fire on an environment reference or on code that names _auth', () => {
    expect(rules('.npmrc', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n')).toEqual([]);
    expect(rules('server/http.js', `this._auth = ${'options.credentials'};\n`)).toEqual([]);
    expect(rules('server/http.js', "const line = '//registry.npmjs.org/:_authToken=' + token;\n")).toEqual([]);
  });
});

describe('secret-private-key', () => {
  it.each(['RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', ''])('fires on a %sPRIVATE KEY block in any file', (kind) => {
    expect(rules('server/certs/server.key', pem(kind) + '\n')).toEqual(['secret-private-key']);
  });

  it('fires on a key inside a JSON string with escaped newlines', () => {
    expect(rules('server/key.json', JSON.stringify({ key: pem() }))).toEqual(['secret-private-key']);
  });

  it('does not fire on a certificate bundle or on code that only names the header', () => {
    const cert = ['-----BEGIN CERTIFICATE-----', chars(BASE64, 64), chars(BASE64, 64), '-----END CERTIFICATE-----'];
    expect(rules('node_modules/ca/cacert.pem', cert.join('\n'))).toEqual([]);
    expect(rules('node_modules/forge/pem.js', `if (pem.startsWith('${BEGIN('RSA ')}')) parse(pem);\n`)).toEqual([]);
    expect(rules('server/doc.md', `${BEGIN('')}\n...your key here...\n${END('')}`)).toEqual([]);
  });

  it('tells a PuTTY key file from code that writes one', () => {
    const ppk = ['PuTTY-User-Key-File-2: ssh-rsa', 'Encryption: none', 'Public-Lines: 1', chars(BASE64, 64)];
    const withPrivate = [...ppk, 'Private-Lines: 1', chars(BASE64, 64)];
    expect(rules('server/key.ppk', withPrivate.join('\n'))).toEqual(['secret-private-key']);
    expect(rules('node_modules/forge/ssh.js', "ppk = 'PuTTY-User-Key-File-2: ' + algorithm;\n")).toEqual([]);
  });
});

describe('secret-gcp-service-account', () => {
  const account = (privateKey: string) =>
    JSON.stringify(
      { type: 'service_account', project_id: 'demo', private_key_id: chars(DIGITS, 40), private_key: privateKey },
      null,
      2,
    );

  it('fires on a key file with a private key', () => {
    // One finding for the file: its private key is part of the service-account finding.
    expect(rules('server/gcp.json', account(pem('')))).toEqual(['secret-gcp-service-account']);
  });

  it('does not fire on a template without key material, or on another credential type', () => {
    expect(rules('server/gcp.json', account(`${BEGIN('')}\\n...\\n${END('')}\\n`))).toEqual([]);
    expect(rules('server/gcp.json', JSON.stringify({ type: 'authorized_user', private_key: pem('') }))).not.toContain(
      'secret-gcp-service-account',
    );
  });
});

describe('secret-ssh-key-file', () => {
  it('fires by name, once, whatever the content', () => {
    expect(rules('server/keys/id_ed25519', 'anything')).toEqual(['secret-ssh-key-file']);
    expect(rules('server/keys/id_rsa', pem('OPENSSH '))).toEqual(['secret-ssh-key-file']);
  });

  it('does not fire on public keys or look-alike names', () => {
    expect(rules('server/keys/id_ed25519.pub', 'ssh-ed25519 AAAAC3Nza user@host')).toEqual([]);
    expect(rules('server/keys/id_rsa_test.js', 'module.exports = {}')).toEqual([]);
  });
});

describe('secret-env-file', () => {
  it.each(['.env', 'server/.env', '.env.production', '.env.local'])('fires on %s with a credential', (path) => {
    expect(rules(path, `NODE_ENV=production\nDB_PASSWORD="${chars(BASE62, 16)}"\n`)).toEqual(['secret-env-file']);
  });

  it.each(['.env.example', '.env.sample', '.env.template', 'server/.env.defaults'])('does not fire on %s', (path) => {
    expect(rules(path, `API_KEY=${chars(BASE62, 24)}\n`)).toEqual([]);
  });

  it('does not fire on settings, empty values, references or placeholders', () => {
    const text = [
      'NODE_ENV=production',
      'PORT=3000',
      'API_KEY=',
      'GITHUB_TOKEN=${GITHUB_TOKEN}',
      'OPENAI_API_KEY=<your key>',
      'SECRET=your-secret-here',
      'PASSWORD=changeme # default',
    ].join('\n');
    expect(rules('.env', text)).toEqual([]);
  });
});

describe('secret-dependency-test-fixture', () => {
  it("reports the keys of a package's test fixtures once per file, as info", () => {
    const findings = scan('node_modules/ssh2/test/fixtures/ssh_host_rsa_key', pem(), 'dependency');
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['secret-dependency-test-fixture', 'info']]);
    const both = scan(
      'node_modules/x/__fixtures__/keys.txt',
      `${pem()}\n${join('ghp_', chars(BASE62, 36))}`,
      'dependency',
    );
    expect(both.map((f) => f.rule)).toEqual(['secret-dependency-test-fixture']);
  });

  it('keeps full rules for own test folders, for other dependency folders, and for clean fixtures', () => {
    expect(scan('server/test/fixtures/key.pem', pem()).map((f) => f.rule)).toEqual(['secret-private-key']);
    expect(scan('node_modules/x/lib/testing.js', pem(), 'dependency').map((f) => f.rule)).toEqual([
      'secret-private-key',
    ]);
    expect(scan('node_modules/x/test/fixtures/cert.pem', 'no keys here', 'dependency')).toEqual([]);
  });
});

describe('origin and content', () => {
  it('reports the origin, so the collector applies review inside dependencies', () => {
    const findings = scan('node_modules/pkg/lib/config.js', `key = '${join('ghp_', chars(BASE62, 36))}'`, 'dependency');
    expect(findings.map((f) => [f.rule, f.severity, f.origin])).toEqual([
      ['secret-github-token', 'review', 'dependency'],
    ]);
  });

  it('reports each rule once per file', () => {
    const text = [1, 2, 3].map(() => join('ghp_', chars(BASE62, 36))).join('\n');
    expect(scan('server/tokens.txt', text).map((f) => f.rule)).toEqual(['secret-github-token']);
  });

  it('scans binary files, where compiled servers embed their strings', () => {
    const token = join('AKIA', chars(BASE32, 16));
    const binary = Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]),
      Buffer.from(`\0${token}\0`, 'latin1'),
    ]);
    expect(scan('server/bin/server', binary).map((f) => f.rule)).toEqual(['secret-aws-access-key-id']);
  });

  it('checks file names even when the content is too large to read', () => {
    const sink = new ScanCollector();
    scanSecrets(
      scannedFile({ path: 'id_rsa', size: 1 << 30, origin: 'own', head: Buffer.alloc(0), content: undefined }),
      sink,
    );
    expect(sink.findings.map((f) => f.rule)).toEqual(['secret-ssh-key-file']);
  });
});

describe('helpers', () => {
  it('looksRandom keeps random bodies and drops placeholders', () => {
    expect(looksRandom(chars(BASE62, 36))).toBe(true);
    expect(looksRandom('1234567890abcdefghijklmnopqrstuvwxyz')).toBe(false);
    expect(looksRandom('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false);
    expect(looksRandom('IOSFODNN7EXAMPLE', 32)).toBe(false);
  });

  it('redact shows at most a third of the secret', () => {
    expect(redact('ghp_abcdefghijkl', 6)).toBe('ghp_a… (16 chars)');
  });
});

describe('hostile input', () => {
  it.each([
    ['PEM headers without keys', BEGIN('RSA ').repeat(60_000)],
    ['PuTTY markers', 'PuTTY-User-Key-File-2: '.repeat(60_000)],
    ['service-account types', '"type": "service_account",'.repeat(60_000)],
    ['upper-case runs', join('AKIA', 'A'.repeat(1_000_000))],
    ['npmrc keys', '_authToken='.repeat(100_000)],
    ['env assignments', 'API_KEY=\n'.repeat(100_000)],
  ])('stays linear on %s', (_name, text) => {
    const started = performance.now();
    scan('.env', text);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
