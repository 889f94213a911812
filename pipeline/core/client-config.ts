/**
 * How a catalog server becomes an entry in an MCP client's own config file. One pure module,
 * shared by the site (which shows the snippet, the copy button and the deep links) and the
 * installer (which writes the entry): no I/O and no Node-only imports, because the site imports it
 * in the browser build.
 *
 * Two steps, so that both readers agree on every byte:
 * 1. `launchOptions(record, version)`: the ways to run one version of a server, one per package
 *    and per remote, with every value the user has to give left as a `${input:ID}` placeholder and
 *    the input described in `inputs`. A launch is always pinned to an exact version (npm
 *    `pkg@1.2.3`, PyPI `pkg==1.2.3`, OCI `image@sha256:…`); a package that the listing does not
 *    pin comes back with `pinned: false`, and only the installer, which resolves the exact version,
 *    may turn it into a config entry that runs.
 * 2. `clientEntry(client, launch, values?)`: that launch in one client's format. Without `values`
 *    it is the snippet the site shows; with values it is what the installer writes.
 *
 * Each client's format, as its own documentation gives it:
 * - Claude Desktop: `claude_desktop_config.json`, `mcpServers` with `command`, `args`, `env`; the
 *   file takes local (stdio) servers only, remote servers are added in its Connectors settings
 *   (https://modelcontextprotocol.io/quickstart/user).
 * - Claude Code: `~/.claude.json` (user scope), `mcpServers` with `type: "stdio"` and
 *   `command`/`args`/`env`, or `type: "http"` / `type: "sse"` with `url` and `headers`, which is
 *   what `claude mcp add --transport http|sse` writes (https://code.claude.com/docs/en/mcp).
 * - Cursor: `~/.cursor/mcp.json`, `mcpServers` with `command`/`args`/`env`, or `url` and `headers`
 *   for a remote; install links `cursor://anysphere.cursor-deeplink/mcp/install?name=$NAME&config=
 *   $BASE64_ENCODED_CONFIG` (https://cursor.com/docs/mcp/install-links).
 * - VS Code: user `mcp.json`, `servers` with `type` (`stdio`, `http`, `sse`), and a top-level
 *   `inputs` array of `{type: "promptString", id, description, password}` referenced as
 *   `${input:id}`, which VS Code asks for once and keeps in its secret storage; install links
 *   `vscode:mcp/install?<url-encoded JSON of {name, ...server}>`
 *   (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration).
 * - Windsurf: `~/.codeium/windsurf/mcp_config.json`, `mcpServers` with `command`/`args`/`env`, or
 *   `serverUrl` and `headers` for a remote (https://docs.windsurf.com/windsurf/cascade/mcp).
 */
import type {
  Argument,
  Input,
  KeyValueInput,
  Package,
  RecordVersion,
  RemoteTransport,
  ServerRecord,
} from './schema-types.gen.ts';

export const CLIENT_IDS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];
export type Platform = 'linux' | 'darwin' | 'win32';
export type TopKey = 'mcpServers' | 'servers';

export interface ClientInfo {
  id: ClientId;
  /** Display name. */
  name: string;
  /** Where the client keeps its user-level config, for people (see `configPath` for the real path). */
  configFile: Record<Platform, string>;
  /** The key of the object that maps server names to entries. */
  topKey: TopKey;
  /** Whether its config file can hold a remote (HTTP or SSE) server. */
  remotes: boolean;
}

export const CLIENTS: Record<ClientId, ClientInfo> = {
  'claude-desktop': {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    configFile: {
      linux: '~/.config/Claude/claude_desktop_config.json',
      darwin: '~/Library/Application Support/Claude/claude_desktop_config.json',
      win32: '%APPDATA%\\Claude\\claude_desktop_config.json',
    },
    topKey: 'mcpServers',
    remotes: false,
  },
  'claude-code': {
    id: 'claude-code',
    name: 'Claude Code',
    configFile: { linux: '~/.claude.json', darwin: '~/.claude.json', win32: '%USERPROFILE%\\.claude.json' },
    topKey: 'mcpServers',
    remotes: true,
  },
  cursor: {
    id: 'cursor',
    name: 'Cursor',
    configFile: {
      linux: '~/.cursor/mcp.json',
      darwin: '~/.cursor/mcp.json',
      win32: '%USERPROFILE%\\.cursor\\mcp.json',
    },
    topKey: 'mcpServers',
    remotes: true,
  },
  vscode: {
    id: 'vscode',
    name: 'VS Code',
    configFile: {
      linux: '~/.config/Code/User/mcp.json',
      darwin: '~/Library/Application Support/Code/User/mcp.json',
      win32: '%APPDATA%\\Code\\User\\mcp.json',
    },
    topKey: 'servers',
    remotes: true,
  },
  windsurf: {
    id: 'windsurf',
    name: 'Windsurf',
    configFile: {
      linux: '~/.codeium/windsurf/mcp_config.json',
      darwin: '~/.codeium/windsurf/mcp_config.json',
      win32: '%USERPROFILE%\\.codeium\\windsurf\\mcp_config.json',
    },
    topKey: 'mcpServers',
    remotes: true,
  },
};

export function isClientId(value: unknown): value is ClientId {
  return typeof value === 'string' && (CLIENT_IDS as readonly string[]).includes(value);
}

/** The environment `configPath` reads: HOME (USERPROFILE on Windows), APPDATA, XDG_CONFIG_HOME. */
export interface PathEnv {
  HOME?: string;
  USERPROFILE?: string;
  APPDATA?: string;
  XDG_CONFIG_HOME?: string;
}

/**
 * The absolute path of a client's user config file on `platform`, derived only from `env`, so
 * that tests run in a temporary HOME. Returns undefined when the variable it needs is unset.
 */
export function configPath(client: ClientId, platform: Platform, env: PathEnv): string | undefined {
  const sep = platform === 'win32' ? '\\' : '/';
  const home = platform === 'win32' ? (env.USERPROFILE ?? env.HOME) : env.HOME;
  const join = (base: string | undefined, ...parts: string[]) =>
    base === undefined || base === '' ? undefined : [base.replace(/[\\/]+$/, ''), ...parts].join(sep);
  const appData = platform === 'win32' ? env.APPDATA || join(home, 'AppData', 'Roaming') : undefined;
  const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
  const support = join(home, 'Library', 'Application Support');
  switch (client) {
    case 'claude-desktop':
      if (platform === 'win32') return join(appData, 'Claude', 'claude_desktop_config.json');
      if (platform === 'darwin') return join(support, 'Claude', 'claude_desktop_config.json');
      return join(xdg, 'Claude', 'claude_desktop_config.json');
    case 'claude-code':
      return join(home, '.claude.json');
    case 'cursor':
      return join(home, '.cursor', 'mcp.json');
    case 'vscode':
      if (platform === 'win32') return join(appData, 'Code', 'User', 'mcp.json');
      if (platform === 'darwin') return join(support, 'Code', 'User', 'mcp.json');
      return join(xdg, 'Code', 'User', 'mcp.json');
    case 'windsurf':
      return join(home, '.codeium', 'windsurf', 'mcp_config.json');
  }
}

// ---------------------------------------------------------------------------------------------
// Launch options

export type LaunchKind = 'mcpb' | 'npm' | 'pypi' | 'oci' | 'remote';
export type Transport = 'stdio' | 'streamable-http' | 'sse';
export type InputKind = 'env' | 'arg' | 'header' | 'url' | 'user_config';

/** One value the user gives. Launch strings reference it as `${input:<id>}`. */
export interface LaunchInput {
  id: string;
  title: string;
  description?: string;
  required: boolean;
  secret: boolean;
  default?: string;
  kind: InputKind;
  /** The listing's format (`string`, `number`, `boolean`, `filepath`) or MCPB user_config type. */
  format?: string;
  choices?: string[];
  placeholder?: string;
}

/** A group of argv elements that stands or falls together (a flag and its value). */
export interface ArgGroup {
  args: string[];
  /** The optional inputs it references: left out when none of them has a value. */
  optionalInputs?: string[];
}

export interface Launch {
  /** Stable within one version: `package-<n>` or `remote-<n>`. */
  id: string;
  kind: LaunchKind;
  /** For people: "npm @scope/pkg@1.2.3", "Remote (streamable HTTP)". */
  label: string;
  /** The catalog version of the server this launch runs. */
  version: string;
  /** The exact package version, tag-free image digest, or bundle version. */
  packageVersion?: string;
  /** Whether it runs exactly one reviewed version. False: the installer must resolve and pin it. */
  pinned: boolean;
  /** What is missing when not pinned. */
  unpinned?: 'version' | 'digest';
  /** The package as listed (identifier without version). */
  identifier?: string;
  /** Index of the package in `packages`, for package launches. */
  packageIndex?: number;
  transport: Transport;
  command?: string;
  args?: string[];
  argGroups?: ArgGroup[];
  env?: Record<string, string>;
  url?: string;
  headers?: Record<string, string>;
  inputs: LaunchInput[];
  /** Env vars that reference only optional inputs, by name: left out when those have no value. */
  optionalEnv?: Record<string, string[]>;
  /** Headers that reference only optional inputs, by name. */
  optionalHeaders?: Record<string, string[]>;
  /** Runtimes on PATH it needs: `node` (npx), `uv` (uvx), `docker`. */
  runtimes: string[];
  /** For `mcpb`: the artifact to download and verify; `command` is unset until the installer reads its manifest. */
  bundle?: { url: string; sha256: string; size?: number; attestation?: string };
}

const PLACEHOLDER = /\$\{input:([^}]+)\}/g;
export const inputRef = (id: string) => '${input:' + id + '}';

/** The record version `version` names, or the highest one that is not yanked. */
export function pickVersion(record: ServerRecord, version?: string): RecordVersion | undefined {
  if (version !== undefined) return record.versions.find((v) => v.version === version);
  return record.versions.find((v) => v.status !== 'yanked') ?? record.versions[0];
}

/**
 * Overrides for packages the listing does not pin: the exact version (npm, PyPI) or the image
 * digest (`sha256:…`, OCI) the installer resolved, by package index.
 */
export type ResolvedPins = Readonly<Record<number, string>>;

/** Every way to run `version` of `record` (its highest unyanked version by default). */
export function launchOptions(record: ServerRecord, version?: string, resolved: ResolvedPins = {}): Launch[] {
  const picked = pickVersion(record, version);
  if (!picked) return [];
  const launches: Launch[] = [];
  picked.packages.forEach((pkg, index) => {
    const launch = packageLaunch(picked, pkg, index, resolved[index]);
    if (launch) launches.push(launch);
  });
  picked.remotes.forEach((remote, index) => launches.push(remoteLaunch(picked.version, remote, index)));
  return launches;
}

class InputSet {
  readonly list: LaunchInput[] = [];
  add(input: LaunchInput): string {
    const existing = this.list.find((i) => i.id === input.id);
    if (!existing) this.list.push(input);
    else {
      existing.required ||= input.required;
      existing.secret ||= input.secret;
    }
    return input.id;
  }
}

function fromInput(id: string, kind: InputKind, input: Input, title = id): LaunchInput {
  const out: LaunchInput = {
    id,
    title,
    required: input.isRequired === true,
    secret: input.isSecret === true,
    kind,
  };
  // Imported listings sometimes put a placeholder such as `${input:x}` in the description.
  if (input.description && !/^\$\{input:[^}]*\}$/.test(input.description)) out.description = input.description;
  if (input.default !== undefined && input.default !== '') out.default = input.default;
  if (input.format) out.format = input.format;
  if (input.choices) out.choices = [...input.choices];
  if (input.placeholder) out.placeholder = input.placeholder;
  return out;
}

/**
 * The text of one listing input: its fixed `value` with `{variables}` turned into input
 * references, or, without a value, a reference to an input of its own.
 */
function inputText(
  inputs: InputSet,
  id: string,
  kind: InputKind,
  input: Input & { variables?: Record<string, Input> },
  optional: string[],
): string {
  if (input.value !== undefined) {
    const variables = input.variables ?? {};
    return input.value.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => {
      const variable = variables[name];
      if (!variable) return whole;
      const ref = inputs.add(fromInput(name, kind, variable));
      if (variable.isRequired !== true) optional.push(ref);
      return inputRef(ref);
    });
  }
  const ref = inputs.add(fromInput(id, kind, input));
  if (input.isRequired !== true) optional.push(ref);
  return inputRef(ref);
}

function argGroups(inputs: InputSet, list: readonly Argument[] | undefined): ArgGroup[] {
  const groups: ArgGroup[] = [];
  for (const arg of list ?? []) {
    const optional: string[] = [];
    if (arg.type === 'named') {
      const named = arg as Argument & { name: string };
      const id = named.name.replace(/^-+/, '') || named.name;
      const args = [named.name];
      // A named argument without a value and without an input is a bare flag (`--rm`).
      if (named.value !== '')
        args.push(inputText(inputs, (arg as { valueHint?: string }).valueHint ?? id, 'arg', named, optional));
      groups.push(optional.length ? { args, optionalInputs: optional } : { args });
    } else {
      const positional = arg as Argument & { valueHint?: string };
      const id = positional.valueHint ?? `arg${groups.length + 1}`;
      const text = inputText(inputs, id, 'arg', positional, optional);
      groups.push(optional.length ? { args: [text], optionalInputs: optional } : { args: [text] });
    }
  }
  return groups;
}

function envOf(inputs: InputSet, list: readonly KeyValueInput[] | undefined, optional: Map<string, string[]>) {
  const env: Record<string, string> = {};
  for (const variable of list ?? []) {
    const refs: string[] = [];
    env[variable.name] = inputText(inputs, variable.name, 'env', variable, refs);
    if (refs.length) optional.set(variable.name, refs);
  }
  return env;
}

const flatten = (groups: ArgGroup[]) => groups.flatMap((g) => g.args);

function packageLaunch(version: RecordVersion, pkg: Package, index: number, resolved?: string): Launch | undefined {
  const inputs = new InputSet();
  const optionalEnv = new Map<string, string[]>();
  const env = envOf(inputs, pkg.environmentVariables, optionalEnv);
  const runtimeGroups = argGroups(inputs, pkg.runtimeArguments);
  const packageGroups = argGroups(inputs, pkg.packageArguments);
  const transport = pkg.transport.type;
  const base = {
    id: `package-${index}`,
    version: version.version,
    identifier: pkg.identifier,
    packageIndex: index,
    transport,
  } as const;
  const finish = (launch: Launch): Launch => {
    if (optionalEnv.size) launch.optionalEnv = Object.fromEntries(optionalEnv);
    if (transport !== 'stdio' && 'url' in pkg.transport) {
      launch.url = inputText(inputs, 'url', 'url', { value: pkg.transport.url }, []);
    }
    launch.inputs = inputs.list;
    if (Object.keys(env).length) launch.env = env;
    return launch;
  };

  switch (pkg.registryType) {
    case 'npm': {
      const exact = resolved ?? pkg.version;
      const spec = `${pkg.identifier}@${exact ?? '<version>'}`;
      const groups: ArgGroup[] = [...runtimeGroups, { args: ['-y', spec] }, ...packageGroups];
      return finish({
        ...base,
        kind: 'npm',
        label: `npm ${spec}`,
        packageVersion: exact,
        pinned: exact !== undefined && isExactVersion(exact),
        ...(exact === undefined ? { unpinned: 'version' as const } : {}),
        command: 'npx',
        argGroups: groups,
        args: flatten(groups),
        inputs: [],
        runtimes: ['node'],
      });
    }
    case 'pypi': {
      const exact = resolved ?? pkg.version;
      const spec = `${pkg.identifier}==${exact ?? '<version>'}`;
      const groups: ArgGroup[] = [...runtimeGroups, { args: [spec] }, ...packageGroups];
      return finish({
        ...base,
        kind: 'pypi',
        label: `PyPI ${spec}`,
        packageVersion: exact,
        pinned: exact !== undefined && isExactVersion(exact),
        ...(exact === undefined ? { unpinned: 'version' as const } : {}),
        command: 'uvx',
        argGroups: groups,
        args: flatten(groups),
        inputs: [],
        runtimes: ['uv'],
      });
    }
    case 'oci': {
      const listed = pkg.identifier.match(/^(.*?)@(sha256:[0-9a-f]{64})$/);
      const image = listed ? listed[1] : pkg.identifier.replace(/:[^/:]+$/, '');
      const digest = listed?.[2] ?? (resolved && /^sha256:[0-9a-f]{64}$/.test(resolved) ? resolved : undefined);
      const ref = `${image}@${digest ?? 'sha256:<digest>'}`;
      // docker passes an env var into the container only when named with `-e NAME`.
      const envGroups: ArgGroup[] = Object.keys(env).map((name) =>
        optionalEnv.has(name) ? { args: ['-e', name], optionalInputs: optionalEnv.get(name) } : { args: ['-e', name] },
      );
      const groups: ArgGroup[] = [
        { args: ['run', '-i', '--rm'] },
        ...envGroups,
        ...runtimeGroups,
        { args: [ref] },
        ...packageGroups,
      ];
      return finish({
        ...base,
        kind: 'oci',
        label: `OCI ${ref}`,
        packageVersion: digest,
        pinned: digest !== undefined,
        ...(digest === undefined ? { unpinned: 'digest' as const } : {}),
        command: 'docker',
        argGroups: groups,
        args: flatten(groups),
        inputs: [],
        runtimes: ['docker'],
      });
    }
    case 'mcpb': {
      const artifact = version.artifacts.find((a) => a.package === index);
      const userConfig = (artifact?.userConfig ?? {}) as Record<string, UserConfigField>;
      for (const [key, field] of Object.entries(userConfig)) inputs.add(userConfigInput(key, field));
      const launch: Launch = {
        ...base,
        kind: 'mcpb',
        label: `MCP bundle ${pkg.version ?? version.version}`,
        packageVersion: pkg.version ?? version.version,
        pinned: true,
        inputs: [],
        runtimes: [],
      };
      if (artifact) {
        launch.bundle = { url: artifact.url, sha256: artifact.sha256 };
        if (artifact.size !== undefined) launch.bundle.size = artifact.size;
        if (artifact.attestation) launch.bundle.attestation = artifact.attestation;
      }
      return finish(launch);
    }
    default:
      // nuget and others: no pinned command this catalog can vouch for.
      return undefined;
  }
}

/** An MCPB manifest `user_config` field (MCPB 0.1–0.4). */
export interface UserConfigField {
  type: 'string' | 'number' | 'boolean' | 'directory' | 'file';
  title?: string;
  description?: string;
  required?: boolean;
  sensitive?: boolean;
  multiple?: boolean;
  default?: unknown;
  min?: number;
  max?: number;
}

function userConfigInput(key: string, field: UserConfigField): LaunchInput {
  const input: LaunchInput = {
    id: key,
    title: field.title ?? key,
    required: field.required === true,
    secret: field.sensitive === true,
    kind: 'user_config',
    format: field.type,
  };
  if (field.description) input.description = field.description;
  if (field.default !== undefined)
    input.default = Array.isArray(field.default) ? field.default.join(',') : String(field.default);
  return input;
}

function remoteLaunch(version: string, remote: RemoteTransport, index: number): Launch {
  const inputs = new InputSet();
  const url = inputText(inputs, 'url', 'url', { value: remote.url, variables: remote.variables }, []);
  const headers: Record<string, string> = {};
  const optionalHeaders: Record<string, string[]> = {};
  for (const header of remote.headers ?? []) {
    const refs: string[] = [];
    headers[header.name] = inputText(inputs, header.name, 'header', header, refs);
    if (refs.length) optionalHeaders[header.name] = refs;
  }
  const launch: Launch = {
    id: `remote-${index}`,
    kind: 'remote',
    label: remote.type === 'sse' ? 'Remote (SSE)' : 'Remote (streamable HTTP)',
    version,
    pinned: true,
    transport: remote.type,
    url,
    inputs: inputs.list,
    runtimes: [],
  };
  if (Object.keys(headers).length) launch.headers = headers;
  if (Object.keys(optionalHeaders).length) launch.optionalHeaders = optionalHeaders;
  return launch;
}

/** An exact version: no range operators, wildcards, `latest` or empty. */
export function isExactVersion(version: string): boolean {
  return (
    /^[0-9A-Za-z][0-9A-Za-z.+_!-]*$/.test(version) &&
    !/^(latest|\*|x)$/i.test(version) &&
    !/(^|\.)(x|\*)($|\.)/i.test(version)
  );
}

/**
 * Fills an `mcpb` launch with the command its manifest's `mcp_config` resolves to (the installer
 * does that after extracting it; `user_config` references become `${input:key}`).
 */
export function withCommand(
  launch: Launch,
  command: { command: string; args: string[]; env?: Record<string, string> },
): Launch {
  const out: Launch = {
    ...launch,
    command: command.command,
    args: [...command.args],
    argGroups: command.args.map((a) => ({ args: [a] })),
  };
  if (command.env && Object.keys(command.env).length) out.env = { ...command.env };
  else delete out.env;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Client entries

export type InputValues = Readonly<Record<string, string>>;

export interface VsCodeInput {
  type: 'promptString';
  id: string;
  description: string;
  password?: true;
}

export interface ClientEntry {
  topKey: TopKey;
  entry: Record<string, unknown>;
  /** VS Code only: the top-level `inputs` this entry references. */
  inputs?: VsCodeInput[];
}

export type Support = { ok: true } | { ok: false; code: 'client-no-remote' | 'launch-unresolved'; reason: string };

/** Whether `client` can take `launch` in its config file. */
export function supports(client: ClientId, launch: Launch): Support {
  if (launch.transport !== 'stdio' && !launch.command && !CLIENTS[client].remotes)
    return {
      ok: false,
      code: 'client-no-remote',
      reason: `${CLIENTS[client].name}'s config file takes local servers only; add this remote server in its Connectors settings.`,
    };
  if (launch.transport === 'stdio' && !launch.command)
    return {
      ok: false,
      code: 'launch-unresolved',
      reason: 'This bundle runs the command in its manifest; install it with the installer to get the exact command.',
    };
  return { ok: true };
}

/** Placeholder text for an input without a value, in a client that has no input prompts. */
const placeholder = (id: string) => `<${id}>`;

/**
 * The exact entry for `client`. Without `values`, every input stays a placeholder (`${input:id}`
 * in VS Code, which prompts for it, `<id>` elsewhere). With `values`, each given value is
 * substituted, and anything that references only optional inputs without a value is left out; a
 * required or secret input without a value stays `${input:id}` for VS Code (it asks, and keeps
 * secrets in its secret storage), and a required one is an error elsewhere.
 */
export function clientEntry(client: ClientId, launch: Launch, values?: InputValues): ClientEntry {
  const support = supports(client, launch);
  if (!support.ok) throw new Error(support.reason);
  const vscode = client === 'vscode';
  const byId = new Map(launch.inputs.map((i) => [i.id, i]));
  const used = new Set<string>();
  const missing: string[] = [];
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_whole, id: string) => {
      if (values && values[id] !== undefined) return values[id];
      if (vscode) {
        used.add(id);
        return inputRef(id);
      }
      if (values) missing.push(id);
      return placeholder(id);
    });
  const hasValue = (id: string) =>
    values === undefined ||
    values[id] !== undefined ||
    // VS Code asks for required values and secrets itself, and keeps secrets in its secret storage.
    (vscode && (byId.get(id)?.required === true || byId.get(id)?.secret === true));
  const keep = (refs: readonly string[] | undefined) => !refs || refs.length === 0 || refs.some(hasValue);

  const entry: Record<string, unknown> = {};
  if (launch.command) {
    if (client === 'claude-code' || vscode) entry.type = 'stdio';
    entry.command = launch.command;
    const groups: ArgGroup[] = launch.argGroups ?? (launch.args ?? []).map((a) => ({ args: [a] }));
    entry.args = groups.filter((g) => keep(g.optionalInputs)).flatMap((g) => g.args.map(fill));
    const optionalEnv = launch.optionalEnv ?? {};
    const env = Object.entries(launch.env ?? {}).filter(([name]) => keep(optionalEnv[name]));
    if (env.length) entry.env = Object.fromEntries(env.map(([name, value]) => [name, fill(value)]));
  } else {
    const type = launch.transport === 'sse' ? 'sse' : 'http';
    if (client === 'claude-code' || vscode) entry.type = type;
    entry[client === 'windsurf' ? 'serverUrl' : 'url'] = fill(launch.url ?? '');
    const optionalHeaders = launch.optionalHeaders ?? {};
    const headers = Object.entries(launch.headers ?? {}).filter(([name]) => keep(optionalHeaders[name]));
    if (headers.length) entry.headers = Object.fromEntries(headers.map(([name, value]) => [name, fill(value)]));
  }
  if (missing.length) throw new Error(`No value for ${[...new Set(missing)].join(', ')}.`);
  const result: ClientEntry = { topKey: CLIENTS[client].topKey, entry };
  if (vscode && used.size) {
    result.inputs = [...used].map((id) => {
      const input = byId.get(id);
      const description = input?.description ? `${input.title}: ${input.description}` : (input?.title ?? id);
      return input?.secret
        ? { type: 'promptString', id, description, password: true }
        : { type: 'promptString', id, description };
    });
  }
  return result;
}

/** The whole config file holding just this server, pretty-printed: what the site's copy button copies. */
export function configSnippet(client: ClientId, serverKey: string, launch: Launch): string {
  const { topKey, entry, inputs } = clientEntry(client, launch);
  const file: Record<string, unknown> = {};
  if (inputs) file.inputs = inputs;
  file[topKey] = { [serverKey]: entry };
  return JSON.stringify(file, null, 2);
}

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * An install link, where the client has one: VS Code `vscode:mcp/install?<url-encoded JSON>`
 * and Cursor `cursor://anysphere.cursor-deeplink/mcp/install?name=…&config=<base64 JSON>`.
 * Only for launches that run exactly one pinned version.
 */
export function deepLink(client: ClientId, serverKey: string, launch: Launch): string | undefined {
  if (!launch.pinned || !supports(client, launch).ok) return undefined;
  if (client === 'vscode') {
    const { entry, inputs } = clientEntry(client, launch);
    const config: Record<string, unknown> = { name: serverKey, ...entry };
    if (inputs) config.inputs = inputs;
    return `vscode:mcp/install?${encodeURIComponent(JSON.stringify(config))}`;
  }
  if (client === 'cursor') {
    const { entry } = clientEntry(client, launch);
    return `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeURIComponent(serverKey)}&config=${encodeURIComponent(base64Utf8(JSON.stringify(entry)))}`;
  }
  return undefined;
}

/** The key an installed server gets in client configs: the part of its name after the namespace. */
export function defaultServerKey(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
