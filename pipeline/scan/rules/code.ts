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
import { pathSource, SENSITIVE_PATHS as SHARED_SENSITIVE_PATHS } from '../sensitive-paths.ts';
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
    summary:
      'Decoded data (base64, hex, zlib, marshal, …) is passed to eval, Function or vm, or run as a shell command.',
  },
  'code-sensitive-file-read': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary:
      'Code reads credentials of the user or of other apps (sensitive-paths.ts, shared with the text rules): SSH, cloud, registry and git credentials, MCP client configs in the home or app-data folder, browser cookie stores, keychains.',
  },
  'code-startup-file-write': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary:
      'Code writes a shell rc file or a startup location (crontab, LaunchAgents, autostart, Startup folder): a file API called on the path, or a shell command that reaches a shell.',
  },
  'code-pth-import': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary: 'A Python .pth file with import lines, which Python runs at every interpreter start.',
  },
  'code-pth-process': {
    severity: 'reject',
    dependencySeverity: 'reject',
    summary:
      'A Python .pth file whose import line starts a process or a shell, or runs code from a string: it runs at every interpreter start and has no innocent form.',
  },
  'code-download-exec': {
    severity: 'reject',
    dependencySeverity: 'review',
    summary:
      'A command that downloads code and runs it (curl … | sh, wget -O- … | bash, iwr … | iex, sh -c "$(curl …)") reaches a shell.',
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
type Language = 'js' | 'py' | 'sh';

const JS_FILE = /\.(?:js|mjs|cjs|jsx|ts|mts|cts|tsx)$/;
/** Type declarations carry no runtime code, and @types/node names every capability there is. */
const DECLARATION_FILE = /\.d\.[mc]?ts$/;
const PY_FILE = /\.pyw?$/;
/** Shell and PowerShell scripts, and Windows batch files: their text is what a shell runs. */
const SH_FILE = /\.(?:sh|bash|zsh|ksh|command|ps1|psm1|bat|cmd)$/i;

/** An extensionless script says what runs it: `#!/usr/bin/env node`, `#!/usr/bin/python3 -u`, `#!/bin/sh`. */
const SHEBANG =
  /^#![^\n]{0,62}?\b(?:(node|nodejs|deno|bun|tsx|ts-node)|(python[0-9.]*|uv|pypy3?)|(sh|bash|zsh|dash|ksh|pwsh))\b/;

export function languageOf(path: string, head?: Buffer): Language | undefined {
  if (JS_FILE.test(path)) return DECLARATION_FILE.test(path) ? undefined : 'js';
  if (PY_FILE.test(path)) return 'py';
  if (SH_FILE.test(path)) return 'sh';
  if (head === undefined || /\.[A-Za-z0-9]{1,8}$/.test(path.slice(path.lastIndexOf('/') + 1))) return undefined;
  const shebang = SHEBANG.exec(head.toString('latin1'));
  if (shebang === null) return undefined;
  return shebang[1] !== undefined ? 'js' : shebang[2] !== undefined ? 'py' : 'sh';
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
    // …and the loaders bundlers leave: __webpack_require__(/*! x */ "x"), esbuild's __require("x").
    String.raw`(?<mod>(?:__webpack_require__|__require|require|import)\s{0,8}\(\s{0,8}(?:\/\*[^*]{0,80}\*\/\s{0,8})?|from\s{0,8}|import\s{1,8})(?<q>['"\x60])(?:node:)?(?<spec>[\w@./-]{1,100})\k<q>`,
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
const SHELL_FUNCTIONS = String.raw`execSync|exec|spawnSync|spawn|execFileSync|execFile|execaSync|execaCommandSync|execaCommand|execa`;
/**
 * The call forms compilers leave: `exec(`, `cp.exec(`, `child_process_1.exec(` (tsc),
 * `import_child_process.exec(` (esbuild), `(0, child_process_1.exec)(` (tsc's indirect call),
 * `require("child_process").exec(`, `cp["exec"](`. Which receivers count is decided in code.
 */
const JS_SHELL_CALLS = new RegExp(
  String.raw`(?:(?<name>${SHELL_FUNCTIONS})|\[\s{0,4}['"](?<bracket>${SHELL_FUNCTIONS})['"]\s{0,4}\])\s{0,8}(?<indirect>\)\s{0,8})?\(`,
  'g',
);
/**
 * Bindings of the child_process module: `const cp = require('child_process')`, with the
 * interop wrappers of tsc (`__importStar(…)`), esbuild (`__toESM(…)`) and webpack
 * (`__webpack_require__(…)`), and `import * as cp` or `import cp from`.
 */
const CHILD_PROCESS_BINDING = new RegExp(
  [
    String.raw`([\w$]{1,60})\s{0,4}=\s{0,4}(?:[\w$.]{1,40}\(\s{0,4})?(?:await\s{1,4})?(?:require|__require|__webpack_require__|import)\s{0,4}\(\s{0,4}(?:\/\*[^*]{0,80}\*\/\s{0,4})?['"](?:node:)?child_process['"]`,
    String.raw`import\s{1,8}(?:\*\s{0,8}as\s{1,8})?([\w$]{1,60})\s{0,8}(?:,\s{0,8}\{[^}]{0,300}\}\s{0,8})?from\s{0,8}['"](?:node:)?child_process['"]`,
  ].join('|'),
  'g',
);
/** Renamed imports: `const { exec: run } = require('child_process')`, `import { exec as run } from 'child_process'`. */
const CHILD_PROCESS_ALIASES =
  /\{([^{}]{1,300})\}\s{0,8}(?:=\s{0,8}(?:require|__require)\s{0,4}\(|from)\s{0,8}['"](?:node:)?child_process['"]/g;
/** A receiver that is the module itself: `require("child_process").exec`. */
const REQUIRED_RECEIVER = /(?:require|__require)\s{0,4}\(\s{0,4}['"](?:node:)?child_process['"]\s{0,4}\)\s{0,4}$/;
/** The start of tsc's indirect call, `(0, `, before the receiver. */
const INDIRECT_CALL =
  /\(\s{0,4}0\s{0,4},\s{0,4}(?:[\w$]{1,60}|(?:require|__require)\s{0,4}\([^()]{0,40}\))\s{0,4}\.?\s{0,4}$/;
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
/** The shared list, in code: one capture group per entry, in order (sensitive-paths.ts). */
const CODE_READ_PATHS = SHARED_SENSITIVE_PATHS.filter((p) => p.code !== 'never');
const SENSITIVE_PATHS = new RegExp(
  [
    ...CODE_READ_PATHS.map((p) => `(${pathSource(p, SEP)})(?![\\w-])`),
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

/**
 * What anchors a path at the home or app-data folder, just before it: `~/`, `$HOME`,
 * `os.homedir()`, `APPDATA`, `expanduser`, `Path.home()`, Electron's `getPath('appData')`, a
 * variable called home or appData.
 */
const HOME_ANCHOR =
  /~[\/\\]|\$\{?HOME\b|\bHOME\b|homedir|\bhome(?:_?dir|Path|Directory)?\b|\buser_?home\b|\bapp_?data\b|APPDATA|USERPROFILE|XDG_CONFIG_HOME|expanduser|Path\.home|Application Support|getPath\s*\(/i;
const ANCHOR_WINDOW = 240;

const READ_CALL =
  /readFile|createReadStream|openSync|\bopen\s*\(|read_text|read_bytes|readdir|copyFile|shutil\.copy|\bcat\s|Get-Content|\.read\s*\(|fs\.promises|scandir|listdir|\bglob(?:Sync|\.i?glob)?\s*\(/g;
/** File APIs that write: the path has to be in their arguments (or in a variable that is). */
const FS_WRITE_CALL =
  /(?:writeFile|appendFile|createWriteStream|copyFile|outputFile|write_text|write_bytes|shutil\.copy\w*|symlink|\bopen)(?:Sync)?\s{0,8}\(/g;
/** Shell commands that write: they only write when the string reaches a shell. */
const SHELL_WRITE =
  /[^<>=\d-]>{1,2}\s{0,4}["']?(?:~|\$\{?HOME|\/|%|[A-Za-z]:)|\btee\s|\b(?:cp|mv|ln|install)\s|crontab|\breg(?:\.exe)?\s+add|New-ItemProperty|Set-ItemProperty|Add-Content|Out-File|Set-Content/;

/**
 * A command that downloads code and runs it: a fetch piped into an interpreter, a fetch inside
 * `$(…)` or `<(…)` or backticks, PowerShell's download-then-Invoke-Expression, and a download to
 * a file that is then made executable or run.
 */
const INTERPRETER = String.raw`(?:sudo\s+)?(?:\S*\/)?(?:env\s+)?(?:ba|z|da|k|fi|tc|c)?sh|python[\d.]*|node|perl|ruby|php|bun|deno|pwsh|powershell|iex|Invoke-Expression`;
const FETCHER = String.raw`\b(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString|DownloadFile|Net\.WebClient|Start-BitsTransfer|certutil|bitsadmin)\b`;
const DOWNLOAD_RUN = new RegExp(
  [
    String.raw`${FETCHER}[^|\n]{0,300}\|\s{0,4}(?:${INTERPRETER})\b`,
    String.raw`(?:\$\(|<\(|\x60)\s{0,4}(?:curl|wget|iwr|irm)\b`,
    String.raw`\b(?:iex|Invoke-Expression)\b[\s(]{0,4}[^\n]{0,80}?${FETCHER}`,
    String.raw`${FETCHER}[^\n]{0,300}?(?:&&|;|\|\|)\s{0,4}(?:chmod\s+[+0-7a-z]*x|\.\/|(?:ba|z)?sh\s|source\s|start\s)`,
  ].join('|'),
  'i',
);
const DOWNLOAD_RUN_ALL = new RegExp(DOWNLOAD_RUN.source, 'gi');

/** How far from a sensitive path a read or write call may be to count as touching it. */
const PROXIMITY = 500;

// ---------------------------------------------------------------------------------------------
// Patterns looked up around hits.

/** Decoders whose output, fed to eval, hides source: in the call's argument or just before it. */
const JS_DECODERS =
  /\batob\s*\(|Buffer\.from\s*\([^;]{0,200}?,\s*['"](?:base64|base64url|hex)['"]\s*\)|\b(?:inflate|inflateRaw|gunzip|brotliDecompress)(?:Sync)?\s*\(/g;
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
  /** The argument spans of the sites that run a shell: where a string becomes a command. */
  shellSinks: Span[];
  /** Variable look-ups left (assignedIdentifier): past the budget, nearness is enough. */
  lookups: number;
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
    shellSinks: [],
    lookups: IDENTIFIER_LOOKUPS,
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

/** A site's name as it reads in a message. */
const SHELL_NAME = new RegExp(`^(?:${SHELL_FUNCTIONS})$`);

/**
 * exec/spawn call sites of a file that imports child_process (or execa, …): bare calls of the
 * imported functions or their renamed imports, and member calls on the module whatever the
 * compiler called it.
 */
function collectJsShellSites(scan: FileScan): void {
  const { text } = scan;
  const receivers = new Set(CHILD_PROCESS_OBJECTS);
  CHILD_PROCESS_BINDING.lastIndex = 0;
  for (let m = CHILD_PROCESS_BINDING.exec(text); m !== null; m = CHILD_PROCESS_BINDING.exec(text)) {
    receivers.add((m[1] ?? m[2])!);
  }
  const aliases = new Map<string, string>();
  CHILD_PROCESS_ALIASES.lastIndex = 0;
  for (let m = CHILD_PROCESS_ALIASES.exec(text); m !== null; m = CHILD_PROCESS_ALIASES.exec(text)) {
    for (const part of m[1]!.split(',')) {
      const alias = /^\s*([\w$]+)\s*(?::|\sas\s)\s*([\w$]+)\s*$/.exec(part);
      if (alias && SHELL_NAME.test(alias[1]!) && alias[1] !== alias[2]) aliases.set(alias[2]!, alias[1]!);
    }
  }
  JS_SHELL_CALLS.lastIndex = 0;
  for (let m = JS_SHELL_CALLS.exec(text); m !== null; m = JS_SHELL_CALLS.exec(text)) {
    const g = m.groups!;
    const index = m.index;
    const prev = index > 0 ? text[index - 1]! : '';
    if (g.name !== undefined && IDENT.test(prev)) continue;
    const member = g.bracket !== undefined || prev === '.';
    if (member) {
      // The receiver's text, up to the `.` or `[`.
      const before = text.slice(Math.max(0, index - 120), g.bracket !== undefined ? index : index - 1).trimEnd();
      const receiver = /([\w$]+)$/.exec(before)?.[1];
      if (!(receiver !== undefined && receivers.has(receiver)) && !REQUIRED_RECEIVER.test(before)) continue;
      if (g.indirect !== undefined && !INDIRECT_CALL.test(text.slice(Math.max(0, index - 120), index))) continue;
    } else if (g.indirect !== undefined) continue;
    scan.shellSites.push({ index, paren: index + m[0].length - 1, name: g.name ?? g.bracket! });
  }
  if (aliases.size > 0) {
    const calls = new RegExp(
      String.raw`(?<![\w$.])(${[...aliases.keys()].map((a) => a.replace(/\$/g, '\\$')).join('|')})\s{0,8}\(`,
      'g',
    );
    for (let m = calls.exec(text); m !== null; m = calls.exec(text)) {
      scan.shellSites.push({ index: m.index, paren: m.index + m[0].length - 1, name: aliases.get(m[1]!)! });
    }
    scan.shellSites.sort((a, b) => a.index - b.index);
  }
}

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
  if (scan.capabilities.has('shell')) collectJsShellSites(scan);
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

/** `spawn('sh', ['-c', cmd])`, `execFile('cmd.exe', ['/c', …])`, `subprocess.run(['bash', '-c', …])`: a shell by argv. */
const SHELL_ARGV =
  /^\s*\[?\s*['"\x60](?:(?:\/usr)?(?:\/bin\/|\/usr\/bin\/env\s+))?(?:(?:ba|z|da|k|fi|c|tc)?sh|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh(?:\.exe)?)['"\x60]/i;
const SHELL_FLAG = /['"\x60](?:-c|\/c|\/C|-Command|-EncodedCommand|-e)['"\x60]/;

/** The command a shell runs, from the arguments of a call that runs one; undefined when none does. */
function shellCommand(site: { name: string }, args: string, language: Language): string | undefined {
  const argv = SHELL_ARGV.test(args) && SHELL_FLAG.test(args);
  if (language === 'py') {
    const name = site.name;
    if (name.startsWith('os.') || name.endsWith('getoutput') || name.endsWith('getstatusoutput')) return args;
    return /\bshell\s*=\s*True\b/.test(args) || argv ? args : undefined;
  }
  const name = site.name;
  if (/^exec(?:Sync)?$|^execaCommand/.test(name)) return args;
  return argv || /\bshell\s*:\s*(?:true|['"\x60])/.test(args) ? args : undefined;
}

/** Is the command built from values (template interpolation, `+`, formatting, a variable as the shell's script)? */
function commandIsBuilt(site: { name: string }, args: string, language: Language): boolean {
  if (language === 'py') {
    if (
      site.name.startsWith('subprocess.') &&
      !site.name.endsWith('getoutput') &&
      !site.name.endsWith('getstatusoutput')
    )
      return (
        /\bshell\s*=\s*True\b/.test(args) ||
        (SHELL_ARGV.test(args) && pyCommandIsBuilt(args.slice(args.search(SHELL_FLAG))))
      );
    return pyCommandIsBuilt(args);
  }
  if (/^exec(?:Sync)?$|^execaCommand/.test(site.name)) return jsCommandIsBuilt(args);
  if (SHELL_ARGV.test(args) && SHELL_FLAG.test(args)) {
    // The script after -c: built unless it is a plain literal.
    const script = args
      .slice(args.search(SHELL_FLAG))
      .replace(SHELL_FLAG, '')
      .replace(/^\s*,\s*/, '');
    return jsCommandIsBuilt(script) || /^[A-Za-z_$]/.test(script.replace(STRING_LITERALS, '""').trimStart());
  }
  return jsShellWithValues(args);
}

/**
 * Judge every call that runs a shell: a download-and-run command, decoded data run as a command,
 * a command built from values. The argument spans of those calls are kept, so strings that only
 * mean something to a shell (`>> ~/.zshrc`, `curl … | sh`) count where they reach one.
 */
function judgeShellSites(scan: FileScan): void {
  const { text, language } = scan;
  // Without a child_process/subprocess import, a bare exec( is someone's own function.
  if (!scan.capabilities.has('shell')) return;
  // Sites inside the previous site's arguments are skipped, so the walks never overlap.
  let walked = -1;
  for (const site of scan.shellSites) {
    if (site.paren < 0 || site.index < walked) continue;
    if (scan.argumentWalks++ >= ARGUMENT_WALKS) return;
    const args = callArguments(text, site.paren);
    walked = site.paren + 1 + args.length;
    const command = shellCommand(site, args, language);
    if (command === undefined) continue;
    scan.shellSinks.push({ from: site.paren + 1, to: walked, args });
    // Quotes and commas dropped, so `['curl', url, '|', 'sh'].join(' ')` reads as the command it builds.
    if (DOWNLOAD_RUN.test(command) || DOWNLOAD_RUN.test(command.replace(/['"\x60,]/g, ' '))) {
      hit(scan, 'code-download-exec', site.index, `${site.name}(…) runs a command that downloads code and runs it`);
    }
    // What the shell runs: the first argument, or the script after `-c` of a shell by argv.
    const flag = SHELL_ARGV.test(args) ? args.search(SHELL_FLAG) : -1;
    const script = flag === -1 ? args : args.slice(flag).replace(SHELL_FLAG, '').replace(/^\s*,/, '');
    const runsVariable = /^\s*\[?\s*[A-Za-z_$][\w$]*\s*(?:[.),\]]|$)/.test(script.slice(0, 80));
    if (
      scan.decoders.within(site.paren + 1, walked) ||
      scan.argDecoders?.within(site.paren + 1, walked) === true ||
      (runsVariable && scan.decoders.within(Math.max(0, site.index - DECODE_WINDOW), site.index))
    ) {
      hit(scan, 'code-decode-eval', site.index, `${site.name}(…) runs decoded data as a command`);
    }
    if (commandIsBuilt(site, args, language)) {
      hit(scan, 'code-shell-interpolation', site.index, `${site.name}(…) runs a shell command built from values`);
    }
  }
  if (language === 'js') templateShells(scan);
}

/** zx's and execa's `$` tag: `` $`curl … | sh` `` runs its template in a shell (zx) or as a command (execa). */
const SHELL_TAG_MODULE = /(?:from|require\s{0,4}\()\s{0,4}['"](?:zx|execa)(?:\/[\w/]{1,40})?['"]/;
const SHELL_TAG = /(?<![\w$.])\$(?:\s{0,4}\([^()]{0,200}\))?\s{0,4}\x60/g;

function templateShells(scan: FileScan): void {
  const { text } = scan;
  if (!SHELL_TAG_MODULE.test(text)) return;
  SHELL_TAG.lastIndex = 0;
  for (let m = SHELL_TAG.exec(text); m !== null && scan.argumentWalks++ < ARGUMENT_WALKS; m = SHELL_TAG.exec(text)) {
    const from = m.index + m[0].length;
    const close = text.indexOf('\x60', from);
    const to = close === -1 || close - from > ARG_WINDOW ? Math.min(text.length, from + ARG_WINDOW) : close;
    const command = text.slice(from, to);
    scan.shellSinks.push({ from, to, args: command });
    if (DOWNLOAD_RUN.test(command)) {
      hit(scan, 'code-download-exec', m.index, '$`…` runs a command that downloads code and runs it');
    }
  }
  scan.shellSinks.sort((a, b) => a.from - b.from);
}

/**
 * The variable a string at `index` is assigned to (`const cmd = "…"`, `cmd = f"…"`), if the
 * statement that holds it is an assignment; a template literal may span lines.
 */
function assignedIdentifier(text: string, index: number): string | undefined {
  const before = text.slice(Math.max(0, index - 1500), index);
  const assignment = /([A-Za-z_$][\w$]*)\s*(?::\s*[\w$<>[\]|]{1,40}\s*)?=(?![=>])\s*/g;
  let last: RegExpExecArray | undefined;
  for (let m = assignment.exec(before); m !== null; m = assignment.exec(before)) last = m;
  if (!last) return undefined;
  // A statement ended in between: the string is not part of that assignment.
  const between = before.slice(last.index + last[0].length);
  if (/;\s*\n|\n\s*\n/.test(between.replace(/\x60[^\x60]*\x60/g, '``'))) return undefined;
  return last[1];
}

function mentions(text: string, identifier: string): boolean {
  return new RegExp(String.raw`(?<![\w$.])${identifier.replace(/\$/g, '\\$')}(?![\w$])`).test(text);
}

/** A call's argument text and where it lies in the file. */
interface Span {
  from: number;
  to: number;
  args: string;
}

/**
 * How many strings per file may have their variable looked up and followed to a call. A hostile
 * file can hold millions of decoy paths; past the budget a call near the string is enough, which
 * can only add findings, never hide one.
 */
const IDENTIFIER_LOOKUPS = 200;

/** Does one of the spans (sorted by start) hold `index`? */
function inSpans(spans: readonly Span[], index: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.from <= index) lo = mid + 1;
    else hi = mid;
  }
  // Spans of nested calls can overlap: look at the few that start just before.
  for (let i = lo - 1; i >= 0 && i >= lo - 4; i--) if (spans[i]!.to > index) return true;
  return false;
}

/** Does a span (sorted by start) start in [from, to)? */
function spanStartsWithin(spans: readonly Span[], from: number, to: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.from < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < spans.length && spans[lo]!.from < to;
}

/** Is the string at `index` handed to one of the calls: in its arguments, or in a variable passed to it? */
function reaches(scan: FileScan, spans: readonly Span[], index: number, window: number): boolean {
  if (spans.length === 0) return false;
  if (inSpans(spans, index)) return true;
  if (scan.lookups-- <= 0) return spanStartsWithin(spans, index - PROXIMITY, index + PROXIMITY);
  const identifier = assignedIdentifier(scan.text, index);
  return (
    identifier !== undefined &&
    spans.some((span) => span.from > index && span.from - index < window && mentions(span.args, identifier))
  );
}

/** Does the string at `index` reach a shell: inside a shell call's arguments, or in a variable passed to one? */
function reachesShell(scan: FileScan, index: number): boolean {
  return scan.language === 'sh' || reaches(scan, scan.shellSinks, index, Infinity);
}

/** File APIs that read, as calls: a path in a variable is read where the variable is passed to one. */
const FS_READ_CALL =
  /(?:readFile|createReadStream|openSync|\bopen|read_text|read_bytes|copyFile|shutil\.copy\w*|readdir)(?:Sync)?\s{0,8}\(/g;

/** Calls of file APIs that read, with their argument text, in order. */
function fileReads(scan: FileScan): Span[] {
  const { text } = scan;
  const out: Span[] = [];
  FS_READ_CALL.lastIndex = 0;
  for (let m = FS_READ_CALL.exec(text); m !== null && out.length < ARGUMENT_WALKS; m = FS_READ_CALL.exec(text)) {
    const paren = m.index + m[0].length - 1;
    const args = callArguments(text, paren);
    out.push({ from: paren + 1, to: paren + 1 + args.length, args });
  }
  return out;
}

/** Calls of file APIs that write, with their argument text, in order. */
function fileWrites(scan: FileScan): Span[] {
  const { text } = scan;
  const out: Span[] = [];
  FS_WRITE_CALL.lastIndex = 0;
  for (let m = FS_WRITE_CALL.exec(text); m !== null && out.length < ARGUMENT_WALKS; m = FS_WRITE_CALL.exec(text)) {
    const prev = m.index > 0 ? text[m.index - 1]! : '';
    if (IDENT.test(prev) && !/^(?:write|append|output|copy|symlink|create)/i.test(m[0])) continue;
    const paren = m.index + m[0].length - 1;
    const args = callArguments(text, paren);
    // open() writes only with a write or append mode.
    if (
      /open/.test(m[0]) &&
      !/,\s*(?:mode\s*=\s*)?['"][rbt]{0,2}[awx+][a-z+]{0,3}['"]|\bO_(?:WRONLY|RDWR|APPEND|CREAT)\b/.test(args)
    )
      continue;
    out.push({ from: paren + 1, to: paren + 1 + args.length, args });
  }
  return out;
}

/**
 * How far after a path a file API may be called on the variable that holds it: anywhere later in
 * the file, so that padding cannot separate them.
 */
const WRITE_WINDOW = Infinity;

/**
 * Is a path at `index` anchored at the home or app-data folder? The anchor must be in the same
 * statement (after the last `;`, `{` or `}`, at most ANCHOR_WINDOW before), and comments do not count.
 */
function anchoredAtHome(text: string, index: number, language: Language): boolean {
  let window = text.slice(Math.max(0, index - ANCHOR_WINDOW), index);
  window = window.replace(language === 'js' ? /\/\/[^\n]*|\/\*[\s\S]*?\*\//g : /(?:^|\s)#[^\n]*/g, ' ');
  const start = Math.max(window.lastIndexOf(';'), window.lastIndexOf('{'), window.lastIndexOf('}'));
  return HOME_ANCHOR.test(window.slice(start + 1));
}

function scanPaths(scan: FileScan): void {
  const { text } = scan;
  const reads = new Occurrences(text, READ_CALL);
  let writes: Span[] | undefined;
  let readSpans: Span[] | undefined;
  let read = false;
  let write = false;
  SENSITIVE_PATHS.lastIndex = 0;
  for (let m = SENSITIVE_PATHS.exec(text); m !== null; m = SENSITIVE_PATHS.exec(text)) {
    const isRead = m.groups!.write === undefined;
    if (isRead ? read : write) continue;
    const index = m.index;
    // Dotted names must begin a path segment or string, so `user.profile` is not `~/.profile`;
    // other names must begin a word, so `paid_rsa` is not `id_rsa`.
    const prev = index > 0 ? text[index - 1]! : '\n';
    if (m[0][0] === '.' ? !PATH_START.test(prev) : IDENT.test(m[0][0]!) && IDENT.test(prev)) continue;
    if (isRead) {
      // A client config or .env file is someone else's only in the home or app-data folder.
      const entry = CODE_READ_PATHS[m.slice(1).findIndex((g) => g !== undefined)];
      if (entry?.code === 'home' && scan.lookups-- > 0 && !anchoredAtHome(text, index, scan.language)) continue;
      const from = Math.max(0, index - PROXIMITY);
      const to = index + m[0].length + PROXIMITY;
      const isReadHere =
        scan.language === 'sh'
          ? /\bcat\s|\bcp\s|</.test(lineAround(text, index))
          : reads.within(from, to) || reaches(scan, (readSpans ??= fileReads(scan)), index, Infinity);
      if (isReadHere) {
        read = true;
        hit(scan, 'code-sensitive-file-read', index, `reads ${m[0]}`);
      }
    } else {
      // A file API called on the path, or a shell command that writes it and reaches a shell.
      const shellWrite = () => {
        if (scan.language !== 'sh' && scan.shellSinks.length === 0) return false;
        const line = scan.language === 'sh' ? lineAround(text, index) : shellStringAround(text, index);
        return (SHELL_WRITE.test(line) || /crontab/.test(m[0])) && reachesShell(scan, index);
      };
      if (
        (scan.language !== 'sh' && reaches(scan, (writes ??= fileWrites(scan)), index, WRITE_WINDOW)) ||
        shellWrite()
      ) {
        write = true;
        hit(scan, 'code-startup-file-write', index, `writes ${m[0]}`);
      }
    }
    if (read && write) return;
  }
}

/** The line that holds `index`, at most 300 characters either side (so the look stays local). */
function lineAround(text: string, index: number): string {
  const window = text.slice(Math.max(0, index - 300), index + 300);
  const at = Math.min(index, 300);
  const end = window.indexOf('\n', at);
  return window.slice(window.lastIndexOf('\n', at) + 1, end === -1 ? undefined : end);
}

/** The stretch of a command before a path and just past it: from the start of its line, at most 300 characters. */
function shellStringAround(text: string, index: number): string {
  const window = text.slice(Math.max(0, index - 300), index + 40);
  return window.slice(window.lastIndexOf('\n', Math.min(index, 300)) + 1);
}

/** Download-and-run commands in strings that reach a shell (a variable passed to exec, a shell script). */
function scanDownloadRun(scan: FileScan): void {
  if (scan.shellSinks.length === 0 && scan.language !== 'sh') return;
  const { text } = scan;
  DOWNLOAD_RUN_ALL.lastIndex = 0;
  for (let m = DOWNLOAD_RUN_ALL.exec(text); m !== null; m = DOWNLOAD_RUN_ALL.exec(text)) {
    if (reachesShell(scan, m.index)) {
      hit(scan, 'code-download-exec', m.index, 'a command that downloads code and runs it reaches a shell');
      return;
    }
  }
}

const MESSAGES: Record<CodeRuleId, string> = {
  'code-decode-eval': 'Remove code that decodes and runs hidden source; ship readable code.',
  'code-sensitive-file-read': 'A server may not read credentials that belong to the user or to other apps.',
  'code-startup-file-write': 'A server may not install itself into shell start-up files or other autostart locations.',
  'code-pth-import': 'Python executes import lines of .pth files at every start; remove the file or its import lines.',
  'code-pth-process':
    'A .pth import line runs at every Python start, in every program; one that starts a process or runs code from a string is how a package hijacks the interpreter.',
  'code-download-exec':
    'A server may not fetch code at run time and run it: that code is not in the reviewed bundle. Ship it in the bundle instead.',
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
const PTH_IMPORT_LINES = /^import[ \t][^\n]*/gm;
/**
 * What in an executed .pth line starts a process or a shell, or runs code held in a string:
 * os.system, os.popen, os.exec…, os.spawn…, os.fork, subprocess, pty, exec, eval, compile, and the same through
 * `__import__('subprocess')`.
 */
const PTH_PROCESS =
  /\bos\s*\.\s*(?:system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork\w*|startfile)\b|\.\s*(?:system|popen|exec[lv]\w*|spawn[lv]\w*|posix_spawn\w*|forkpty|startfile)\s*\(|\bsubprocess\b|\bpty\b|\bcommands\s*\.|(?<![\w.])(?:exec|eval|compile)\s*\(|__import__\s*\(\s*['"](?:subprocess|pty|commands|base64|codecs|zlib|marshal)['"]/;

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 1024).includes(0);
}

/** Scan one code file. Pure: reads the file record, reports to the sink. */
export function scanCode(file: ScannedFile, sink: ScanSink): void {
  if (file.path.endsWith('.pth')) {
    const text = file.text;
    if (text !== undefined) {
      PTH_IMPORT_LINES.lastIndex = 0;
      for (let line = PTH_IMPORT_LINES.exec(text); line !== null; line = PTH_IMPORT_LINES.exec(text)) {
        if (!PTH_PROCESS.test(line[0])) continue;
        report(
          sink,
          file,
          CODE_RULES['code-pth-process'],
          `Line ${lineAt(text, line.index)} starts a process or runs code at every interpreter start. ${MESSAGES['code-pth-process']}`,
        );
        break;
      }
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
  else if (language === 'py') scanPy(scan);
  judgeShellSites(scan);
  scanDownloadRun(scan);
  if (scan.obfuscatorIdentifiers >= OBFUSCATOR_IDENTIFIERS) {
    hit(scan, 'code-obfuscated', text.indexOf('_0x'), `${scan.obfuscatorIdentifiers} _0x… identifiers`);
  }
  // Reading or writing a file needs a file or shell API; most files have neither, and this pass is the slow one.
  if (language === 'sh' || scan.capabilities.has('filesystem') || scan.capabilities.has('shell')) scanPaths(scan);

  for (const capability of [...scan.capabilities].sort()) sink.capability(capability, file.origin, file.path);
  for (const hit of scan.hits) {
    report(sink, file, CODE_RULES[hit.rule], `Line ${lineAt(text, hit.index)}: ${hit.detail}. ${MESSAGES[hit.rule]}`);
  }
}

export const codeFileRules: FileRules = { scanFile: scanCode };
