/**
 * Code: what JavaScript/TypeScript and Python files are able to do (capabilities), and the few
 * patterns that are dangerous on their face (threats.md, Code).
 *
 * Capabilities are reported for every file. Findings fire in the publisher's own code at their
 * full severity; inside bundled third-party packages they drop one step (reject → review,
 * review → info), because a real bundle's `node_modules` holds thousands of files and the
 * dependency inventory plus OSV is the control for those.
 *
 * Speed matters more than elegance here: a bundle carries tens of MB of JavaScript. Each file
 * gets one regex pass over its latin1 text (one-byte strings, byte offsets) for tokens: imports,
 * eval-like calls, `process.*`. Only files whose tokens call for it get more: exec/spawn sites
 * after a child_process import, vm runners after a vm import, sensitive paths after a file or
 * shell API. Every alternative starts with a literal and every quantifier is bounded. The checks
 * around a hit (decoders near an eval, read/write calls near a path) look up the positions of
 * their own pattern, found once per file, so the work stays linear in the file's size however
 * many hits a hostile file packs in.
 */
import {
  defineRules,
  type Capability,
  type FileRules,
  type RuleDefinition,
  type ScanSink,
  type ScannedFile,
} from '../types.ts';

export const CODE_RULES = defineRules({
  'code-decode-eval': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary: 'Decoded data (base64, hex, zlib, marshal, …) is passed to eval, Function, vm or exec.',
  },
  'code-sensitive-file-read': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary:
      'Code reads credentials of the user or of other apps: SSH keys, cloud credentials, MCP client configs, browser cookie stores, keychains.',
  },
  'code-startup-file-write': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary: 'Code writes a shell rc file or a startup location (crontab, LaunchAgents, autostart, Startup folder).',
  },
  'code-pth-import': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary: 'A Python .pth file with import lines, which Python runs at every interpreter start.',
  },
  'code-shell-interpolation': {
    severity: 'review',
    dependencySeverity: 'info',
    summary: 'A shell command built by interpolating or concatenating values (exec with a template, shell=True).',
  },
  'code-obfuscated': {
    severity: 'review',
    dependencySeverity: 'info',
    summary: 'Obfuscated code: javascript-obfuscator identifiers, escaped or encoded blobs passed to eval, PyArmor.',
  },
  'code-unscanned-large-file': {
    severity: 'review',
    dependencySeverity: 'info',
    summary: 'A code file too large to scan; its content was not checked.',
  },
});

type CodeRuleId = keyof typeof CODE_RULES;
type Language = 'js' | 'py';

const JS_FILE = /\.(?:js|mjs|cjs|jsx|ts|mts|cts|tsx)$/;
/** Type declarations carry no runtime code, and @types/node names every capability there is. */
const DECLARATION_FILE = /\.d\.[mc]?ts$/;
const PY_FILE = /\.pyw?$/;

/** An extensionless script says what runs it: `#!/usr/bin/env node`, `#!/usr/bin/python3 -u`. */
const SHEBANG = /^#![^\n]{0,62}?\b(?:(node|nodejs|deno|bun|tsx|ts-node)|(python[0-9.]*|uv|pypy3?))\b/;

export function languageOf(path: string, head?: Buffer): Language | undefined {
  if (JS_FILE.test(path)) return DECLARATION_FILE.test(path) ? undefined : 'js';
  if (PY_FILE.test(path)) return 'py';
  if (head === undefined || /\.[A-Za-z0-9]{1,8}$/.test(path.slice(path.lastIndexOf('/') + 1))) return undefined;
  const shebang = SHEBANG.exec(head.toString('latin1'));
  if (shebang === null) return undefined;
  return shebang[1] !== undefined ? 'js' : 'py';
}

// ---------------------------------------------------------------------------------------------
// Capabilities by module name.

/**
 * A lookup table without a prototype: names come from the bundle, and `require('constructor')`
 * must find nothing rather than Object's own properties (whose values are not capabilities).
 */
function table(entries: Record<string, Capability>): Record<string, Capability> {
  return Object.assign(Object.create(null) as Record<string, Capability>, entries);
}

const JS_MODULES = table({
  child_process: 'shell',
  execa: 'shell',
  'cross-spawn': 'shell',
  shelljs: 'shell',
  zx: 'shell',
  'node-pty': 'shell',
  tinyexec: 'shell',
  'nano-spawn': 'shell',
  http: 'network',
  https: 'network',
  http2: 'network',
  net: 'network',
  dgram: 'network',
  tls: 'network',
  dns: 'network',
  undici: 'network',
  axios: 'network',
  'node-fetch': 'network',
  got: 'network',
  ky: 'network',
  ws: 'network',
  'cross-fetch': 'network',
  'isomorphic-fetch': 'network',
  superagent: 'network',
  request: 'network',
  'socket.io-client': 'network',
  fs: 'filesystem',
  'fs/promises': 'filesystem',
  'fs-extra': 'filesystem',
  'graceful-fs': 'filesystem',
  vm: 'eval',
  ffi: 'native',
  'ffi-napi': 'native',
  koffi: 'native',
  bindings: 'native',
  'node-gyp-build': 'native',
});

const PY_MODULES = table({
  subprocess: 'shell',
  pty: 'shell',
  commands: 'shell',
  pexpect: 'shell',
  plumbum: 'shell',
  sh: 'shell',
  socket: 'network',
  ssl: 'network',
  requests: 'network',
  httpx: 'network',
  urllib: 'network',
  urllib2: 'network',
  urllib3: 'network',
  http: 'network',
  aiohttp: 'network',
  websockets: 'network',
  websocket: 'network',
  ftplib: 'network',
  smtplib: 'network',
  telnetlib: 'network',
  paramiko: 'network',
  pathlib: 'filesystem',
  shutil: 'filesystem',
  glob: 'filesystem',
  ctypes: 'native',
  _ctypes: 'native',
  cffi: 'native',
});

/** `from os import …` names that give a capability. */
const PY_OS_NAMES = table({
  system: 'shell',
  popen: 'shell',
  execv: 'shell',
  execvp: 'shell',
  spawnv: 'shell',
  environ: 'env',
  getenv: 'env',
  putenv: 'env',
  remove: 'filesystem',
  unlink: 'filesystem',
  listdir: 'filesystem',
  walk: 'filesystem',
  makedirs: 'filesystem',
});

function jsModuleCapability(specifier: string): Capability | undefined {
  if (specifier.endsWith('.node')) return 'native';
  // A relative or absolute path names no package (the common case in node_modules).
  if (specifier[0] === '.' || specifier[0] === '/') return undefined;
  const exact = JS_MODULES[specifier];
  if (exact) return exact;
  // The package of a deep import: `lodash/fp` → `lodash`, `@scope/name/sub` → `@scope/name`.
  const slash = specifier.indexOf('/', specifier[0] === '@' ? specifier.indexOf('/') + 1 : 0);
  return slash === -1 ? undefined : JS_MODULES[specifier.slice(0, slash)];
}

function pyModuleCapability(module: string): Capability | undefined {
  return PY_MODULES[module] ?? PY_MODULES[module.split('.')[0]!];
}

// ---------------------------------------------------------------------------------------------
// Pass 1: tokens.

const JS_TOKENS = new RegExp(
  [
    // require('x'), import('x'), import … from 'x', export … from 'x', import 'x'
    String.raw`(?<mod>(?:require|import)\s{0,8}\(\s{0,8}|from\s{0,8}|import\s{1,8})(?<q>['"\x60])(?:node:)?(?<spec>[\w@./-]{1,100})\k<q>`,
    String.raw`process\s{0,8}\.\s{0,8}(?<proc>env|dlopen|binding)\b`,
    // A call, or a reference handed on (`const F = Function;`, `(0, eval)(src)`), which is how eval hides.
    String.raw`(?<call>eval|Function|fetch)\s{0,8}(?<after>[(;,)])`,
    String.raw`(?<net>WebSocket|XMLHttpRequest)\b`,
    String.raw`(?<obf>_0x[0-9a-f]{4})`,
  ].join('|'),
  'g',
);
/**
 * Calls that only matter once pass 1 has seen the module they come from: exec/spawn after a
 * child_process (or execa, …) import, vm's runners after a vm import. Keeping them out of pass 1
 * doubles its speed, and most files import neither.
 */
const JS_SHELL_CALLS = /(?:execSync|exec|spawnSync|spawn|execFileSync|execFile|execa)\s{0,8}\(/g;
const JS_VM_CALLS = /(?:runInNewContext|runInThisContext|runInContext|compileFunction|Script)\s{0,8}\(/g;

const PY_TOKENS = new RegExp(
  [
    // Import statements; that they start a line is checked in code (a ^ here made the pass 5x slower).
    String.raw`from[ \t]{1,8}(?<from>[\w.]{1,100})[ \t]{1,8}import[ \t]{1,8}(?<names>[^\n#;]{1,300})|import[ \t]{1,8}(?<imports>[^\n#;]{1,300})`,
    String.raw`__import__\s{0,8}\(\s{0,8}['"](?<dyn>[\w.]{1,100})['"]`,
    String.raw`os\s{0,8}\.\s{0,8}(?<os>system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?|environ|getenv|putenv|remove|unlink|listdir|scandir|walk|makedirs|rmdir)\b`,
    String.raw`(?<sub>subprocess|commands)\s{0,8}\.\s{0,8}(?<subfn>\w{1,30})\s{0,8}\(`,
    String.raw`(?<call>eval|exec|open)\s{0,8}\(`,
    String.raw`(?<obf>__pyarmor__|pyarmor_runtime)`,
  ].join('|'),
  'g',
);

// ---------------------------------------------------------------------------------------------
// Pass 2: sensitive paths. SEP is a path separator, or the quote-comma-quote of path.join args.

const SEP = String.raw`(?:[\/\\]{1,4}|['"\x60]\s{0,4}[,+]\s{0,4}['"\x60])`;
const SENSITIVE_PATHS = new RegExp(
  [
    // Credentials of the user.
    String.raw`(?<read>\.ssh(?=[\/\\'"\x60])|id_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)|\.aws${SEP}credentials` +
      // Other MCP clients' configs (server commands, env secrets).
      String.raw`|claude_desktop_config\.json|\.claude\.json|\.claude${SEP}\.credentials\.json|cline_mcp_settings\.json` +
      String.raw`|(?:\.cursor|\.vscode|\.gemini|\.kiro|\.roo|\.amazonq|windsurf)${SEP}mcp(?:_config)?\.json` +
      // Browser profiles and keychains.
      String.raw`|Login Data|cookies\.sqlite|logins\.json|key4\.db|Default${SEP}(?:Network${SEP})?Cookies` +
      String.raw`|login\.keychain|Library${SEP}Keychains|dump-keychain|\.local${SEP}share${SEP}keyrings)`,
    // Startup locations: shell rc files, cron, launchd, XDG autostart, systemd, Windows Run keys and Startup folder.
    String.raw`(?<write>\.(?:bashrc|bash_profile|bash_login|zshrc|zprofile|zshenv|zlogin|profile|kshrc|cshrc|tcshrc)(?![\w.-])` +
      String.raw`|config\.fish|PowerShell_profile\.ps1|\/etc\/(?:profile|bash\.bashrc|zshrc|rc\.local|crontab|cron\.\w|init\.d|systemd)` +
      String.raw`|\/var\/spool\/cron|crontab\s{1,4}-(?!l)|\|\s{0,4}crontab\b|Launch(?:Agents|Daemons)|\.config${SEP}autostart` +
      String.raw`|systemd${SEP}user|Start Menu${SEP}Programs${SEP}Startup|CurrentVersion${SEP}Run(?:Once)?\b)`,
  ].join('|'),
  'g',
);

/** A path match only counts as a path when it starts a path segment or a string. */
const PATH_START = /[\/\\'"\x60~\s]/;

const READ_CALL =
  /readFile|createReadStream|openSync|\bopen\s*\(|read_text|read_bytes|readdir|copyFile|shutil\.copy|\bcat\s|Get-Content|\.read\s*\(|fs\.promises|scandir|listdir|\bglob(?:Sync|\.i?glob)?\s*\(/g;
const WRITE_CALL =
  /writeFile|appendFile|createWriteStream|copyFile|outputFile|\.write\s*\(|write_text|write_bytes|shutil\.copy|symlink|>>[ \t]{0,4}["']?(?:~|\$\{?HOME|\/|%)|\btee\s|crontab|reg(?:\.exe)?\s+add|New-ItemProperty|Set-ItemProperty|\bopen\s*\([^)]{0,200}['"][aw]/g;

/** How far from a sensitive path a read or write call may be to count as touching it. */
const PROXIMITY = 500;

// ---------------------------------------------------------------------------------------------
// Patterns looked up around hits.

/** Decoders whose output, fed to eval, hides source: in the call's argument or just before it. */
const JS_DECODERS =
  /\batob\s*\(|Buffer\.from\s*\([^;]{0,200}?['"](?:base64|base64url|hex)['"]|\b(?:inflate|inflateRaw|gunzip|brotliDecompress)(?:Sync)?\s*\(/g;
/** Weaker ones, that only count inside the argument (`eval(String.fromCharCode(…))`). */
const JS_ARG_DECODERS = /fromCharCode|\bunescape\s*\(|decodeURIComponent\s*\(\s*escape|\bunzipSync\s*\(/g;
const PY_DECODERS =
  /b(?:16|32|64|85)decode|a85decode|decodebytes|codecs\.decode|\.decompress\s*\(|marshal\.loads|bytes\.fromhex|unhexlify|rot_?13/g;
/**
 * A string literal that opens with a long escaped or encoded run: what obfuscators and droppers
 * feed to eval. Anchored on the quote, so only quote positions are tried.
 */
const BLOB_LITERAL =
  /['"\x60](?:(?:\\x[0-9a-fA-F]{2}){16}|(?:\\u[0-9a-fA-F]{4}){16}|(?:\\[0-7]{3}){16}|[A-Za-z0-9+/=]{200})/;

/**
 * Start offsets of every match of a global pattern. The scans here loop on `exec` rather than
 * `matchAll`, which clones the pattern on each call: over the thousands of small files of a
 * node_modules that clone costs more than the search. No pattern here matches the empty string,
 * so every `exec` moves on, and none is used again inside its own loop.
 */
function matchIndexes(pattern: RegExp, text: string): number[] {
  const offsets: number[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) offsets.push(m.index);
  return offsets;
}

/** Sorted start offsets of a pattern's matches in one text, found on first use. */
class Occurrences {
  readonly #text: string;
  readonly #pattern: RegExp;
  #offsets: number[] | undefined;

  constructor(text: string, pattern: RegExp) {
    this.#text = text;
    this.#pattern = pattern;
  }

  /** Does a match start in [from, to)? */
  within(from: number, to: number): boolean {
    const offsets = (this.#offsets ??= matchIndexes(this.#pattern, this.#text));
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length && offsets[lo]! < to;
  }
}

/** javascript-obfuscator names everything `_0x` + hex; minifiers never do. */
const OBFUSCATOR_IDENTIFIERS = 20;
/** How far before an eval a decoder may be, when the eval runs a variable. */
const DECODE_WINDOW = 400;
const ARG_WINDOW = 600;
/** Argument walks per file for eval-like calls; a hostile file could pack millions of them. */
const ARGUMENT_WALKS = 1000;

const IDENT = /[\w$]/;

/**
 * The text of a call's arguments, from after `(` to the matching `)`, skipping over quoted
 * strings; cut at ARG_WINDOW characters so a missing parenthesis cannot make it scan the file.
 */
function callArguments(text: string, paren: number): string {
  let depth = 1;
  const end = Math.min(text.length, paren + 1 + ARG_WINDOW);
  for (let i = paren + 1; i < end; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return text.slice(paren + 1, i);
    } else if (c === '"' || c === "'") {
      let close = i + 1;
      while (close < end && text[close] !== c && text[close] !== '\n') close += text[close] === '\\' ? 2 : 1;
      if (close >= end) break;
      i = close;
    }
    // A template literal is walked through: the caller looks for its ${…}.
  }
  return text.slice(paren + 1, end);
}

const STRING_LITERALS = /'[^'\n]{0,500}'|"[^"\n]{0,500}"|`[^`$]{0,500}`/g;

/** Does a JS exec argument build the command from values (template interpolation or `+`)? */
function jsCommandIsBuilt(args: string): boolean {
  const first = args.trimStart();
  if (first.startsWith('`')) {
    const close = first.indexOf('`', 1);
    return first.slice(0, close === -1 ? undefined : close).includes('${');
  }
  const firstArg = first.replace(STRING_LITERALS, '""').split(',')[0]!;
  return firstArg.includes('+');
}

/** spawn/execFile/execa with `shell: true` and something other than literals as command or args. */
function jsShellWithValues(args: string): boolean {
  const shell = /\bshell\s*:\s*true\b/.exec(args);
  if (!shell) return false;
  const stripped = args.slice(0, shell.index).replace(STRING_LITERALS, '""');
  // Cut the options object off: what is left is the command and its argument list.
  const options = stripped.lastIndexOf('{');
  const command = options === -1 ? stripped : stripped.slice(0, options);
  return /[A-Za-z_$]/.test(command);
}

/** os.system/os.popen/getoutput with an f-string, %-formatting, .format() or `+`. */
function pyCommandIsBuilt(args: string): boolean {
  return /^\s*[rRbB]?[fF][rR]?['"]/.test(args) || /['"]\s*(?:%|\+|\.format\s*\()|\+\s*['"]/.test(args);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------
// The scan.

interface Hit {
  rule: CodeRuleId;
  index: number;
  detail: string;
}

interface FileScan {
  text: string;
  language: Language;
  capabilities: Set<Capability>;
  hits: Hit[];
  /** exec/spawn sites, judged once the file's shell capability is known. */
  shellSites: { index: number; paren: number; name: string }[];
  obfuscatorIdentifiers: number;
  argumentWalks: number;
  decoders: Occurrences;
  argDecoders: Occurrences | undefined;
}

function newScan(text: string, language: Language): FileScan {
  return {
    text,
    language,
    capabilities: new Set(),
    hits: [],
    shellSites: [],
    obfuscatorIdentifiers: 0,
    argumentWalks: 0,
    decoders: new Occurrences(text, language === 'js' ? JS_DECODERS : PY_DECODERS),
    argDecoders: language === 'js' ? new Occurrences(text, JS_ARG_DECODERS) : undefined,
  };
}

/** Record the first hit of a rule in a file; the report names one place per rule and file. */
function hit(scan: FileScan, rule: CodeRuleId, index: number, detail: string): void {
  if (!scan.hits.some((h) => h.rule === rule)) scan.hits.push({ rule, index, detail });
}

/**
 * An eval-like call at `index` whose `(` is at `paren`: decoded data in its argument, or a
 * variable argument with a decoder just before (`const s = atob(p); eval(s)`), is
 * decode-then-eval; an encoded blob in its argument is obfuscation.
 */
function evalSink(scan: FileScan, index: number, paren: number, name: string): void {
  scan.capabilities.add('eval');
  const { text } = scan;
  const near = paren + 1 + DECODE_WINDOW;
  // Walking the argument costs up to ARG_WINDOW; past a budget, a hit near the call is enough.
  const inArgument = (o: Occurrences | undefined) =>
    o?.within(paren + 1, near) === true &&
    (scan.argumentWalks++ >= ARGUMENT_WALKS || o.within(paren + 1, paren + 2 + callArguments(text, paren).length));
  const runsVariable = /^\s*[A-Za-z_$][\w$]*\s*(?:[.)]|$)/.test(text.slice(paren + 1, paren + 80));
  if (
    inArgument(scan.decoders) ||
    inArgument(scan.argDecoders) ||
    (runsVariable && scan.decoders.within(Math.max(0, index - DECODE_WINDOW), index))
  ) {
    hit(scan, 'code-decode-eval', index, `${name}(…) runs decoded data`);
  } else if (scan.argumentWalks++ < ARGUMENT_WALKS && BLOB_LITERAL.test(text.slice(paren + 1, near))) {
    hit(scan, 'code-obfuscated', index, `${name}(…) runs an encoded blob`);
  }
}

/** The identifier before `.` when a match is a member call (`cp.exec(`), else undefined. */
function receiverOf(text: string, index: number): string | undefined {
  return /([\w$]+)\s*\.$/.exec(text.slice(Math.max(0, index - 40), index))?.[1];
}

const GLOBAL_OBJECTS = new Set(['window', 'globalThis', 'global', 'self']);
/** Objects that plainly are child_process; RegExp#exec is the common false friend of a member `.exec(`. */
const CHILD_PROCESS_OBJECTS = new Set(['child_process', 'childProcess', 'cp', 'shell', 'shelljs', 'proc']);

function scanJs(scan: FileScan): void {
  const { text } = scan;
  JS_TOKENS.lastIndex = 0;
  for (let m = JS_TOKENS.exec(text); m !== null; m = JS_TOKENS.exec(text)) {
    const g = m.groups!;
    const index = m.index;
    const prev = index > 0 ? text[index - 1]! : '';
    if (IDENT.test(prev)) continue;
    if (g.spec !== undefined) {
      const capability = jsModuleCapability(g.spec);
      if (capability) scan.capabilities.add(capability);
    } else if (g.proc !== undefined) {
      if (prev !== '.') scan.capabilities.add(g.proc === 'env' ? 'env' : 'native');
    } else if (g.net !== undefined) {
      scan.capabilities.add('network');
    } else if (g.obf !== undefined) {
      scan.obfuscatorIdentifiers++;
    } else if (g.call !== undefined) {
      const name = g.call;
      const member = prev === '.';
      const global = !member || GLOBAL_OBJECTS.has(receiverOf(text, index) ?? '');
      if (!global) continue;
      if (g.after !== '(') {
        const before = text.slice(Math.max(0, index - 8), index);
        if (name === 'Function' ? /[^=!]=\s*$/.test(before) : name === 'eval' && /[^=!]=\s*$|,\s*$/.test(before))
          scan.capabilities.add('eval');
      } else if (name === 'fetch') scan.capabilities.add('network');
      else if (name === 'eval' || !member) evalSink(scan, index, index + m[0].length - 1, name);
    }
  }
  if (scan.capabilities.has('shell')) {
    JS_SHELL_CALLS.lastIndex = 0;
    for (let m = JS_SHELL_CALLS.exec(text); m !== null; m = JS_SHELL_CALLS.exec(text)) {
      const prev = m.index > 0 ? text[m.index - 1]! : '';
      if (IDENT.test(prev)) continue;
      if (prev === '.' && !CHILD_PROCESS_OBJECTS.has(receiverOf(text, m.index) ?? '')) continue;
      scan.shellSites.push({ index: m.index, paren: m.index + m[0].length - 1, name: m[0].replace(/\s*\($/, '') });
    }
  }
  if (scan.capabilities.has('eval')) {
    JS_VM_CALLS.lastIndex = 0;
    for (let m = JS_VM_CALLS.exec(text); m !== null; m = JS_VM_CALLS.exec(text)) {
      const prev = m.index > 0 ? text[m.index - 1]! : '';
      if (IDENT.test(prev)) continue;
      const name = m[0].replace(/\s*\($/, '');
      // `new vm.Script(code)` compiles; `script.runInThisContext()` then runs what was compiled.
      if (name === 'Script' && !/new\s+(?:[\w$]+\s*\.\s*)?$/.test(text.slice(Math.max(0, m.index - 24), m.index)))
        continue;
      evalSink(scan, m.index, m.index + m[0].length - 1, name === 'Script' ? 'new Script' : name);
    }
  }
}

/** Does a Python statement start here: after a newline, `;` or `:` and indentation? */
function startsStatement(text: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && index - i <= 64 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i < 0 || text[i] === '\n' || text[i] === ';' || text[i] === ':';
}

function scanPy(scan: FileScan): void {
  const { text } = scan;
  PY_TOKENS.lastIndex = 0;
  for (let m = PY_TOKENS.exec(text); m !== null; m = PY_TOKENS.exec(text)) {
    const g = m.groups!;
    const index = m.index;
    const prev = index > 0 ? text[index - 1]! : '';
    if ((g.from !== undefined || g.imports !== undefined) && !startsStatement(text, index)) continue;
    if (g.from !== undefined) {
      const capability = pyModuleCapability(g.from);
      if (capability) scan.capabilities.add(capability);
      if (g.from === 'os' || g.from === 'subprocess') {
        for (const imported of g.names!.split(/[\s,()]+/)) {
          const c = g.from === 'subprocess' ? 'shell' : PY_OS_NAMES[imported];
          if (c) scan.capabilities.add(c);
        }
      }
    } else if (g.imports !== undefined) {
      for (const part of g.imports.split(',')) {
        const capability = pyModuleCapability(part.trim().split(/\s+/)[0]!);
        if (capability) scan.capabilities.add(capability);
      }
    } else if (g.dyn !== undefined) {
      const capability = pyModuleCapability(g.dyn);
      if (capability) scan.capabilities.add(capability);
    } else if (g.os !== undefined) {
      if (IDENT.test(prev) || prev === '.') continue;
      const fn = g.os;
      const capability = PY_OS_NAMES[fn] ?? (/^(?:exec|spawn|posix_spawn)/.test(fn) ? 'shell' : 'filesystem');
      scan.capabilities.add(capability);
      if (fn === 'system' || fn === 'popen')
        scan.shellSites.push({ index, paren: text.indexOf('(', index), name: `os.${fn}` });
    } else if (g.sub !== undefined) {
      if (IDENT.test(prev) || prev === '.') continue;
      scan.capabilities.add('shell');
      scan.shellSites.push({ index, paren: index + m[0].length - 1, name: `${g.sub}.${g.subfn}` });
    } else if (g.call !== undefined) {
      if (IDENT.test(prev) || prev === '.') continue;
      if (g.call === 'open') scan.capabilities.add('filesystem');
      else evalSink(scan, index, index + m[0].length - 1, g.call);
    } else if (g.obf !== undefined) {
      hit(scan, 'code-obfuscated', index, 'PyArmor-protected code');
    }
  }
}

function judgeShellSites(scan: FileScan): void {
  const { text, language } = scan;
  // Without a child_process/subprocess import, a bare exec( is someone's own function.
  if (!scan.capabilities.has('shell')) return;
  // Sites inside the previous site's arguments are skipped, so the walks never overlap.
  let walked = -1;
  for (const site of scan.shellSites) {
    if (site.paren < 0 || site.index < walked) continue;
    const args = callArguments(text, site.paren);
    walked = site.paren + 1 + args.length;
    let built: boolean;
    if (language === 'py') {
      built = /\bshell\s*=\s*True\b/.test(args) || (!site.name.startsWith('subprocess.') && pyCommandIsBuilt(args));
      if (site.name.endsWith('getoutput') || site.name.endsWith('getstatusoutput')) built = pyCommandIsBuilt(args);
    } else {
      built =
        site.name.startsWith('exec') && !site.name.startsWith('execFile') && site.name !== 'execa'
          ? jsCommandIsBuilt(args)
          : jsShellWithValues(args);
    }
    if (built) {
      hit(scan, 'code-shell-interpolation', site.index, `${site.name}(…) runs a shell command built from values`);
      return;
    }
  }
}

function scanPaths(scan: FileScan): void {
  const { text } = scan;
  const reads = new Occurrences(text, READ_CALL);
  const writes = new Occurrences(text, WRITE_CALL);
  let read = false;
  let write = false;
  SENSITIVE_PATHS.lastIndex = 0;
  for (let m = SENSITIVE_PATHS.exec(text); m !== null; m = SENSITIVE_PATHS.exec(text)) {
    const isRead = m.groups!.read !== undefined;
    if (isRead ? read : write) continue;
    const index = m.index;
    // Dotted names must begin a path segment or string, so `user.profile` is not `~/.profile`;
    // other names must begin a word, so `paid_rsa` is not `id_rsa`.
    const prev = index > 0 ? text[index - 1]! : '\n';
    if (m[0][0] === '.' ? !PATH_START.test(prev) : IDENT.test(m[0][0]!) && IDENT.test(prev)) continue;
    const from = Math.max(0, index - PROXIMITY);
    const to = index + m[0].length + PROXIMITY;
    if (isRead && reads.within(from, to)) {
      read = true;
      hit(scan, 'code-sensitive-file-read', index, `reads ${m[0]}`);
    } else if (!isRead && writes.within(from, to)) {
      write = true;
      hit(scan, 'code-startup-file-write', index, `writes ${m[0]}`);
    }
    if (read && write) return;
  }
}

const MESSAGES: Record<CodeRuleId, string> = {
  'code-decode-eval': 'Remove code that decodes and runs hidden source; ship readable code.',
  'code-sensitive-file-read': 'A server may not read credentials that belong to the user or to other apps.',
  'code-startup-file-write': 'A server may not install itself into shell start-up files or other autostart locations.',
  'code-pth-import': 'Python executes import lines of .pth files at every start; remove the file or its import lines.',
  'code-shell-interpolation':
    'Pass arguments as an argv array (execFile/spawn without shell, subprocess.run([...])) instead of building a shell command.',
  'code-obfuscated': 'Ship readable code; obfuscated code cannot be reviewed.',
  'code-unscanned-large-file': 'Split or minify the file below the scan limit so it can be checked.',
};

function report(sink: ScanSink, file: ScannedFile, rule: RuleDefinition, message: string): void {
  sink.finding(rule, file.path, message, { origin: file.origin });
}

/** Python runs lines of a .pth file that start with `import` followed by a space or tab (site.py). */
const PTH_IMPORT = /^import[ \t]/m;

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 1024).includes(0);
}

/** Scan one code file. Pure: reads the file record, reports to the sink. */
export function scanCode(file: ScannedFile, sink: ScanSink): void {
  if (file.path.endsWith('.pth')) {
    const text = file.text;
    if (text !== undefined) {
      const m = PTH_IMPORT.exec(text);
      if (m)
        report(
          sink,
          file,
          CODE_RULES['code-pth-import'],
          `Line ${lineAt(text, m.index)} imports code at interpreter start. ${MESSAGES['code-pth-import']}`,
        );
    }
    return;
  }
  const language = languageOf(file.path, file.head);
  if (language === undefined) return;
  if (file.content === undefined) {
    report(
      sink,
      file,
      CODE_RULES['code-unscanned-large-file'],
      `${file.size} bytes. ${MESSAGES['code-unscanned-large-file']}`,
    );
    return;
  }
  if (isBinary(file.content)) return;
  const text = file.text!;
  const scan = newScan(text, language);
  if (language === 'js') scanJs(scan);
  else scanPy(scan);
  judgeShellSites(scan);
  if (scan.obfuscatorIdentifiers >= OBFUSCATOR_IDENTIFIERS) {
    hit(scan, 'code-obfuscated', text.indexOf('_0x'), `${scan.obfuscatorIdentifiers} _0x… identifiers`);
  }
  // Reading or writing a file needs a file or shell API; most files have neither, and this pass is the slow one.
  if (scan.capabilities.has('filesystem') || scan.capabilities.has('shell')) scanPaths(scan);

  for (const capability of [...scan.capabilities].sort()) sink.capability(capability, file.origin, file.path);
  for (const hit of scan.hits) {
    report(sink, file, CODE_RULES[hit.rule], `Line ${lineAt(text, hit.index)}: ${hit.detail}. ${MESSAGES[hit.rule]}`);
  }
}

export const codeFileRules: FileRules = { scanFile: scanCode };
