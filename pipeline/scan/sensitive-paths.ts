/**
 * The one list of sensitive paths: credentials of the user, password and keychain stores, and the
 * configurations of MCP clients (which hold every other server's keys and launch commands).
 *
 * Two rule families read it. The text rules (text.ts) look for these paths in what the model
 * reads; the code rules (code.ts) look for reads of them in the bundle's code. Each builds its
 * own pattern from the same entries: text joins segments with `/` or `\`, code also with the
 * quote-comma-quote of `path.join('.aws', 'credentials')`. A path added here is caught by both.
 */

/**
 * `client-config`: an MCP client's configuration; `system-secret`: password, keychain and
 * browser credential stores; `credential`: keys and tokens that some servers do need (an SSH
 * server reads `~/.ssh`, a Kubernetes server `~/.kube/config`), so in text they are review.
 */
export type SensitivePathKind = 'client-config' | 'system-secret' | 'credential';

export interface SensitivePath {
  kind: SensitivePathKind;
  /**
   * Path segments, each a regex source (no capture groups). A leading empty segment makes the
   * path absolute (`/etc/shadow`). A dotted first segment must start a path segment or string;
   * a word one must start a word.
   */
  segments: readonly string[];
  /**
   * When code reading the path is reading someone else's secret. `anywhere`: whatever the
   * folder. `home`: only when the path is anchored at the home or app-data folder (`~`, `$HOME`,
   * `os.homedir()`, `APPDATA`, …); a project's own `.vscode/mcp.json` or `.env` is the project's.
   * `never`: sensitive in text only (`/etc/passwd` is world-readable and holds no secrets).
   */
  code: 'anywhere' | 'home' | 'never';
  /** Match case exactly, in text too: "Login Data" is Chrome's password store, "login data" is prose. */
  exactCase?: true;
}

const CLIENT_CONFIG_FOLDERS = String.raw`(?:\.cursor|\.vscode|\.gemini|\.kiro|\.roo|\.amazonq|\.codeium|windsurf|\.continue)`;

export const SENSITIVE_PATHS: readonly SensitivePath[] = [
  // MCP clients' configurations.
  { kind: 'client-config', segments: [CLIENT_CONFIG_FOLDERS, String.raw`mcp(?:_config)?\.json`], code: 'home' },
  // VS Code's user-level MCP config (in the app-data folder).
  { kind: 'client-config', segments: ['Code', 'User', String.raw`mcp\.json`], code: 'home' },
  // The bare name says whose file it is in prose, not in code: `~/.sentry/mcp.json` is Sentry's own token cache.
  { kind: 'client-config', segments: [String.raw`(?:mcp|mcp_config)\.json`], code: 'never' },
  { kind: 'client-config', segments: [String.raw`claude_desktop_config\.json`], code: 'home' },
  { kind: 'client-config', segments: [String.raw`\.claude`, String.raw`\.credentials\.json`], code: 'home' },
  { kind: 'client-config', segments: [String.raw`\.claude\.json`], code: 'home' },
  { kind: 'client-config', segments: [String.raw`cline_mcp_settings\.json`], code: 'home' },
  // Password stores, keychains and browser credential stores.
  { kind: 'system-secret', segments: ['', 'etc', '(?:shadow|gshadow|sudoers)'], code: 'anywhere' },
  { kind: 'system-secret', segments: ['Library', 'Keychains'], code: 'anywhere' },
  { kind: 'system-secret', segments: [String.raw`login\.keychain(?:-db)?`], code: 'anywhere' },
  { kind: 'system-secret', segments: ['dump-keychain'], code: 'anywhere' },
  { kind: 'system-secret', segments: [String.raw`\.local`, 'share', 'keyrings'], code: 'anywhere' },
  { kind: 'system-secret', segments: ['Login Data'], code: 'anywhere', exactCase: true },
  { kind: 'system-secret', segments: [String.raw`cookies\.sqlite`], code: 'anywhere' },
  { kind: 'system-secret', segments: [String.raw`logins\.json`], code: 'anywhere' },
  { kind: 'system-secret', segments: [String.raw`key4\.db`], code: 'anywhere' },
  { kind: 'system-secret', segments: ['Default', 'Cookies'], code: 'anywhere', exactCase: true },
  { kind: 'system-secret', segments: ['Default', 'Network', 'Cookies'], code: 'anywhere', exactCase: true },
  // Keys and tokens of the user.
  { kind: 'credential', segments: [String.raw`\.ssh`], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`id_(?:rsa|dsa|ecdsa|ed25519)(?!\.pub)`], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`\.aws`, '(?:credentials|sso)'], code: 'anywhere' },
  {
    kind: 'credential',
    segments: [String.raw`\.azure`, String.raw`(?:accessTokens\.json|msal_token_cache\.\w+|azureProfile\.json)`],
    code: 'anywhere',
  },
  { kind: 'credential', segments: [String.raw`\.config`, 'gcloud'], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`application_default_credentials\.json`], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`\.kube`, 'config'], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`\.docker`, String.raw`config\.json`], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`\.config`, 'gh', String.raw`hosts\.ya?ml`], code: 'anywhere' },
  { kind: 'credential', segments: [String.raw`\.gnupg`], code: 'anywhere' },
  {
    kind: 'credential',
    segments: [String.raw`\.(?:npmrc|pypirc|netrc|git-credentials|pgpass|bash_history|zsh_history)`],
    code: 'anywhere',
  },
  { kind: 'credential', segments: [String.raw`\.env(?:\.[\w-]+)?`], code: 'home' },
  { kind: 'credential', segments: ['', 'etc', 'passwd'], code: 'never' },
];

/**
 * One regex source for an entry, its segments joined by `separator`. The caller adds what may
 * come before and after.
 */
export function pathSource(path: SensitivePath, separator: string): string {
  return path.segments.map((segment, i) => (i === 0 && segment === '' ? '' : segment)).join(separator);
}
