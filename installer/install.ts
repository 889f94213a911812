/**
 * `install`, in the order of issue 10 and design.md ("The installer"): every check comes before
 * the first write, so a refusal leaves every client config and every installed file as it was.
 *
 *   verified index → verified server file → version (semver, platform, runtimes) → policy →
 *   download (size cap, timeout, sha256 while streaming) → attestation (pinned identity, digest)
 *   → safe reader (findings, manifest, compatibility) → values → plan (pure) → apply (atomic).
 *
 * `planInstall` is pure (style.md 12): from what was read and verified, it computes every file
 * the install will write. `applyPlan` is the thin I/O that writes them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  CLIENTS,
  clientEntry,
  configPath,
  defaultServerKey,
  launchOptions,
  supports,
  withCommand,
  type ClientId,
  type Launch,
  type Platform,
  type UserConfigField,
} from '../pipeline/core/client-config.ts';
import { verifyAttestation } from '../pipeline/adapters/sigstore-verify.ts';
import { openBundle, type OpenedBundle } from '../pipeline/adapters/zip-reader.ts';
import { ARTIFACT_PREDICATE_TYPE, type ArtifactPredicate } from '../pipeline/core/attestation.ts';
import type { PolicyContext, PolicyOverlay } from '../pipeline/core/policy.ts';
import type { Policy, RecordVersion, ServerRecord, ToolPin } from '../pipeline/core/schema-types.gen.ts';
import { type VerifiedCatalog, verificationRefusal } from './catalog.ts';
import { currentEntry, editConfig, parseConfig } from './config-edit.ts';
import { InstallerError } from './errors.ts';
import { atomicWriteFile, refuseSymlink, removeStaleTemps, syncDir } from './fs-atomic.ts';
import { LAUNCHER_FILE, LAUNCHER_SOURCE, SECRET_TOKEN } from './launcher.ts';
import { resolveMcpConfig, type McpConfig } from './mcpb-config.ts';
import { evaluatePolicy, type Decision } from './policy.ts';
import { resolvePin } from './registries.ts';
import { incompatibility, resolveVersion, UNVERSIONED, type Compatibility, type Runtimes } from './resolve.ts';
import { download, progressBar } from './source.ts';
import type { ClientRecord, Installed, Lock, LockEntry, Paths } from './state.ts';
import { collectValues, type CollectedValues } from './values.ts';

export interface InstallOptions {
  spec: string;
  clients: ClientId[];
  given: Record<string, string[]>;
  yes: boolean;
  /** `mcpb`, `npm`, `pypi`, `oci` or `remote`: which way to run it, when it has several. */
  prefer?: Launch['kind'];
  major?: boolean;
}

export interface Environment {
  env: NodeJS.ProcessEnv;
  paths: Paths;
  platform: Platform;
  now: Date;
  policy: Policy | undefined;
  /** The policy's name, as the catalog publishes it or as the file is called (for the approval request). */
  policyName?: string;
  /** The policy group (`--group`, or the admin policy's). */
  group?: string;
  /** The admin policy's denials, applied above the policy (installer/admin-policy.ts). */
  overlay?: PolicyOverlay;
  /** The admin policy file, when there is one. */
  adminFile?: string;
  /** Node that runs the launcher (the one running the installer). */
  nodePath: string;
  log: (line: string) => void;
  warn: (line: string) => void;
  ask?: (question: string) => Promise<string | undefined>;
  maxDownloadBytes: number;
  downloadTimeoutMs: number;
}

/** What the policy evaluator needs besides the policy and the server: the moment, group, overlay and where to ask. */
export function policyContextOf(environment: Environment, catalog?: VerifiedCatalog): PolicyContext {
  const repository = catalog?.index.catalog.repository;
  return {
    now: environment.now,
    ...(environment.group !== undefined ? { group: environment.group } : {}),
    ...(environment.overlay ? { overlay: environment.overlay } : {}),
    ...(environment.policyName !== undefined ? { policyName: environment.policyName } : {}),
    ...(repository ? { catalogRepository: repository } : {}),
  };
}

/** The source a server came from, as the index gives it (absent: the catalog's own listings). */
export function originOf(server: unknown): { origin?: string } {
  const origin = (server as { origin?: unknown } | undefined)?.origin;
  return typeof origin === 'string' ? { origin } : {};
}

/** `<name>[@range]`: the name has a `/`, so the range follows the last `@` after it. */
export function parseSpec(spec: string): { name: string; range?: string } {
  const slash = spec.indexOf('/');
  const at = spec.indexOf('@', slash === -1 ? 1 : slash);
  if (at === -1) return { name: spec };
  return { name: spec.slice(0, at), range: spec.slice(at + 1) || undefined } as { name: string; range?: string };
}

const runtimeCache = new Map<string, string | undefined>();
/** The version of a runtime on PATH, or undefined (`node`, `python3`, `uv`, `docker`). */
export function runtimeVersion(name: keyof Runtimes, env: NodeJS.ProcessEnv): string | undefined {
  if (runtimeCache.has(name)) return runtimeCache.get(name);
  let found: string | undefined;
  try {
    const out = execFileSync(name, ['--version'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    found = out.match(/\d+\.\d+(\.\d+)?/)?.[0] ?? out.trim();
  } catch {
    found = undefined;
  }
  runtimeCache.set(name, found);
  return found;
}

const ORDER: Launch['kind'][] = ['mcpb', 'npm', 'pypi', 'oci', 'remote'];
const RUNTIME_OF: Partial<Record<Launch['kind'], keyof Runtimes>> = { npm: 'node', pypi: 'uv', oci: 'docker' };

/** The launch to install: the preferred kind, else the first in ORDER whose runtime is here. */
export function chooseLaunch(
  launches: Launch[],
  version: RecordVersion,
  prefer: Launch['kind'] | undefined,
  hasRuntime: (name: keyof Runtimes) => boolean,
): { launch: Launch; skipped: string[] } {
  const skipped: string[] = [];
  const installable = launches.filter((l) => {
    if (l.kind !== 'mcpb') return true;
    const artifact = version.artifacts.find((a) => a.package === l.packageIndex);
    if (!artifact || artifact.status !== 'verified') {
      skipped.push(
        `bundle ${artifact?.url ?? l.identifier}: ${artifact ? artifact.status : 'not fetched by the catalog'}`,
      );
      return false;
    }
    if (artifact.scan?.verdict === 'reject') {
      skipped.push(`bundle ${artifact.url}: the scan rejected it`);
      return false;
    }
    return true;
  });
  const sorted = installable
    .filter((l) => prefer === undefined || l.kind === prefer)
    .sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const launch of sorted) {
    const runtime = RUNTIME_OF[launch.kind];
    if (runtime && !hasRuntime(runtime)) {
      skipped.push(`${launch.label}: needs ${runtime}, which is not installed`);
      continue;
    }
    return { launch, skipped };
  }
  if (installable.length === 0 && launches.some((l) => l.kind === 'mcpb'))
    throw new InstallerError('artifact-unavailable', `Nothing installable: ${skipped.join('; ')}.`);
  if (prefer && !launches.some((l) => l.kind === prefer))
    throw new InstallerError(
      'usage',
      `This version has no ${prefer} package; it has ${launches.map((l) => l.kind).join(', ') || 'none'}.`,
      {
        field: '--package',
      },
    );
  throw new InstallerError(
    'runtime-missing',
    `No way to run this version here: ${skipped.join('; ') || 'it has no package or remote'}.`,
    {
      field: 'runtimes',
    },
  );
}

/** Everything verified and read before the plan: the inputs of `planInstall`. */
export interface Prepared {
  record: ServerRecord;
  version: RecordVersion;
  launch: Launch;
  decision: Decision;
  unreviewed: boolean;
  warnings: string[];
  bundle?: { file: string; sha256: string; opened: OpenedBundle; manifest: Manifest; tempDir: string };
  tools: ToolPin[];
}

interface Manifest {
  name?: string;
  version?: string;
  server?: { mcp_config?: McpConfig };
  user_config?: Record<string, UserConfigField>;
  compatibility?: Compatibility;
}

/** Steps 1–5: the version, the policy, the download and its checks. Writes nothing outside os.tmpdir(). */
export async function prepareInstall(
  catalog: VerifiedCatalog,
  options: InstallOptions,
  environment: Environment,
  pinned?: { version: string },
): Promise<Prepared> {
  const { name, range } = parseSpec(options.spec);
  const { server: indexServer, record } = await catalog.record(name);
  const runtimes: Runtimes = {};
  const has = (runtime: keyof Runtimes) =>
    (runtimes[runtime] ??= runtimeVersion(runtime, environment.env)) !== undefined;
  const { version, warnings } = resolveVersion(record, pinned?.version ?? range, {
    platform: environment.platform,
    runtimes: new Proxy(runtimes, {
      get: (target, key: string) => (has(key as keyof Runtimes) ? target[key as keyof Runtimes] : undefined),
    }),
  });
  const { launch: chosen, skipped } = chooseLaunch(
    launchOptions(record, version.version),
    version,
    options.prefer,
    has,
  );
  for (const note of skipped) warnings.push(`skipped ${note}`);
  const unreviewed = version.version === UNVERSIONED || !chosen.pinned;
  const decision = evaluatePolicy(
    environment.policy,
    { record, version, launch: chosen, unreviewed, ...originOf(indexServer) },
    policyContextOf(environment, catalog),
  );
  const rules = (list: { rule: string; from: string; message: string }[]) =>
    list.map(({ rule, from, message }) => ({ rule, from, message }));
  if (decision.kind === 'deny')
    throw new InstallerError(
      'policy-denied',
      `The ${decision.rules.some((r) => r.from === 'admin') ? 'admin policy' : 'policy'} refuses ${record.name}@${version.version}: ${decision.reasons.join('; ')}`,
      {
        ...(decision.rules.some((r) => r.from === 'admin') && environment.adminFile
          ? { file: environment.adminFile }
          : {}),
        details: { reasons: decision.reasons, rules: rules(decision.rules) },
      },
    );
  if (decision.kind === 'approval')
    throw new InstallerError(
      'approval-required',
      `${record.name}@${version.version} needs an approval first: ${decision.reasons.join('; ')}${
        decision.requestUrl
          ? `\nRequest it here: ${decision.requestUrl}`
          : catalog.index.catalog.repository
            ? `\nThe catalog repository ${catalog.index.catalog.repository} is not on GitHub, so there is no request form to link: ask the policy's owners.`
            : "\nThis catalog's index.json names no repository (catalog.repository, from catalog.config.json `repository`), so there is no request form to link: ask the policy's owners."
      }`,
      {
        details: {
          reasons: decision.reasons,
          rules: rules(decision.rules),
          ...(decision.requestUrl ? { requestUrl: decision.requestUrl } : {}),
        },
      },
    );

  let launch = chosen;
  if (!launch.pinned || (unreviewed && launch.kind !== 'mcpb' && launch.kind !== 'remote')) {
    const pin = await resolvePin(
      launch,
      record.versions.find((v) => v.version === version.version)!,
      environment.env,
    );
    launch = launchOptions(record, version.version, { [launch.packageIndex!]: pin }).find((l) => l.id === launch.id)!;
    warnings.push(
      `${record.name}: the catalog has no reviewed version; pinned ${launch.label} from its registry. This version was NOT reviewed by the catalog.`,
    );
  }
  if (!launch.pinned)
    throw new InstallerError('unpinned', `${launch.label} could not be pinned to an exact version; refused.`);

  const prepared: Prepared = { record, version, launch, decision, unreviewed, warnings, tools: [] };
  if (launch.kind === 'mcpb') {
    prepared.bundle = await fetchBundle(catalog, record, version, launch, environment);
    const artifact = version.artifacts.find((a) => a.package === launch.packageIndex)!;
    prepared.tools = artifact.tools ?? [];
    const problem = incompatibility(prepared.bundle.manifest.compatibility, {
      platform: environment.platform,
      runtimes: new Proxy(runtimes, {
        get: (target, key: string) => (has(key as keyof Runtimes) ? target[key as keyof Runtimes] : undefined),
      }),
    });
    if (problem) {
      await discard(prepared);
      throw new InstallerError(
        'no-compatible-version',
        `${record.name}@${version.version} does not run here: ${problem}.`,
        {
          field: 'compatibility',
        },
      );
    }
  }
  return prepared;
}

export async function discard(prepared: Prepared): Promise<void> {
  if (!prepared.bundle) return;
  await prepared.bundle.opened.close().catch(() => undefined);
  await rm(prepared.bundle.tempDir, { recursive: true, force: true });
}

async function fetchBundle(
  catalog: VerifiedCatalog,
  record: ServerRecord,
  version: RecordVersion,
  launch: Launch,
  environment: Environment,
): Promise<NonNullable<Prepared['bundle']>> {
  const artifact = version.artifacts.find((a) => a.package === launch.packageIndex)!;
  if (!artifact.attestation)
    throw new InstallerError('attestation-missing', `${artifact.url} has no catalog attestation; refused.`, {
      file: artifact.url,
    });
  const url = catalog.source.resolve(artifact.url);
  const tempDir = await mkdtemp(join(tmpdir(), 'mcp-catalog-install-'));
  const file = join(tempDir, 'bundle.mcpb');
  try {
    const maxBytes = Math.min(
      environment.maxDownloadBytes,
      artifact.size !== undefined ? artifact.size : environment.maxDownloadBytes,
    );
    const downloaded = await download(
      url,
      file,
      {
        maxBytes,
        timeoutMs: environment.downloadTimeoutMs,
        ...(artifact.size !== undefined ? { expectedSize: artifact.size } : {}),
      },
      progressBar(`${record.name}@${version.version}`),
    );
    if (downloaded.sha256 !== artifact.sha256)
      throw new InstallerError(
        'artifact-digest-mismatch',
        `${url.href}: sha256 ${downloaded.sha256} differs from ${artifact.sha256} which the signed server file gives; refused.`,
        { file: url.href, field: 'sha256' },
      );
    const attestationUrl = catalog.source.resolve(artifact.attestation);
    const { fetchBytes } = await import('./source.ts');
    const bundleJson = await fetchBytes(attestationUrl, { maxBytes: 1 << 20 });
    let predicate: ArtifactPredicate;
    try {
      const verified = await verifyAttestation(bundleJson, { sha256: downloaded.sha256 }, catalog.policy, {
        predicateType: ARTIFACT_PREDICATE_TYPE,
      });
      predicate = verified.statement.predicate as ArtifactPredicate;
    } catch (error) {
      throw verificationRefusal(error, 'attestation', attestationUrl.href);
    }
    if (predicate.server !== record.name || predicate.version !== version.version)
      throw new InstallerError(
        'attestation-mismatch',
        `${attestationUrl.href} attests ${predicate.server}@${predicate.version}, not ${record.name}@${version.version}; refused.`,
        { file: attestationUrl.href },
      );
    if (artifact.scan && predicate.scanReport.digest.sha256 !== artifact.scan.report.sha256)
      throw new InstallerError('attestation-mismatch', `${attestationUrl.href} binds another scan report; refused.`, {
        file: attestationUrl.href,
      });
    if (predicate.scanReport.verdict === 'reject')
      throw new InstallerError('artifact-rejected', `The catalog's scan rejected ${url.href}; refused.`, {
        file: url.href,
      });
    const opened = await openBundle(file);
    const blocking = opened.findings.filter((f) => f.rule.severity === 'reject');
    if (blocking.length) {
      await opened.close();
      throw new InstallerError(
        'archive-unsafe',
        `${url.href} is unsafe to extract: ${blocking.map((f) => `${f.rule.id} on "${f.file}"`).join(', ')}; refused.`,
        { file: url.href },
      );
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse((await opened.read('manifest.json', 1 << 20)).toString('utf8')) as Manifest;
    } catch (error) {
      await opened.close();
      throw new InstallerError(
        'archive-unsafe',
        `${url.href}: manifest.json cannot be read (${(error as Error).message}); refused.`,
        {
          file: url.href,
        },
      );
    }
    if (!manifest.server?.mcp_config?.command) {
      await opened.close();
      throw new InstallerError(
        'archive-unsafe',
        `${url.href}: manifest.json has no server.mcp_config.command; refused.`,
        { file: url.href },
      );
    }
    return { file, sha256: downloaded.sha256, opened, manifest, tempDir };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Filesystem-safe folder name of a server: `io.github.x/name` → `io.github.x--name`. */
export const serverDir = (name: string) => name.replace(/\//g, '--');

export interface PlannedWrite {
  path: string;
  /** The file's bytes before (undefined: it does not exist). */
  before: string | undefined;
  after: string;
  mode?: number;
  /** Back the old content up first, under this name in `backups/`. */
  backup?: string;
}

export interface Plan {
  server: string;
  version: string;
  /** What will run, exactly, per client. */
  commands: Partial<Record<ClientId, string>>;
  extract?: { bundle: OpenedBundle; target: string };
  writes: PlannedWrite[];
  lock: Lock;
  clients: ClientId[];
  warnings: string[];
}

export interface ClientFile {
  client: ClientId;
  path: string;
  text: string | undefined;
}

/** Reads each client's config (refusing symlinks, checking JSON): nothing is written. */
export async function readClientFiles(clients: ClientId[], environment: Environment): Promise<ClientFile[]> {
  const files: ClientFile[] = [];
  for (const client of clients) {
    const path = configPath(client, environment.platform, environment.env);
    if (!path)
      throw new InstallerError('usage', `Cannot find ${CLIENTS[client].name}'s config: HOME is not set.`, {
        field: 'HOME',
      });
    const exists = await refuseSymlink(path);
    const text = exists ? await readFile(path, 'utf8') : undefined;
    parseConfig(client, path, text);
    files.push({ client, path, text });
  }
  return files;
}

/** What the client entry says is run, as one line for people. */
export function describeEntry(entry: Record<string, unknown>): string {
  if (typeof entry.command === 'string') {
    const args = Array.isArray(entry.args) ? (entry.args as string[]) : [];
    return [entry.command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  }
  return String(entry.url ?? entry.serverUrl ?? '');
}

/**
 * The pure planner: from the prepared install, the values and the current client files, every
 * file the install writes, and the next lock. Throws (writing nothing) on any conflict.
 */
export function planInstall(input: {
  prepared: Prepared;
  values: CollectedValues;
  clientFiles: ClientFile[];
  lock: Lock;
  paths: Paths;
  platform: Platform;
  home: string;
  nodePath: string;
  now: Date;
  indexSerial: number;
  existingSecrets?: string;
}): Plan {
  const { prepared, values, paths } = input;
  const { record, version } = prepared;
  const name = record.name;
  const key = defaultServerKey(name);
  const dir = join(paths.servers, serverDir(name), version.version);
  const previousEntry: LockEntry | undefined = input.lock.servers[name];
  let launch = prepared.launch;
  if (prepared.bundle) {
    const manifest = prepared.bundle.manifest;
    const resolved = resolveMcpConfig(manifest.server!.mcp_config!, {
      dirname: dir,
      home: input.home,
      platform: input.platform,
      userConfig: manifest.user_config ?? {},
      values: values.values,
    });
    launch = withCommand(launch, resolved);
  }
  const secretIds = Object.keys(values.secrets);
  const secretsFile = join(paths.secrets, `${serverDir(name)}.json`);
  const writes: PlannedWrite[] = [];
  const configWrites: PlannedWrite[] = [];
  const commands: Partial<Record<ClientId, string>> = {};
  const clientRecords: Partial<Record<ClientId, ClientRecord>> = {};
  let usesLauncher = false;

  for (const file of input.clientFiles) {
    const client = file.client;
    const support = supports(client, launch);
    if (!support.ok)
      throw new InstallerError('client-unsupported', `${CLIENTS[client].name}: ${support.reason}`, { file: file.path });
    const config = parseConfig(client, file.path, file.text);
    const existing = currentEntry(config, CLIENTS[client].topKey, key);
    const ours = previousEntry?.clients[client];
    if (existing !== undefined && !ours)
      throw new InstallerError(
        'config-entry-exists',
        `${file.path} already has a server called "${key}" that this installer did not write; it was left untouched.`,
        {
          file: file.path,
          field: `${CLIENTS[client].topKey}.${key}`,
          hint: 'Remove or rename that entry, then install again.',
        },
      );
    const flat: Record<string, string> = {};
    for (const [id, list] of Object.entries(values.values)) flat[id] = list.join(',');
    let entryLaunch = launch;
    if (client !== 'vscode' && secretIds.length) {
      if (!launch.command)
        throw new InstallerError(
          'client-secret-unsupported',
          `${CLIENTS[client].name} cannot keep the secret header(s) of this remote server out of its config file; use --client vscode, or add the server in ${CLIENTS[client].name}'s own settings.`,
          { file: file.path },
        );
      for (const id of secretIds) flat[id] = SECRET_TOKEN(id);
      usesLauncher = true;
      entryLaunch = withCommand(launch, {
        command: input.nodePath,
        args: [join(paths.bin, LAUNCHER_FILE), secretsFile, '--', launch.command, ...(launch.args ?? [])],
        ...(launch.env ? { env: launch.env } : {}),
      });
      // Keep the optional-input structure of the original arguments.
      entryLaunch.argGroups = [
        { args: [join(paths.bin, LAUNCHER_FILE), secretsFile, '--', launch.command] },
        ...(launch.argGroups ?? []),
      ];
      entryLaunch.args = entryLaunch.argGroups.flatMap((g) => g.args);
      if (launch.optionalEnv) entryLaunch.optionalEnv = launch.optionalEnv;
    }
    const made = clientEntry(client, entryLaunch, flat);
    const removeInputs = ours?.inputs?.map((i) => i.id) ?? [];
    const after = editConfig(file.text, {
      client,
      file: file.path,
      topKey: made.topKey,
      key,
      entry: made.entry,
      ...(made.inputs ? { inputs: made.inputs } : {}),
      removeInputs,
    });
    configWrites.push({
      path: file.path,
      before: file.text,
      after,
      ...(file.text !== undefined ? { backup: client } : {}),
    });
    commands[client] = describeEntry(made.entry);
    clientRecords[client] = {
      file: file.path,
      key,
      entry: made.entry,
      ...(made.inputs ? { inputs: made.inputs } : {}),
    };
  }
  if (secretIds.length && input.clientFiles.some((f) => f.client !== 'vscode'))
    writes.push({
      path: secretsFile,
      before: input.existingSecrets,
      after: JSON.stringify(values.secrets) + '\n',
      mode: 0o600,
    });
  if (usesLauncher)
    writes.push({ path: join(paths.bin, LAUNCHER_FILE), before: undefined, after: LAUNCHER_SOURCE, mode: 0o755 });

  const installed: Installed = {
    version: version.version,
    kind: launch.kind,
    launch,
    values: values.values,
    clients: { ...(previousEntry?.version === version.version ? previousEntry.clients : {}), ...clientRecords },
    tools: prepared.tools,
    installedAt: input.now.toISOString(),
    indexSerial: input.indexSerial,
  };
  if (prepared.bundle) {
    installed.sha256 = prepared.bundle.sha256;
    installed.dir = dir;
  } else if (launch.packageVersion) installed.pin = launch.packageVersion;
  if (prepared.unreviewed) installed.unreviewed = true;
  if (secretIds.length) {
    installed.secretIds = secretIds;
    installed.secretsFile = secretsFile;
  }
  const previous: Installed[] = [];
  if (previousEntry && previousEntry.version !== version.version) {
    const { previous: _older, ...current } = previousEntry;
    previous.push(current);
  } else if (previousEntry) previous.push(...previousEntry.previous);
  const lock: Lock = {
    lockfileVersion: 1,
    servers: { ...input.lock.servers, [name]: { ...installed, previous: previous.slice(0, 1) } },
  };
  // The lock goes first: killed before the configs, a rerun knows these entries are its own.
  writes.push({ path: paths.lock, before: undefined, after: JSON.stringify(lock, null, 2) + '\n', mode: 0o600 });
  writes.push(...configWrites);
  return {
    server: name,
    version: version.version,
    commands,
    ...(prepared.bundle ? { extract: { bundle: prepared.bundle.opened, target: dir } } : {}),
    writes,
    lock,
    clients: input.clientFiles.map((f) => f.client),
    warnings: prepared.warnings,
  };
}

/** The thin applier: extraction (temp folder, rename), then each file atomically, configs backed up. */
export async function applyPlan(plan: Plan, paths: Paths, now: Date): Promise<void> {
  if (plan.extract) {
    const { target, bundle } = plan.extract;
    await mkdir(join(target, '..'), { recursive: true });
    await refuseSymlink(target, 'install-path-symlink', { directory: true });
    // What a run killed mid-extraction left behind.
    const leftover = new RegExp(`^${basename(target).replace(/[.+]/g, '\\$&')}\\.(staging|old)-[0-9a-f]{8}$`);
    for (const name of await readdir(join(target, '..')))
      if (leftover.test(name)) await rm(join(target, '..', name), { recursive: true, force: true });
    const staging = `${target}.staging-${randomBytes(4).toString('hex')}`;
    await bundle.extractTo(staging);
    if (existsSync(target)) {
      const old = `${target}.old-${randomBytes(4).toString('hex')}`;
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
    await syncDir(join(target, '..'));
  }
  for (const write of plan.writes) {
    if (write.backup && write.before !== undefined) {
      const stamp = now.toISOString().replace(/[:.]/g, '-');
      await atomicWriteFile(join(paths.backups, write.backup, `${stamp}-${basename(write.path)}`), write.before, {
        mode: 0o600,
      });
    }
    if (write.before === write.after && existsSync(write.path)) {
      await removeStaleTemps(write.path);
      continue;
    }
    await atomicWriteFile(write.path, write.after, write.mode !== undefined ? { mode: write.mode } : {});
  }
}

/** Collects the values the prepared install needs (prompting on a TTY). */
export async function valuesFor(
  prepared: Prepared,
  options: InstallOptions,
  environment: Environment,
  keep?: Installed,
  keptSecrets?: Record<string, string>,
) {
  const userConfig = prepared.bundle?.manifest.user_config ?? {};
  const given: Record<string, string[]> = { ...options.given };
  // An update keeps what the user gave for the previous version.
  if (keep) for (const [id, list] of Object.entries(keep.values)) given[id] ??= list;
  if (keptSecrets) for (const [id, value] of Object.entries(keptSecrets)) given[id] ??= [value];
  for (const id of Object.keys(given))
    if (!prepared.launch.inputs.some((i) => i.id === id) && (keep?.values[id] || keptSecrets?.[id])) delete given[id];
  const ask = !options.yes && environment.ask;
  // VS Code asks for secrets itself and keeps them in its secret storage: nothing to collect.
  const onlyVsCode = options.clients.every((c) => c === 'vscode');
  const inputs = prepared.launch.inputs
    .filter((i) => !(onlyVsCode && i.secret && given[i.id] === undefined))
    .map((i) => i);
  return collectValues(inputs, userConfig, {
    home: environment.env.HOME ?? '',
    platform: environment.platform,
    given,
    pathKind: (path) => {
      try {
        const info = statSync(path);
        return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : undefined;
      } catch {
        return undefined;
      }
    },
    ...(ask
      ? {
          ask: async (input, field) => {
            const kind = field?.type ?? input.format ?? 'string';
            const note = [
              kind,
              input.required ? 'required' : 'optional',
              input.default !== undefined ? `default ${input.default}` : '',
            ]
              .filter(Boolean)
              .join(', ');
            return ask(
              `${input.title}${input.description ? ` — ${input.description}` : ''} (${note})${field?.multiple ? ', comma-separated' : ''}: `,
            );
          },
        }
      : {}),
  });
}
