/**
 * `node install.mjs <command>` (and `npm run install-server -- <command>` from the repository).
 * Only argument parsing lives at the top: everything else loads when a command needs it, so
 * `--version` and `--help` start fast.
 */
import { parseArgs } from 'node:util';
import { EXIT, InstallerError } from './errors.ts';

const HELP = `Install MCP servers from a signed catalog into your MCP clients.

Usage: node install.mjs <command> [options]

Commands:
  search <words…>                 find servers
  info <name>[@version]           what would be installed, from where, verified how, what the policy says
  install <name>[@range]          verify, download and configure a server
  onboard                         install every server the policy (and --group) auto-installs, and
                                  say why the others were not
  list                            installed servers
  outdated                        installed servers with a newer version in the catalog
  update [name] [--major]         patch and minor updates; --major for major ones
  rollback <name>                 back to the version before the last update
  remove <name>                   remove a server: client entries, files and stored secrets
  doctor [name]                   start each installed server and check its tools

Options:
  --client <id>                   claude-desktop, claude-code, cursor, vscode, windsurf (repeatable;
                                  default: every client whose config folder exists)
  --set key=value                 a user_config, environment, argument or header value (repeatable)
  --package <kind>                mcpb, npm, pypi, oci or remote, when a version has several
  --index <url|path>              read the catalog from here (https:, file: or a path); the signing
                                  identity stays the one this installer was built with
  --policy <name|file>            a policy the catalog publishes, or a policy file, instead of the catalog's default
  --group <name>                  the policy group to apply (its overrides of the policy's rules)
  --yes                           no questions: fail on a missing required value
  --json                          machine-readable output, with stable codes
  --version, --help

Exit codes:
  0  done
  1  refused (integrity, freshness, yanked, policy deny, compatibility, a config that is a symlink or not JSON)
  2  usage error, or a value that is missing or invalid
  3  needs approval: the request link is printed
  4  could not run (network, file system)
  5  doctor: a server failed to start or its tools changed

State lives in MCP_CATALOG_HOME (default ~/.mcp-catalog).

An admin policy at /etc/mcp-catalog/policy.json (Linux), /Library/Application Support/MCP Catalog/
policy.json (macOS) or C:\\ProgramData\\MCP Catalog\\policy.json (Windows) beats every option above:
it can pin the catalog, its signing identity, the policy and group, add denials or disable installs.`;

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

export async function main(io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: io.argv,
      allowPositionals: true,
      options: {
        client: { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
        package: { type: 'string' },
        index: { type: 'string' },
        policy: { type: 'string' },
        group: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        json: { type: 'boolean' },
        major: { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail(io, false, new InstallerError('usage', `${(error as Error).message}. Run --help.`));
  }
  const { values, positionals } = parsed;
  const json = values.json ?? false;
  if (values.help || (positionals.length === 0 && !values.version)) {
    io.stdout(HELP);
    return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
  }
  const { buildInfo } = await import('./pin.ts');
  if (values.version) {
    io.stdout(
      json ? JSON.stringify({ version: buildInfo().version, catalog: buildInfo().catalog }) : buildInfo().version,
    );
    return EXIT.ok;
  }
  try {
    const { run } = await import('./run.ts');
    const result = await run(positionals, values, io, buildInfo());
    if (json) io.stdout(JSON.stringify({ ok: (result.exitCode ?? 0) === 0, ...result.json }, null, 2));
    else for (const line of result.text) io.stdout(line);
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    return fail(io, json, error);
  }
}

/**
 * The bundle compiles the commands separately from this file (installer/build.ts), so an
 * InstallerError thrown there is another class than the one here: recognise it by its shape.
 */
function asInstallerError(error: unknown): InstallerError | undefined {
  if (error instanceof InstallerError) return error;
  const e = error as Partial<InstallerError> | undefined;
  return typeof e?.code === 'string' && typeof e.toJSON === 'function' && typeof e.exitCode === 'number'
    ? (e as InstallerError)
    : undefined;
}

function fail(io: Io, json: boolean, error: unknown): number {
  const known =
    asInstallerError(error) ??
    new InstallerError(
      'internal',
      `Unexpected failure: ${(error as Error)?.message ?? String(error)}${
        io.env.MCP_CATALOG_DEBUG ? `\n${(error as Error)?.stack ?? ''}` : ' (set MCP_CATALOG_DEBUG=1 for the stack)'
      }`,
    );
  if (json) io.stdout(JSON.stringify({ ok: false, error: known.toJSON() }, null, 2));
  else io.stderr(`error [${known.code}]: ${known.message}${known.hint ? `\n  ${known.hint}` : ''}`);
  return known.exitCode;
}

const isMain = (() => {
  try {
    const entry = process.argv[1] ?? '';
    return (
      import.meta.url === new URL(`file://${entry.startsWith('/') ? '' : '/'}${entry.replace(/\\/g, '/')}`).href ||
      /install\.mjs$|installer[\\/]cli\.ts$/.test(entry)
    );
  } catch {
    return false;
  }
})();

if (isMain) {
  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: (text) => process.stdout.write(text + '\n'),
    stderr: (text) => process.stderr.write(text + '\n'),
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  });
  process.exitCode = code;
}
