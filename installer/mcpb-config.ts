/**
 * An MCPB manifest's `server.mcp_config` resolved the way the MCPB reference does
 * (https://github.com/modelcontextprotocol/mcpb/blob/main/MANIFEST.md, "Variable substitution"):
 * `${__dirname}` is the folder the bundle was extracted into, `${HOME}`, `${DESKTOP}`,
 * `${DOCUMENTS}`, `${DOWNLOADS}` the user's folders, `${pathSeparator}` and `${/}` the path
 * separator, `${user_config.key}` the user's value. An argument that is exactly one multiple-valued
 * `${user_config.key}` becomes one argument per value. `platform_overrides[platform]` replaces the
 * base command, args or env wholesale. Pure: the caller gives the folders and the values.
 *
 * Sensitive values are not substituted: they stay `${input:key}` for the client config to carry
 * (VS Code asks for them itself; elsewhere the launcher fills them in from the secret store).
 */
import { inputRef, type UserConfigField } from '../pipeline/core/client-config.ts';

export interface McpConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  platform_overrides?: Record<string, { command?: string; args?: string[]; env?: Record<string, string> }>;
}

export interface ResolveContext {
  dirname: string;
  home: string;
  platform: 'linux' | 'darwin' | 'win32';
  userConfig: Record<string, UserConfigField>;
  /** Values by key; several for a `multiple` field. Sensitive keys are left out. */
  values: Record<string, string[]>;
}

export interface ResolvedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function resolveMcpConfig(config: McpConfig, context: ResolveContext): ResolvedCommand {
  const override = config.platform_overrides?.[context.platform];
  const command = override?.command ?? config.command;
  const args = override?.args ?? config.args ?? [];
  const env = override?.env ?? config.env ?? {};
  const sep = context.platform === 'win32' ? '\\' : '/';
  const folder = (name: string) => `${context.home}${sep}${name}`;
  const builtins: Record<string, string> = {
    __dirname: context.dirname,
    HOME: context.home,
    DESKTOP: folder('Desktop'),
    DOCUMENTS: folder('Documents'),
    DOWNLOADS: folder('Downloads'),
    pathSeparator: sep,
    '/': sep,
  };
  const one = (text: string): string =>
    text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name in builtins) return builtins[name]!;
      const key = name.startsWith('user_config.') ? name.slice('user_config.'.length) : undefined;
      if (key === undefined) return whole;
      const field = context.userConfig[key];
      if (field?.sensitive) return inputRef(key);
      const values = context.values[key];
      if (values === undefined || values.length === 0) return '';
      return values.join(
        field?.type === 'directory' || field?.type === 'file' ? (context.platform === 'win32' ? ';' : ':') : ',',
      );
    });
  const outArgs: string[] = [];
  for (const arg of args) {
    const whole = arg.match(/^\$\{user_config\.([^}]+)\}$/);
    const key = whole?.[1];
    if (key !== undefined && !context.userConfig[key]?.sensitive) {
      // One argument per value; none when optional and unset.
      for (const value of context.values[key] ?? []) outArgs.push(value);
      continue;
    }
    outArgs.push(one(arg));
  }
  const outEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const resolved = one(value);
    // An env var whose only content is an unset optional value is left out.
    if (resolved === '' && /^\$\{user_config\.[^}]+\}$/.test(value)) continue;
    outEnv[name] = resolved;
  }
  return { command: one(command), args: outArgs, env: outEnv };
}

/** Expands `${HOME}` and the other folder variables in a user_config default. */
export function expandDefault(value: string, context: Pick<ResolveContext, 'home' | 'platform'>): string {
  const sep = context.platform === 'win32' ? '\\' : '/';
  const vars: Record<string, string> = {
    HOME: context.home,
    DESKTOP: `${context.home}${sep}Desktop`,
    DOCUMENTS: `${context.home}${sep}Documents`,
    DOWNLOADS: `${context.home}${sep}Downloads`,
    pathSeparator: sep,
    '/': sep,
  };
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
