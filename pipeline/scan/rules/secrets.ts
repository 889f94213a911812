/**
 * Secrets: provider keys, private keys and credential files that must not ship inside a bundle.
 *
 * Reject in the publisher's own files; review inside bundled third-party packages, which
 * sometimes ship a test key and are the publisher's to vet but not to fix (threats.md, Secrets).
 *
 * One pass per file: a single regex whose alternatives each start with a literal prefix finds
 * candidates, then a plain function decides whether a candidate is a real-looking secret
 * (entropy, placeholder words, key material after a PEM header). Content is decoded as latin1,
 * which keeps byte offsets and makes V8 use one-byte strings; every pattern is ASCII. Binary
 * files are scanned too: a compiled server embeds its string constants as they are.
 * Messages carry a redacted prefix, never the secret itself: the report is public.
 */
import {
  defineRules,
  isDependencyFixture,
  type FileRules,
  type RuleDefinition,
  type ScanSink,
  type ScannedFile,
} from '../types.ts';

const own = { severity: 'reject', dependencySeverity: 'review' } as const;

export const SECRET_RULES = defineRules({
  'secret-aws-access-key-id': { ...own, summary: 'An AWS access key id (AKIA…, ASIA…).' },
  'secret-github-token': { ...own, summary: 'A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).' },
  'secret-anthropic-api-key': { ...own, summary: 'An Anthropic API key (sk-ant-…).' },
  'secret-openai-api-key': { ...own, summary: 'An OpenAI API key (sk-proj-…, or sk-… with the T3BlbkFJ marker).' },
  'secret-slack-token': { ...own, summary: 'A Slack token (xoxb-, xoxp-, xoxa-, …).' },
  'secret-npm-token': { ...own, summary: 'An npm access token (npm_…) or an .npmrc _authToken/_auth/_password value.' },
  'secret-gcp-service-account': {
    ...own,
    summary: 'A Google Cloud service-account key file (JSON with a private key).',
  },
  'secret-gcp-api-key': { ...own, summary: 'A Google API key (AIza…).' },
  'secret-stripe-live-key': { ...own, summary: 'A live Stripe secret or restricted key (sk_live_, rk_live_).' },
  'secret-huggingface-token': { ...own, summary: 'A Hugging Face access token (hf_…).' },
  'secret-pypi-token': { ...own, summary: 'A PyPI upload token (pypi-AgEIcHlwaS5vcmc…).' },
  'secret-private-key': { ...own, summary: 'A PEM, OpenSSH, PGP or PuTTY private key.' },
  'secret-ssh-key-file': { ...own, summary: 'An SSH private key file (id_rsa, id_ed25519, …).' },
  'secret-env-file': { ...own, summary: 'A .env file that assigns a value to a credential-like variable.' },
  // ssh2 alone ships 46 test keys; at review they would bury every SSH server's report, and a
  // key a package published to npm is public already.
  'secret-dependency-test-fixture': {
    severity: 'info',
    summary: "A key or token in a bundled package's test fixtures: public on its registry already.",
  },
});

type SecretRuleId = keyof typeof SECRET_RULES;

/** Words that mark a sample or a placeholder rather than a live key. */
const PLACEHOLDER = new RegExp(
  [
    'example',
    'sample',
    'your',
    'here',
    'xxxx',
    'redacted',
    'changeme',
    'placeholder',
    'dummy',
    'fake',
    'insert',
    'replace',
  ]
    // Lower or upper case only: a random 90-character key contains some mixed-case 4-letter word too often.
    .flatMap((w) => [w, w.toUpperCase()])
    .concat('0000')
    .join('|'),
);

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Six or more characters in ascending code order, as in `1234567890abcdef` placeholders. */
function hasAscendingRun(s: string): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/**
 * Does the random part of a token look random? Random strings over 32+ symbols reach close to
 * log2(min(length, alphabet)) bits per character; 70 % of that keeps false negatives of real
 * keys under about 1 in 2,000 for 16-character AWS ids (simulated) and far fewer for longer
 * tokens, and drops `AKIAXXXXXXXXXXXXXXXX` / `ghp_aaaa…` placeholders.
 */
export function looksRandom(body: string, alphabet = 62): boolean {
  if (PLACEHOLDER.test(body) || hasAscendingRun(body)) return false;
  return shannonEntropy(body) >= 0.7 * Math.log2(Math.min(body.length, alphabet));
}

/** A private key header is real when key material follows it, not when a parser names it. */
function keyMaterialFollows(text: string, at: number): boolean {
  const run = /[A-Za-z0-9+/]{40,}/.exec(text.slice(at, at + 300));
  return run !== null && shannonEntropy(run[0]) >= 4;
}

/** What the report may show of a secret: its prefix and length, never the whole value. */
export function redact(secret: string, visible: number): string {
  return `${secret.slice(0, Math.min(visible, Math.floor(secret.length / 3)))}… (${secret.length} chars)`;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const SSH_KEY_FILE = /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/;
/** `.env`, `.env.local`, `.env.production`, … but not the templates that document the variables. */
const ENV_FILE = /^\.env(?:\.[\w.-]+)?$/;
const ENV_TEMPLATE = /\.(?:example|sample|template|tmpl|tpl|dist|defaults?|schema)(?:\.|$)/i;
const ENV_ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*(.*)$/gm;
const CREDENTIAL_NAME = /KEY|TOKEN|SECRET|PASS|PWD|CREDENTIAL|AUTH|PRIVATE|DSN|DATABASE_URL|CONNECTION_STRING/i;
const ENV_PLACEHOLDER =
  /^(?:<.*>|\$\{?\w+\}?|x+|\.+|\*+|changeme|todo|none|null|false|true)$|your[-_ ]|example|placeholder/i;

function envValue(raw: string): string {
  let value = raw.trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length > 1) {
    const end = value.indexOf(quote, 1);
    value = end > 0 ? value.slice(1, end) : value.slice(1);
  } else {
    value = value.replace(/[ \t]+#.*$/, '');
  }
  return value;
}

/** The first credential-like assignment with a real-looking value, if any. */
function envCredential(text: string): { name: string; line: number } | undefined {
  for (const m of text.matchAll(ENV_ASSIGNMENT)) {
    const name = m[1]!;
    const value = envValue(m[2]!);
    if (CREDENTIAL_NAME.test(name) && value.length >= 6 && !ENV_PLACEHOLDER.test(value)) {
      return { name, line: lineAt(text, m.index) };
    }
  }
  return undefined;
}

function report(sink: ScanSink, file: ScannedFile, rule: RuleDefinition, message: string): void {
  sink.finding(rule, file.path, message, { origin: file.origin });
}

interface Kind {
  rule: SecretRuleId;
  what: string;
  /** The candidate: a literal prefix, then a bounded body. */
  pattern: string;
  /** Characters that may not touch the candidate on either side (it would be part of a longer word). */
  word: RegExp;
  /** Characters of the secret that may be shown. */
  visible: number;
  valid: (token: string) => boolean;
}

const ALNUM = /[A-Za-z0-9]/;
const WORD = /[A-Za-z0-9_]/;
const TOKEN = /[A-Za-z0-9_-]/;

/** The random part of a token after `from`, judged by looksRandom. */
const randomAfter =
  (from: number | ((token: string) => number), alphabet = 62) =>
  (token: string): boolean =>
    looksRandom(token.slice(typeof from === 'number' ? from : from(token)), alphabet);

/**
 * The provider formats. Each pattern starts with a literal, so irregexp rejects most positions on
 * the first character or two, and every quantifier is bounded, so no input backtracks badly.
 * Boundaries are checked in code: a leading lookbehind would run at every position, and
 * trailing lookaheads measured 20-30 % slower over node_modules.
 */
const KINDS = {
  // The documented key id prefixes (gitleaks' set) and 16 upper-case alphanumerics.
  aws: {
    rule: 'secret-aws-access-key-id',
    what: 'AWS access key id',
    pattern: String.raw`(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`,
    word: ALNUM,
    visible: 6,
    valid: randomAfter(4, 32),
  },
  // Classic, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
  github: {
    rule: 'secret-github-token',
    what: 'GitHub token',
    pattern: String.raw`gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82}`,
    word: WORD,
    visible: 6,
    valid: randomAfter((t) => (t.startsWith('github_pat_') ? 11 : 4)),
  },
  anthropic: {
    rule: 'secret-anthropic-api-key',
    what: 'Anthropic API key',
    pattern: String.raw`sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{80,160}`,
    word: TOKEN,
    visible: 14,
    valid: randomAfter((t) => t.indexOf('-', 7) + 1, 64),
  },
  // Project, service-account and admin keys; legacy keys are sk- + 48 with "OpenAI" base64-encoded inside.
  openai: {
    rule: 'secret-openai-api-key',
    what: 'OpenAI API key',
    pattern: String.raw`sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`,
    word: TOKEN,
    visible: 8,
    valid: randomAfter((t) => t.indexOf('-', 3) + 1, 64),
  },
  slack: {
    rule: 'secret-slack-token',
    what: 'Slack token',
    pattern: String.raw`xox[abposr]-\d{6,15}-[A-Za-z0-9-]{10,200}`,
    word: TOKEN,
    visible: 5,
    valid: randomAfter(5),
  },
  npm: {
    rule: 'secret-npm-token',
    what: 'npm access token',
    pattern: String.raw`npm_[A-Za-z0-9]{36}`,
    word: WORD,
    visible: 6,
    valid: randomAfter(4),
  },
  // .npmrc credentials: at line start, or after the registry scope "//host/:" (the word check skips `this._auth = …`).
  npmrc: {
    rule: 'secret-npm-token',
    what: 'npm registry credential',
    pattern: String.raw`_(?:authToken|auth|password)[ \t]*=[ \t]*[A-Za-z0-9._~+/=-]{16,512}`,
    word: /[^\n:]/,
    visible: 0,
    valid: (t) => looksRandom(t.slice(t.indexOf('=') + 1).trim(), 64),
  },
  gcpKey: {
    rule: 'secret-gcp-api-key',
    what: 'Google API key',
    pattern: String.raw`AIza[0-9A-Za-z_-]{35}`,
    word: TOKEN,
    visible: 6,
    valid: randomAfter(4, 64),
  },
  stripe: {
    rule: 'secret-stripe-live-key',
    what: 'Stripe live key',
    pattern: String.raw`[rs]k_live_[A-Za-z0-9]{20,247}`,
    word: WORD,
    visible: 10,
    valid: randomAfter(8),
  },
  hf: {
    rule: 'secret-huggingface-token',
    what: 'Hugging Face token',
    pattern: String.raw`hf_[A-Za-z0-9]{34}`,
    word: WORD,
    visible: 5,
    valid: randomAfter(3),
  },
  // PyPI macaroons all start with the same serialized header (location "pypi.org").
  pypi: {
    rule: 'secret-pypi-token',
    what: 'PyPI token',
    pattern: String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}`,
    word: TOKEN,
    visible: 8,
    valid: () => true,
  },
} satisfies Record<string, Kind>;

type KindName = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as KindName[];

/** One regex for every kind, plus the two markers judged by their surroundings. */
const CANDIDATES = new RegExp(
  [
    ...KIND_NAMES.map((name) => `(?<${name}>${KINDS[name].pattern})`),
    String.raw`(?<pem>-----BEGIN [A-Z0-9 ]{0,24}PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d: )`,
    `(?<gcpSa>"service_account")`,
  ].join('|'),
  'g',
);

/**
 * Facts looked up in the whole file at most once, however many markers a hostile file repeats:
 * where the next PuTTY "Private-Lines:" header is, and whether a `"private_key"` with key
 * material is present.
 */
class FileFacts {
  readonly #text: string;
  #privateLines = -2;
  #serviceAccountKey: boolean | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** A GCP key file: `"type": "service_account"` and a `"private_key"` with key material. */
  isServiceAccountKey(at: number): boolean {
    if (!/"type"\s{0,16}:\s{0,16}$/.test(this.#text.slice(Math.max(0, at - 40), at))) return false;
    if (this.#serviceAccountKey === undefined) {
      const key = /"private_key"\s{0,16}:\s{0,16}"-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----/.exec(this.#text);
      this.#serviceAccountKey = key !== null && keyMaterialFollows(this.#text, key.index + key[0].length);
    }
    return this.#serviceAccountKey;
  }

  /** A PEM header followed by key material, or a PuTTY .ppk with its "Private-Lines:" section. */
  isPrivateKey(marker: string, at: number): boolean {
    if (!marker.startsWith('PuTTY')) return keyMaterialFollows(this.#text, at);
    if (this.#privateLines !== -1 && this.#privateLines < at)
      this.#privateLines = this.#text.indexOf('Private-Lines:', at);
    const lines = this.#privateLines;
    return lines !== -1 && lines - at < 4096 && keyMaterialFollows(this.#text, lines + 'Private-Lines:'.length + 4);
  }
}

/** Record the first real-looking candidate of each rule in `text`, in file order. */
function findCandidates(text: string, found: Map<SecretRuleId, string>): void {
  const facts = new FileFacts(text);
  // `exec` rather than `matchAll`, which clones the pattern on each call: over the thousands of
  // small files of a node_modules that clone costs more than the search. CANDIDATES never
  // matches the empty string, so every `exec` moves on.
  CANDIDATES.lastIndex = 0;
  for (let m = CANDIDATES.exec(text); m !== null; m = CANDIDATES.exec(text)) {
    const groups = m.groups!;
    const token = m[0];
    const at = m.index;
    if (groups.pem !== undefined) {
      if (found.has('secret-private-key') || !facts.isPrivateKey(token, at + token.length)) continue;
      found.set(
        'secret-private-key',
        `Private key "${token.trim()}" at line ${lineAt(text, at)}; remove it and rotate the key.`,
      );
    } else if (groups.gcpSa !== undefined) {
      if (found.has('secret-gcp-service-account') || !facts.isServiceAccountKey(at)) continue;
      found.set(
        'secret-gcp-service-account',
        `Google Cloud service-account key at line ${lineAt(text, at)}; remove it, delete the key in IAM, and read credentials at run time.`,
      );
    } else {
      const name = KIND_NAMES.find((k) => groups[k] !== undefined)!;
      const kind: Kind = KINDS[name];
      if (found.has(kind.rule)) continue;
      const before = at > 0 ? text[at - 1]! : '\n';
      const after = text[at + token.length] ?? '\n';
      if (kind.word.test(before) || (name !== 'npmrc' && kind.word.test(after)) || !kind.valid(token)) continue;
      const shown = name === 'npmrc' ? `${token.slice(0, token.indexOf('='))}=…` : redact(token, kind.visible);
      found.set(
        kind.rule,
        `${kind.what} ${shown} at line ${lineAt(text, at)}; remove it, rotate it, and read it from user_config at run time.`,
      );
    }
  }
}

/** Scan one file for secrets. Pure: reads the file record, reports to the sink. */
export function scanSecrets(file: ScannedFile, sink: ScanSink): void {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  // Every rule's first hit; reported at the end, so that one secret gets one finding.
  const found = new Map<SecretRuleId, string>();
  const sshKeyFile = SSH_KEY_FILE.test(name) && file.size > 0;
  if (sshKeyFile) found.set('secret-ssh-key-file', `${name} is an SSH private key file; remove it from the bundle.`);
  const text = file.text;
  if (text !== undefined) {
    const credential = ENV_FILE.test(name) && !ENV_TEMPLATE.test(name) ? envCredential(text) : undefined;
    if (credential) {
      found.set(
        'secret-env-file',
        `${name} sets ${credential.name} (line ${credential.line}); ship a .env.example without values and read secrets from user_config instead.`,
      );
    }
    findCandidates(text, found);
  }
  // The key inside an id_* file or a service-account file is that file's finding, not a second one.
  if (sshKeyFile || found.has('secret-gcp-service-account')) found.delete('secret-private-key');
  if (found.size > 0 && isDependencyFixture(file)) {
    const rules = [...found.keys()].join(', ');
    report(sink, file, SECRET_RULES['secret-dependency-test-fixture'], `${rules} in a package's test fixtures.`);
    return;
  }
  for (const [rule, message] of found) report(sink, file, SECRET_RULES[rule], message);
}

export const secretFileRules: FileRules = { scanFile: scanSecrets };
