/**
 * Manifest rules: `manifest.json` is read strictly (one strict JSON reader, one MCPB schema per
 * `manifest_version`), then checked for what the schema cannot say: a name that is safe as an id
 * and a folder name, an entry point inside the bundle, and a launch command that runs only the
 * bundle's own code, the way the client will spawn it.
 *
 * Semantic checks need the schema's shapes, so the launch and `user_config` checks run only on a
 * schema-valid manifest; the name and entry point are checked whenever they are strings.
 */
import { posix } from 'node:path';
import { parseJson } from '../../core/json-source.ts';
import { parsePointer, pointer } from '../../core/issues.ts';
import { validateMcpbManifest, type McpbManifest } from '../../core/mcpb-manifest.ts';
import type { Listing, ManifestSummary } from '../../core/schema-types.gen.ts';
import { defineRules, type ScanSink } from '../types.ts';
import { findSensitivePath, MANIFEST_FILE } from './text.ts';

export { MANIFEST_FILE };

/** A manifest is a few KB; a megabyte is already absurd and bounds the parser's work. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export const MANIFEST_RULES = defineRules({
  'manifest-missing': { severity: 'reject', summary: 'The bundle has no manifest.json at its root.' },
  'manifest-too-large': { severity: 'reject', summary: 'manifest.json is larger than 1 MiB.' },
  'manifest-json-syntax': {
    severity: 'reject',
    summary: 'manifest.json is not strict JSON in UTF-8 (syntax error, comment, trailing comma).',
  },
  'manifest-json-bom': { severity: 'reject', summary: 'manifest.json starts with a byte-order mark.' },
  'manifest-json-duplicate-key': {
    severity: 'reject',
    summary: 'manifest.json has a duplicate key; readers disagree on which value wins.',
  },
  'manifest-json-too-deep': { severity: 'reject', summary: 'manifest.json nests deeper than 64 levels.' },
  'manifest-version-unknown': {
    severity: 'reject',
    summary: 'manifest_version (or dxt_version) is missing or not a version with a known MCPB schema.',
  },
  'manifest-schema': { severity: 'reject', summary: 'manifest.json fails the MCPB schema of its manifest_version.' },
  'manifest-name-invalid': {
    severity: 'reject',
    summary: 'The manifest name is not a plain identifier (letters, digits, and single . _ - between them).',
  },
  'manifest-confusable-name': {
    severity: 'review',
    summary: 'name or display_name uses look-alike characters (mixed scripts, compatibility forms).',
  },
  'manifest-entry-point-outside': {
    severity: 'reject',
    summary: 'server.entry_point is absolute or leaves the bundle.',
  },
  'manifest-entry-point-missing': { severity: 'reject', summary: 'server.entry_point is not a file in the bundle.' },
  'manifest-command-shell': {
    severity: 'reject',
    summary: 'mcp_config runs a shell or a command launcher (sh, bash, cmd, powershell, env, sudo, ...).',
  },
  'manifest-command-remote': {
    severity: 'reject',
    summary: 'mcp_config fetches code at launch (curl, wget, npx, uvx, pnpm dlx, docker, pip, ...).',
  },
  'manifest-args-eval': {
    severity: 'reject',
    summary: 'mcp_config passes interpreter flags that run or preload code (-c, -e, --eval, --require, --import, ...).',
  },
  'manifest-args-shell-syntax': {
    severity: 'reject',
    summary: 'mcp_config arguments contain shell syntax (|, ;, &&, `, $( or a line break).',
  },
  'manifest-env-injection': {
    severity: 'reject',
    summary: 'mcp_config sets a variable that injects code into the process (NODE_OPTIONS, LD_PRELOAD, DYLD_*, ...).',
  },
  'manifest-path-outside-bundle': {
    severity: 'reject',
    summary: 'A search-path variable (PYTHONPATH, NODE_PATH, ...) or a ${__dirname} path points outside the bundle.',
  },
  'manifest-sensitive-path': {
    severity: 'reject',
    summary:
      'A user_config default or an mcp_config value points at an MCP client configuration or a system secret store.',
  },
  'manifest-credential-path': {
    severity: 'review',
    summary:
      'A user_config default or an mcp_config value points at credentials (~/.ssh, ~/.aws, ...) or a system root.',
  },
  'manifest-secret-default': {
    severity: 'review',
    summary: 'A sensitive user_config option ships a default value (a leaked key, or the publisher’s own account).',
  },
  'manifest-version-mismatch': {
    severity: 'reject',
    summary: 'The manifest version differs from the listing version.',
  },
  'manifest-name-mismatch': { severity: 'review', summary: 'The manifest name differs from the listing name.' },
  'manifest-tools-mismatch': {
    severity: 'review',
    summary: "A tool in the listing's tools.json is not declared in the manifest.",
  },
});

const R = MANIFEST_RULES;
type RuleId = keyof typeof R;

export interface ManifestInput {
  /** The bytes of `manifest.json`; undefined when the bundle has none. */
  bytes: Buffer | undefined;
  /** Paths of the bundle's files, `/`-separated, as validated by the safe reader. */
  entries: ReadonlySet<string>;
  /** The declared size of a manifest.json too large to be read at all (bytes is then undefined). */
  oversize?: number;
}

export interface ManifestResult {
  /** The manifest, when it passed its schema; the other rule families read it. */
  manifest: McpbManifest | undefined;
  /** The identifying fields, whenever they could be read (for the report), even from an invalid manifest. */
  summary: ManifestSummary | undefined;
}

export function checkManifest(input: ManifestInput, sink: ScanSink): ManifestResult {
  const none = { manifest: undefined, summary: undefined };
  const report = (rule: RuleId, message: string, at?: string) =>
    sink.finding(R[rule], MANIFEST_FILE, message, at === undefined ? undefined : { pointer: at });

  const { bytes, oversize } = input;
  if (oversize !== undefined) {
    report('manifest-too-large', `manifest.json is ${oversize} bytes; the limit is ${MAX_MANIFEST_BYTES}.`);
    return none;
  }
  if (bytes === undefined) {
    report('manifest-missing', 'Add manifest.json at the root of the bundle (`mcpb init` writes one).');
    return none;
  }
  if (bytes.length > MAX_MANIFEST_BYTES) {
    report('manifest-too-large', `manifest.json is ${bytes.length} bytes; the limit is ${MAX_MANIFEST_BYTES}.`);
    return none;
  }
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, so the strict parser can report it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    report('manifest-json-syntax', 'manifest.json is not valid UTF-8; save it as UTF-8.');
    return none;
  }

  const source = parseJson(text);
  for (const finding of source.findings) {
    const rule = JSON_CODE_RULES[finding.code] ?? 'manifest-json-syntax';
    const where = finding.line ? ` (line ${finding.line}, column ${finding.column})` : '';
    report(rule, finding.message + where, finding.path || undefined);
  }
  if (source.value === undefined) return none;

  const summary = summarise(source.value);
  if (summary) {
    checkName(summary, report);
    checkEntryPoint(summary.entryPoint, input.entries, report);
  }

  const validation = validateMcpbManifest(source.value);
  if (!validation.ok) {
    for (const finding of validation.findings) {
      const rule = finding.code.startsWith('mcpb-version-') ? 'manifest-version-unknown' : 'manifest-schema';
      report(rule, finding.message, finding.path);
    }
    return { manifest: undefined, summary };
  }

  const manifest = validation.manifest;
  checkLaunch(manifest, report);
  checkUserConfig(manifest, report);
  return { manifest, summary };
}

const JSON_CODE_RULES: Record<string, RuleId> = {
  'json-syntax': 'manifest-json-syntax',
  'json-bom': 'manifest-json-bom',
  'json-duplicate-key': 'manifest-json-duplicate-key',
  'json-too-deep': 'manifest-json-too-deep',
};

type Report = (rule: RuleId, message: string, at?: string) => void;

function summarise(value: unknown): ManifestSummary | undefined {
  if (!isRecord(value) || !isRecord(value.server)) return undefined;
  const manifestVersion = value.manifest_version ?? value.dxt_version;
  const { name, display_name: displayName, version } = value;
  const { type: serverType, entry_point: entryPoint } = value.server;
  if (![manifestVersion, name, version, serverType, entryPoint].every((v) => typeof v === 'string')) return undefined;
  return {
    manifestVersion: manifestVersion as string,
    name: name as string,
    ...(typeof displayName === 'string' ? { displayName } : {}),
    version: version as string,
    serverType: serverType as string,
    entryPoint: entryPoint as string,
    ...(isRecord(value.compatibility) ? { compatibility: value.compatibility } : {}),
    ...(isRecord(value.user_config) ? { userConfig: value.user_config } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Name

/**
 * Clients use `name` as the extension's id and folder name (Claude Desktop installs into
 * `Claude Extensions/<name>`), so it must be safe on every file system and unambiguous to read:
 * ASCII letters and digits, with single `.`, `_` or `-` between them. That excludes spaces,
 * path separators, `..`, leading dots and look-alike letters. Every `mcpb init` name and every
 * npm/PyPI-style name fits; 128 characters is far above any real one.
 */
export const MANIFEST_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/i;
const MAX_NAME_LENGTH = 128;

function checkName(summary: ManifestSummary, report: Report): void {
  if (!MANIFEST_NAME.test(summary.name) || summary.name.length > MAX_NAME_LENGTH) {
    report(
      'manifest-name-invalid',
      `name ${JSON.stringify(summary.name)} is not a plain identifier: use letters, digits and single . _ - between them (at most ${MAX_NAME_LENGTH} characters), e.g. "weather-server"; put the human-readable title in display_name.`,
      '/name',
    );
  }
  for (const [field, value] of [
    ['name', summary.name],
    ['display_name', summary.displayName],
  ] as const) {
    const why = value === undefined ? undefined : confusable(value);
    if (why) report('manifest-confusable-name', `${field} ${JSON.stringify(value)} ${why}.`, pointer(field));
  }
}

/** Cyrillic and Greek letters that render like Latin ones (after Unicode's confusables.txt). */
const LATIN_LOOKALIKES = new Set([...'аАвВсСеЕһҺіІјЈкКмМнНоОрРѕЅтТуУхХԁԛԝӏҮүёЁ', ...'αΑβΒεΕζΖηΗιΙκΚμΜνΝοΟρΡτΤυΥχΧ']);
const LETTER = /\p{L}/u;
const LATIN = /\p{Script=Latin}/u;
const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;

/**
 * Why a name could pass for another, or undefined. Three cases: compatibility forms that NFKC
 * folds (fullwidth, mathematical letters, ligatures); a word mixing Latin with Cyrillic or Greek
 * ("Gіthub" with a Cyrillic і); a Cyrillic or Greek word made only of letters that look Latin
 * ("Соре"). A name honestly written in Cyrillic or Greek ("Файлы") passes.
 */
export function confusable(value: string): string | undefined {
  if (value.normalize('NFKC') !== value.normalize('NFC')) {
    return `uses compatibility characters that read as ${JSON.stringify(value.normalize('NFKC'))}`;
  }
  for (const word of value.normalize('NFC').split(/[^\p{L}\p{M}]+/u)) {
    const letters = [...word].filter((c) => LETTER.test(c));
    const latin = letters.some((c) => LATIN.test(c));
    const foreign = letters.filter((c) => CYRILLIC_OR_GREEK.test(c));
    if (foreign.length === 0) continue;
    if (latin) return `mixes Latin with Cyrillic or Greek letters in "${word}"`;
    if (foreign.length === letters.length && foreign.every((c) => LATIN_LOOKALIKES.has(c))) {
      return `spells "${word}" with Cyrillic or Greek letters that look Latin`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Entry point

/** The entry point inside the bundle, normalised; undefined when it is absolute or escapes. */
export function bundlePath(path: string): string | undefined {
  if (path === '' || path.includes('\\') || path.includes('\0') || path.startsWith('/') || /^[a-z]:/i.test(path)) {
    return undefined;
  }
  const normal = posix.normalize(path);
  if (normal === '..' || normal.startsWith('../') || normal === '.') return undefined;
  return normal.replace(/\/$/, '');
}

function checkEntryPoint(entryPoint: string, entries: ReadonlySet<string>, report: Report): void {
  const at = '/server/entry_point';
  const inside = bundlePath(entryPoint);
  if (inside === undefined) {
    report(
      'manifest-entry-point-outside',
      `server.entry_point ${JSON.stringify(entryPoint)} must be a relative path inside the bundle, with / separators.`,
      at,
    );
  } else if (!entries.has(inside)) {
    report(
      'manifest-entry-point-missing',
      `server.entry_point ${JSON.stringify(entryPoint)} is not a file in the bundle; fix the path or add the file.`,
      at,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Launch: mcp_config and its platform overrides

interface LaunchConfig {
  command?: string | undefined;
  args?: string[] | undefined;
  env?: Record<string, string> | undefined;
}

function checkLaunch(manifest: McpbManifest, report: Report): void {
  const config = manifest.server.mcp_config;
  const base = '/server/mcp_config';
  // An override is checked merged with the base config it amends; what it inherits unchanged
  // was reported at the base already.
  const seen = new Set<string>();
  const once: Report = (rule, message, at) => {
    const key = `${rule}|${at}|${message}`;
    if (!seen.has(key)) report(rule, message, at);
    seen.add(key);
  };
  checkCommand(config, base, base, once);
  if (config.env) checkEnv(config.env, base, once);
  for (const [platform, override] of Object.entries(config.platform_overrides ?? {})) {
    const at = pointer('server', 'mcp_config', 'platform_overrides', platform);
    if (override.command !== undefined || override.args !== undefined) {
      checkCommand(
        { command: override.command ?? config.command, args: override.args ?? config.args },
        override.command !== undefined ? at : base,
        override.args !== undefined ? at : base,
        once,
      );
    }
    if (override.env) checkEnv(override.env, at, once);
  }
}

const SHELLS = new Set([
  ...['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox', 'nu'],
  ...['cmd', 'powershell', 'pwsh', 'wsl', 'bash.exe', 'wscript', 'cscript', 'mshta'],
  // Launchers run whatever their arguments name, with whatever environment they set.
  ...['env', 'xargs', 'nohup', 'exec', 'eval', 'sudo', 'doas', 'su', 'pkexec', 'runas', 'start', 'open'],
]);
const REMOTE_COMMANDS = new Set([
  ...['curl', 'wget', 'npx', 'bunx', 'pnpx', 'uvx', 'pipx', 'pip', 'pip3'],
  // Container images are pulled by tag at launch, outside the bundle.
  ...['docker', 'podman', 'nerdctl'],
]);
/** `<command> <subcommand>` pairs that download and run a package. */
const REMOTE_SUBCOMMANDS: Record<string, readonly string[]> = {
  npm: ['exec', 'x'],
  pnpm: ['dlx'],
  yarn: ['dlx'],
  bun: ['x'],
  uv: ['tool'],
};

/** Interpreter flags that run code given on the command line, preload a module, or open a debugger. */
const EVAL_FLAGS: Record<string, { flags: readonly string[]; withValue: readonly string[] }> = {
  node: {
    flags: ['-e', '--eval', '-p', '--print', '-pe', '-r', '--require', '--import', '--loader', '--experimental-loader'],
    withValue: ['-C', '--conditions', '--title', '--input-type', '--env-file'],
  },
  bun: { flags: ['-e', '--eval', '-p', '--print', '-r', '--preload'], withValue: ['--cwd', '--env-file'] },
  deno: { flags: ['eval'], withValue: [] },
  // Python's short options cluster (`-Bc`); checkInterpreter reads them letter by letter.
  python: { flags: ['-c'], withValue: [] },
  ruby: { flags: ['-e', '-r'], withValue: [] },
  perl: { flags: ['-e', '-E', '-M', '-m'], withValue: [] },
  php: { flags: ['-r'], withValue: [] },
  osascript: { flags: ['-e'], withValue: [] },
};
const DEBUGGER_FLAG = /^--inspect(?:-brk|-wait)?(?:=|$)/;

/** `/usr/bin/python3.12` → `python`, `C:\\node\\node.exe` → `node`, `npx.cmd` → `npx`. */
export function commandName(command: string): string {
  const base = (command.split(/[\\/]/).pop() ?? command).toLowerCase().replace(/\.(?:exe|cmd|bat|com|ps1)$/, '');
  if (/^python[\d.]*$|^pypy[\d.]*$|^py$/.test(base)) return 'python';
  if (base === 'nodejs') return 'node';
  return base;
}

function checkCommand(config: LaunchConfig, commandAt: string, argsAt: string, report: Report): void {
  const { command } = config;
  const args = config.args ?? [];
  if (command === undefined) return;
  const name = commandName(command);
  const commandPointer = `${commandAt}/command`;
  const argsPointer = `${argsAt}/args`;

  if (SHELLS.has(name)) {
    report(
      'manifest-command-shell',
      `mcp_config runs ${JSON.stringify(command)}. Run the server's interpreter or binary directly, with the arguments as a list.`,
      commandPointer,
    );
  } else if (REMOTE_COMMANDS.has(name) || REMOTE_SUBCOMMANDS[name]?.includes(args[0] ?? '')) {
    report(
      'manifest-command-remote',
      `mcp_config runs ${JSON.stringify([command, ...args.slice(0, 1)].join(' '))}, which fetches code at launch that this bundle's hash does not cover. Bundle the code and run it from \${__dirname}.`,
      commandPointer,
    );
  } else {
    const launched = launchedInterpreter(name, args);
    if (launched) checkInterpreter(launched.name, launched.args, argsPointer, launched.offset, report);
  }

  args.forEach((arg, i) => {
    if (SHELL_SYNTAX.test(arg)) {
      report(
        'manifest-args-shell-syntax',
        `Argument ${JSON.stringify(arg)} contains shell syntax; clients that launch through a shell (Windows) would run it.`,
        `${argsPointer}/${i}`,
      );
    }
  });
  [command, ...args].forEach((value, i) => {
    const at = i === 0 ? commandPointer : `${argsPointer}/${i - 1}`;
    checkBundleRelative(value, at, report);
    checkSensitiveValue(value, at, report);
  });
}

/** `|` and `;` chain or pipe in every shell; `&&`, backticks and `$(` run commands; so do line breaks. */
const SHELL_SYNTAX = /[|;`\n\r]|&&|\$\(/;

/** The interpreter a command line starts, looking through `uv run`; undefined for a binary. */
function launchedInterpreter(
  name: string,
  args: readonly string[],
): { name: string; args: readonly string[]; offset: number } | undefined {
  if (name === 'uv' && args[0] === 'run') {
    // uv's own options before the command; the ones listed take a value.
    const withValue = new Set(['--directory', '--project', '--python', '-p', '--with', '--env-file', '--package']);
    let i = 1;
    while (i < args.length && args[i]!.startsWith('-')) i += withValue.has(args[i]!) ? 2 : 1;
    const next = args[i];
    if (next === undefined) return undefined;
    const inner = commandName(next);
    return EVAL_FLAGS[inner] ? { name: inner, args: args.slice(i + 1), offset: i + 1 } : undefined;
  }
  return EVAL_FLAGS[name] ? { name, args, offset: 0 } : undefined;
}

/**
 * Interpreter options come before the script; what follows the script is the script's own
 * (a server's `-r` may well mean "root"). So only the arguments up to the first operand count.
 */
function checkInterpreter(name: string, args: readonly string[], at: string, offset: number, report: Report): void {
  const { flags, withValue } = EVAL_FLAGS[name]!;
  const flagged = (arg: string, i: number) =>
    report(
      'manifest-args-eval',
      `${name} option ${JSON.stringify(arg)} runs or preloads code outside the entry point; load it from the server's code instead.`,
      `${at}/${offset + i}`,
    );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const option = arg.split('=')[0]!;
    if (name === 'node' && DEBUGGER_FLAG.test(arg)) {
      flagged(arg, i);
      continue;
    }
    if (flags.includes(option)) {
      flagged(arg, i);
      if (!arg.includes('=')) i++; // its value
      continue;
    }
    if (name === 'python' && /^-[A-Za-z]+/.test(arg) && !arg.startsWith('--')) {
      // Python clusters short options (`-Bc code`); a letter that takes a value ends the cluster.
      const cluster = arg.slice(1);
      const valueAt = cluster.search(/[cmWX]/);
      const letter = valueAt >= 0 ? cluster[valueAt] : undefined;
      if (letter === 'c') {
        flagged(arg, i);
        break;
      }
      if (letter === 'm') {
        const module = cluster.slice(valueAt + 1) || args[i + 1];
        if (module === 'pip' || module === 'ensurepip') {
          report(
            'manifest-command-remote',
            `python -m ${module} installs packages at launch; bundle them instead.`,
            `${at}/${offset + i}`,
          );
        }
        break; // everything after the module is the module's own
      }
      if (letter !== undefined && valueAt === cluster.length - 1) i++;
      continue;
    }
    if (withValue.includes(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) {
      if (name === 'deno' && arg === 'run') continue;
      if (name === 'deno' && /^(?:https?|npm|jsr):/.test(arg)) {
        report('manifest-command-remote', `deno runs ${JSON.stringify(arg)} from the network.`, `${at}/${offset + i}`);
      }
      break;
    }
  }
}

/** `${__dirname}/..`: a path that the client expands into the install folder, then leaves it. */
function checkBundleRelative(value: string, at: string, report: Report): void {
  for (const match of value.matchAll(/\$\{__dirname\}([^\s:;,=]*)/g)) {
    if (escapes(match[1]!.replace(/\\/g, '/'))) {
      report(
        'manifest-path-outside-bundle',
        `${JSON.stringify(value)} leaves the bundle; paths under \${__dirname} must stay inside it.`,
        at,
      );
      return;
    }
  }
}

/** Does a path relative to the bundle root climb above it at any point? */
function escapes(rest: string): boolean {
  let depth = 0;
  for (const segment of rest.split('/')) {
    if (segment === '..') depth--;
    else if (segment !== '' && segment !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

function checkSensitiveValue(value: string, at: string, report: Report): void {
  const location = sensitiveLocation(value);
  if (location) {
    report(
      location.reject ? 'manifest-sensitive-path' : 'manifest-credential-path',
      `${JSON.stringify(value)} points at ${location.what}.`,
      at,
    );
  }
}

/**
 * Variables that load code into the process before the server's own: preloads (NODE_OPTIONS,
 * LD_PRELOAD, DYLD_*, PERL5OPT, ...), startup files (PYTHONSTARTUP, BASH_ENV for any bash the
 * server spawns), and PYTHONINSPECT, which makes Python read code from stdin once the script ends.
 */
const INJECTING_ENV = new Set([
  ...['NODE_OPTIONS', 'LD_PRELOAD', 'LD_AUDIT', 'PYTHONSTARTUP', 'PYTHONINSPECT', 'BASH_ENV', 'ZDOTDIR'],
  ...['PERL5OPT', 'RUBYOPT', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'ELECTRON_RUN_AS_NODE'],
]);
/**
 * Search paths may point into the bundle (the MCPB Python examples set PYTHONPATH to
 * `${__dirname}/lib`), never elsewhere. An empty entry means the working directory.
 */
const SEARCH_PATH_ENV = new Set(['PYTHONPATH', 'PYTHONHOME', 'NODE_PATH', 'LD_LIBRARY_PATH', 'PERL5LIB', 'RUBYLIB']);

function checkEnv(env: Record<string, string>, at: string, report: Report): void {
  for (const [name, value] of Object.entries(env)) {
    const where = pointer(...parsePointer(at), 'env', name);
    // Windows treats variable names case-insensitively.
    const upper = name.toUpperCase();
    if (INJECTING_ENV.has(upper) || upper.startsWith('DYLD_')) {
      report(
        'manifest-env-injection',
        `mcp_config sets ${name}, which injects code or options into the process. Remove it; pass interpreter options as arguments.`,
        where,
      );
    } else if (SEARCH_PATH_ENV.has(upper)) {
      const outside = value.split(/[:;]/).filter((entry) => !insideBundle(entry));
      if (outside.length > 0) {
        report(
          'manifest-path-outside-bundle',
          `${name} entries ${JSON.stringify(outside)} are outside the bundle; every entry must start with \${__dirname}/.`,
          where,
        );
        continue;
      }
    }
    checkBundleRelative(value, where, report);
    checkSensitiveValue(value, where, report);
  }
}

function insideBundle(entry: string): boolean {
  const match = /^\$\{__dirname\}((?:[/\\].*)?)$/.exec(entry);
  return match !== null && !escapes(match[1]!.replace(/\\/g, '/'));
}

// ---------------------------------------------------------------------------------------------
// user_config

/** Placeholders the client substitutes; they are not secrets. */
const PLACEHOLDER_ONLY = /^(?:\$\{[\w.]+\})+$/;

function checkUserConfig(manifest: McpbManifest, report: Report): void {
  for (const [key, option] of Object.entries(manifest.user_config ?? {})) {
    const at = pointer('user_config', key, 'default');
    const defaults = option.default === undefined ? [] : [option.default].flat();
    if (option.sensitive === true) {
      const secret = defaults.find((d) => typeof d === 'string' && d.trim() !== '' && !PLACEHOLDER_ONLY.test(d.trim()));
      if (secret !== undefined) {
        report(
          'manifest-secret-default',
          `user_config.${key} is sensitive but has a default value; ship no default and let the user enter their own.`,
          at,
        );
      }
    }
    if (option.type === 'directory' || option.type === 'file') {
      for (const value of defaults) {
        const location = typeof value === 'string' ? sensitiveLocation(value) : undefined;
        if (location) {
          report(
            location.reject ? 'manifest-sensitive-path' : 'manifest-credential-path',
            `user_config.${key} defaults to ${JSON.stringify(value)}, which points at ${location.what}. Default to a project folder, or to none.`,
            at,
          );
          break;
        }
      }
    }
  }
}

/**
 * What a path-like value points at, when that matters: an MCP client configuration or a system
 * secret store (`reject`: no server needs another client's keys), or credentials and system
 * roots, which some servers do need (review). Home itself (`${HOME}`) passes: filesystem servers
 * legitimately default to it, and the client shows the folder before install.
 */
export function sensitiveLocation(value: string): { what: string; reject: boolean } | undefined {
  const path = value
    .trim()
    .replace(/\$\{HOME\}|\$HOME\b|%USERPROFILE%|\$\{USERPROFILE\}/gi, '~')
    .replace(/\\/g, '/');
  const found = findSensitivePath(path);
  if (found) {
    const what = {
      'client-config': 'an MCP client configuration',
      'system-secret': 'a system secret store',
      credential: 'credentials',
    }[found.kind];
    return { what: `${what} (${found.path})`, reject: found.kind !== 'credential' };
  }
  const normal = posix.normalize(path).replace(/(.)\/$/, '$1');
  if (/^(?:\/|[a-z]:\/?|~\/\.config|~\/Library|\/etc|\/private\/etc|\/root|\/var\/root|\/System)$/i.test(normal)) {
    return { what: `the system location ${normal}`, reject: false };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Listing cross-check (CI: the listing is in the pull request next to the bundle)

/** Tool names of a listing's `tools.json`, when it has one. */
export type DeclaredToolNames = readonly string[];

/**
 * Does the bundle belong to the listing that points at it? A different version means the
 * listing serves bundle bytes that are not the version it describes (reject); a different name
 * or tools the manifest does not declare may be honest drift, so a maintainer looks.
 */
export function crossCheckListing(
  scanned: { summary: ManifestSummary; manifest?: McpbManifest | undefined },
  listing: Pick<Listing, 'name' | 'version'>,
  declaredTools: DeclaredToolNames | undefined,
  sink: ScanSink,
): void {
  const { summary, manifest } = scanned;
  if (summary.version !== listing.version) {
    sink.finding(
      R['manifest-version-mismatch'],
      MANIFEST_FILE,
      `The manifest says version ${JSON.stringify(summary.version)}, the listing ${JSON.stringify(listing.version)}; build the bundle from the listed version.`,
      { pointer: '/version' },
    );
  }
  const serverName = listing.name.slice(listing.name.lastIndexOf('/') + 1);
  if (comparableName(summary.name) !== comparableName(serverName)) {
    sink.finding(
      R['manifest-name-mismatch'],
      MANIFEST_FILE,
      `The manifest name ${JSON.stringify(summary.name)} does not match the listing name ${JSON.stringify(listing.name)}.`,
      { pointer: '/name' },
    );
  }
  // A manifest with tools_generated declares only some of its tools; the rest appear at run time.
  if (declaredTools && manifest && manifest.tools_generated !== true) {
    const own = new Set((manifest.tools ?? []).map((t) => t.name));
    for (const tool of declaredTools) {
      if (!own.has(tool)) {
        sink.finding(
          R['manifest-tools-mismatch'],
          MANIFEST_FILE,
          `tools.json lists the tool ${JSON.stringify(tool)}, which the manifest does not declare.`,
          { pointer: '/tools' },
        );
      }
    }
  }
}

/** Case and the choice among `-`, `_` and `.` are style, not identity. */
const comparableName = (name: string) => name.toLowerCase().replace(/[._-]/g, '-');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
