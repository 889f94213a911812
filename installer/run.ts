/** Dispatches one command: builds the environment, loads and verifies the catalog when the command needs it. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
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
import { adminPolicyPath, assertInstallsAllowed, identityOf, overlayOf, readAdminPolicy } from './admin-policy.ts';
import { loadVerifiedCatalog, type VerifiedCatalog } from './catalog.ts';
import type { Io } from './cli.ts';
import {
  infoCommand,
  installCommand,
  listCommand,
  onboardCommand,
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
  group?: string;
  yes?: boolean;
  json?: boolean;
  major?: boolean;
}

const KINDS: Launch['kind'][] = ['mcpb', 'npm', 'pypi', 'oci', 'remote'];
/** Commands that put something on the machine: the admin policy can refuse them all. */
const INSTALLING = new Set(['install', 'update', 'rollback', 'onboard']);

function platformOf(value: string): Platform {
  return value === 'win32' || value === 'darwin' ? value : 'linux';
}

export async function run(positionals: string[], flags: Flags, io: Io, build: BuildInfo): Promise<Result> {
  const [command, ...rest] = positionals;
  const paths = pathsFor(io.env);
  const platform = platformOf(io.env.MCP_CATALOG_PLATFORM ?? process.platform);
  // The admin policy comes first and from its fixed path only; it beats every flag below.
  const admin = await readAdminPolicy(adminPolicyPath());
  const adminPolicy = admin.kind === 'ok' ? admin.policy : undefined;
  const warnings: string[] = [];
  const ignored = (flag: string, value: string | undefined, field: string) => {
    if (value !== undefined)
      warnings.push(`${flag} ${value} is ignored: the admin policy ${admin.file} sets ${field}.`);
  };
  if (adminPolicy?.catalog) ignored('--index', flags.index, 'the catalog');
  if (adminPolicy?.policy) ignored('--policy', flags.policy, 'the policy');
  if (adminPolicy?.group) ignored('--group', flags.group, 'the group');
  const requestedPolicy = adminPolicy?.policy ?? flags.policy;
  const group = adminPolicy?.group ?? flags.group;
  // The policy: --policy names a file, or a policy the catalog publishes; by default the catalog's
  // own default (index.json `defaultPolicy`, checked by digest), else the one built in. An admin
  // policy's `policy` is always one the catalog publishes.
  const policyFile =
    !adminPolicy?.policy &&
    flags.policy !== undefined &&
    (existsSync(flags.policy) || /[\\/]|\.json$/.test(flags.policy));
  const policy = policyFile ? await readPolicy(flags.policy!) : build.defaultPolicy;
  const overlay = overlayOf(admin);
  let rl: ReturnType<typeof createInterface> | undefined;
  const environment: Environment = {
    env: io.env,
    paths,
    platform,
    now: new Date(),
    policy,
    ...(policyFile ? { policyName: basename(flags.policy!).replace(/\.json$/, '') } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(overlay ? { overlay } : {}),
    ...(admin.kind !== 'none' ? { adminFile: admin.file } : {}),
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
  for (const warning of warnings) environment.warn(`warning: ${warning}`);
  if (admin.kind === 'invalid' && command !== undefined && !INSTALLING.has(command))
    environment.warn(`warning: ${admin.error.message}`);
  const catalog = async (): Promise<VerifiedCatalog> => {
    const index = adminPolicy?.catalog?.index ?? flags.index ?? build.indexUrl;
    if (!index)
      throw new InstallerError(
        'index-required',
        'This installer was built from a catalog without a baseUrl, so it has no default index: pass --index URL|path (e.g. --index dist/).',
        { field: '--index' },
      );
    try {
      const loaded = await loadVerifiedCatalog({
        source: sourceFor(index),
        identity: identityOf(admin, build.identity),
        catalogName: adminPolicy?.catalog?.name ?? build.catalog,
        highestSerial: await highestSerial(paths),
        now: environment.now,
      });
      if (!policyFile) {
        const name = requestedPolicy ?? (loaded.index as { defaultPolicy?: string }).defaultPolicy;
        const published = name !== undefined ? await loaded.publishedPolicy(name) : undefined;
        if (adminPolicy?.policy !== undefined && !published)
          throw new InstallerError(
            'admin-policy-invalid',
            `The admin policy ${admin.file} names the policy "${adminPolicy.policy}", which the catalog does not publish; every install is refused.`,
            { file: admin.file, field: '/policy' },
          );
        if (flags.policy !== undefined && !published)
          throw new InstallerError(
            'usage',
            `--policy ${flags.policy}: no such file, and the catalog publishes no policy by that name.`,
            { field: '--policy' },
          );
        if (published) {
          environment.policy = published;
          environment.policyName = name!;
        } else if (environment.policy && name !== undefined) environment.policyName = name;
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
    if (command !== undefined && INSTALLING.has(command)) {
      try {
        assertInstallsAllowed(admin);
      } catch (error) {
        await audit(paths, {
          action: command,
          ...(rest[0] ? { server: rest[0] } : {}),
          decision: 'refused',
          code: (error as InstallerError).code,
          reasons: [(error as Error).message],
          adminPolicy: admin.file,
        }).catch(() => undefined);
        throw error;
      }
    }
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
      case 'onboard': {
        if (rest.length) throw new InstallerError('usage', 'onboard takes no server names: the policy names them.');
        const clients = chooseClients(flags.client, platform, io.env);
        return await onboardCommand(
          await catalog(),
          { clients, given: parseSets(flags.set), yes: flags.yes ?? false },
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
