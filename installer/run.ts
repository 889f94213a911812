/** Dispatches one command: builds the environment, loads and verifies the catalog when the command needs it. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  CLIENT_IDS,
  configPath,
  isClientId,
  type ClientId,
  type Launch,
  type Platform,
} from '../pipeline/core/client-config.ts';
import type { Policy } from '../pipeline/core/schema-types.gen.ts';
import { validateSchema } from '../pipeline/core/schema-validator.ts';
import { loadVerifiedCatalog, type VerifiedCatalog } from './catalog.ts';
import type { Io } from './cli.ts';
import {
  infoCommand,
  installCommand,
  listCommand,
  outdatedCommand,
  removeCommand,
  rollbackCommand,
  searchCommand,
  updateCommand,
  type Result,
} from './commands.ts';
import { EXIT, InstallerError } from './errors.ts';
import type { Environment } from './install.ts';
import type { BuildInfo } from './pin.ts';
import { sourceFor } from './source.ts';
import { audit, highestSerial, pathsFor, recordSerial } from './state.ts';

export interface Flags {
  client?: string[];
  set?: string[];
  package?: string;
  index?: string;
  policy?: string;
  yes?: boolean;
  json?: boolean;
  major?: boolean;
}

const KINDS: Launch['kind'][] = ['mcpb', 'npm', 'pypi', 'oci', 'remote'];

function platformOf(value: string): Platform {
  return value === 'win32' || value === 'darwin' ? value : 'linux';
}

export async function run(positionals: string[], flags: Flags, io: Io, build: BuildInfo): Promise<Result> {
  const [command, ...rest] = positionals;
  const paths = pathsFor(io.env);
  const platform = platformOf(io.env.MCP_CATALOG_PLATFORM ?? process.platform);
  // The policy: --policy names a file, or a policy the catalog publishes; by default the catalog's
  // own default (index.json `defaultPolicy`, checked by digest), else the one built in.
  const policyFile = flags.policy !== undefined && (existsSync(flags.policy) || /[\\/]|\.json$/.test(flags.policy));
  const policy = policyFile ? await readPolicy(flags.policy!) : build.defaultPolicy;
  let rl: ReturnType<typeof createInterface> | undefined;
  const environment: Environment = {
    env: io.env,
    paths,
    platform,
    now: new Date(),
    policy,
    nodePath: process.execPath,
    log: (line) => (flags.json ? io.stderr(line) : io.stdout(line)),
    warn: (line) => io.stderr(line),
    maxDownloadBytes: Number(io.env.MCP_CATALOG_MAX_DOWNLOAD_BYTES ?? 512 << 20),
    downloadTimeoutMs: Number(io.env.MCP_CATALOG_DOWNLOAD_TIMEOUT_MS ?? 300_000),
    ...(io.isTTY && !flags.yes
      ? {
          ask: async (question: string) => {
            rl ??= createInterface({ input: process.stdin, output: process.stderr });
            return (await rl.question(question)).trim() || undefined;
          },
        }
      : {}),
  };
  const catalog = async (): Promise<VerifiedCatalog> => {
    const index = flags.index ?? build.indexUrl;
    if (!index)
      throw new InstallerError(
        'index-required',
        'This installer was built from a catalog without a baseUrl, so it has no default index: pass --index URL|path (e.g. --index dist/).',
        { field: '--index' },
      );
    try {
      const loaded = await loadVerifiedCatalog({
        source: sourceFor(index),
        identity: build.identity,
        catalogName: build.catalog,
        highestSerial: await highestSerial(paths),
        now: environment.now,
      });
      if (!policyFile) {
        const name = flags.policy ?? (loaded.index as { defaultPolicy?: string }).defaultPolicy;
        const published = name !== undefined ? await loaded.publishedPolicy(name) : undefined;
        if (flags.policy !== undefined && !published)
          throw new InstallerError(
            'usage',
            `--policy ${flags.policy}: no such file, and the catalog publishes no policy by that name.`,
            { field: '--policy' },
          );
        if (published) environment.policy = published;
      }
      return loaded;
    } catch (error) {
      if (error instanceof InstallerError && command !== undefined)
        await audit(paths, { action: command, decision: 'refused', code: error.code, reasons: [error.message] }).catch(
          () => undefined,
        );
      throw error;
    }
  };
  const one = (what: string) => {
    if (rest.length !== 1) throw new InstallerError('usage', `${command} takes one ${what}.`);
    return rest[0]!;
  };
  try {
    switch (command) {
      case 'search': {
        const c = await catalog();
        const result = await searchCommand(c, rest);
        await recordSerial(paths, c.index.serial);
        return result;
      }
      case 'info': {
        const c = await catalog();
        const result = await infoCommand(c, one('server name'), environment);
        await recordSerial(paths, c.index.serial);
        return result;
      }
      case 'install': {
        const spec = one('server name, with an optional @range');
        const clients = chooseClients(flags.client, platform, io.env);
        if (flags.package && !KINDS.includes(flags.package as Launch['kind']))
          throw new InstallerError('usage', `--package ${flags.package}: use one of ${KINDS.join(', ')}.`, {
            field: '--package',
          });
        return await installCommand(
          await catalog(),
          {
            spec,
            clients,
            given: parseSets(flags.set),
            yes: flags.yes ?? false,
            ...(flags.package ? { prefer: flags.package as Launch['kind'] } : {}),
          },
          environment,
        );
      }
      case 'list':
        return await listCommand(environment);
      case 'outdated':
        return await outdatedCommand(await catalog(), environment);
      case 'update':
        return await updateCommand(
          await catalog(),
          rest[0],
          { major: flags.major ?? false, yes: flags.yes ?? false, given: parseSets(flags.set) },
          environment,
        );
      case 'rollback':
        return await rollbackCommand(await highestSerial(paths), one('server name'), environment);
      case 'remove':
        return await removeCommand(await highestSerial(paths), one('server name'), environment);
      case 'doctor': {
        const { doctor, describeHealth } = await import('./doctor.ts');
        const rows = await doctor(rest[0], environment, {
          timeoutMs: Number(io.env.MCP_CATALOG_DOCTOR_TIMEOUT_MS ?? 30_000),
        });
        const bad = rows.some((r) => r.health.status === 'failed-to-start' || r.health.status === 'tools-changed');
        return {
          text: rows.length ? rows.map(describeHealth) : ['Nothing installed.'],
          json: { servers: rows },
          exitCode: bad ? EXIT.unhealthy : EXIT.ok,
        };
      }
      default:
        throw new InstallerError('unknown-command', `Unknown command ${command}. Run --help.`);
    }
  } finally {
    rl?.close();
  }
}

function chooseClients(requested: string[] | undefined, platform: Platform, env: NodeJS.ProcessEnv): ClientId[] {
  if (requested?.length) {
    const bad = requested.filter((c) => !isClientId(c));
    if (bad.length)
      throw new InstallerError('usage', `--client ${bad.join(', ')}: use ${CLIENT_IDS.join(', ')}.`, {
        field: '--client',
      });
    return [...new Set(requested)] as ClientId[];
  }
  const present = CLIENT_IDS.filter((client) => {
    const path = configPath(client, platform, env);
    return path !== undefined && (existsSync(path) || existsSync(dirname(path)));
  });
  if (present.length === 0)
    throw new InstallerError('usage', `No MCP client found; name one with --client (${CLIENT_IDS.join(', ')}).`, {
      field: '--client',
    });
  return present;
}

function parseSets(sets: string[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of sets ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InstallerError('usage', `--set ${pair}: write key=value.`, { field: '--set' });
    (out[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return out;
}

async function readPolicy(file: string): Promise<Policy> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InstallerError('usage', `--policy ${file}: ${(error as Error).message}`, { file, field: '--policy' });
  }
  const problems = validateSchema('policy', value);
  if (problems.length)
    throw new InstallerError('usage', `--policy ${file}${problems[0]!.path}: ${problems[0]!.message}`, {
      file,
      field: problems[0]!.path,
    });
  return value as Policy;
}
