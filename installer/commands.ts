/**
 * The commands: each returns a result object (printed as text, or as JSON with `--json`) or
 * throws an InstallerError with a stable code. Each decision is appended to the audit log.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CLIENTS, launchOptions, type ClientId } from '../pipeline/core/client-config.ts';
import type { ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import type { VerifiedCatalog } from './catalog.ts';
import { editConfig, parseConfig } from './config-edit.ts';
import { InstallerError } from './errors.ts';
import { atomicWriteFile, refuseSymlink } from './fs-atomic.ts';
import { effectivePolicy } from '../pipeline/core/policy.ts';
import {
  applyPlan,
  discard,
  originOf,
  parseSpec,
  planInstall,
  policyContextOf,
  prepareInstall,
  readClientFiles,
  serverDir,
  valuesFor,
  type Environment,
  type InstallOptions,
} from './install.ts';
import { evaluatePolicy } from './policy.ts';
import { updateKind } from './resolve.ts';
import { audit, readLock, recordSerial, writeLock, type Installed, type Lock } from './state.ts';

export interface Result {
  /** Lines for people. */
  text: string[];
  /** The same for machines (`--json`). */
  json: Record<string, unknown>;
  exitCode?: number;
}

export async function searchCommand(catalog: VerifiedCatalog, words: string[]): Promise<Result> {
  const terms = words.map((w) => w.toLowerCase()).filter(Boolean);
  const hits = catalog.index.servers
    .map((server) => {
      const text = [server.name, server.title ?? '', server.description, ...server.tags].join(' ').toLowerCase();
      const score = terms.reduce(
        (n, t) => n + (text.includes(t) ? (server.name.toLowerCase().includes(t) ? 3 : 1) : 0),
        0,
      );
      return { server, score, all: terms.every((t) => text.includes(t)) };
    })
    .filter((h) => h.all)
    .sort((a, b) => b.score - a.score || a.server.name.localeCompare(b.server.name));
  return {
    text: hits.length
      ? hits.map(({ server }) => `${server.name}${server.latest ? `@${server.latest}` : ''}  ${server.description}`)
      : [`Nothing matches ${words.join(' ')}.`],
    json: {
      results: hits.map(({ server }) => ({
        name: server.name,
        latest: server.latest,
        description: server.description,
        trust: server.trust,
        verdict: server.verdict,
      })),
    },
  };
}

export async function infoCommand(catalog: VerifiedCatalog, spec: string, environment: Environment): Promise<Result> {
  const { name, range } = parseSpec(spec);
  const { server: indexServer, record } = await catalog.record(name);
  const version =
    record.versions.find((v) => v.version === range) ?? record.versions.find((v) => v.status !== 'yanked');
  const launches = version ? launchOptions(record, version.version) : [];
  const ways = launches.map((launch) => {
    const artifact = version?.artifacts.find((a) => a.package === launch.packageIndex);
    const decision = evaluatePolicy(
      environment.policy,
      {
        record,
        version: version!,
        launch,
        unreviewed: version?.version === '0.0.0-unversioned' || !launch.pinned,
        ...originOf(indexServer),
      },
      policyContextOf(environment, catalog),
    );
    return {
      id: launch.id,
      kind: launch.kind,
      label: launch.label,
      pinned: launch.pinned,
      from: launch.bundle ? catalog.source.resolve(launch.bundle.url).href : (launch.url ?? launch.identifier),
      verified: launch.bundle
        ? `sha256 ${launch.bundle.sha256}, catalog attestation ${artifact?.attestation ?? 'missing'}, scan ${artifact?.scan?.verdict ?? 'none'} (${artifact?.scan?.ruleset.name ?? ''} ${artifact?.scan?.ruleset.version ?? ''}), publisher signature ${artifact?.publisherSignature?.status ?? 'unsigned'}`
        : launch.kind === 'remote'
          ? 'hosted by its publisher: nothing is downloaded'
          : launch.pinned
            ? 'pinned by the signed catalog; the package registry serves the bytes'
            : 'not pinned by the catalog: the installer pins the current registry version, which nobody reviewed',
      command: launch.command ? [launch.command, ...(launch.args ?? [])].join(' ') : undefined,
      inputs: launch.inputs.map((i) => ({ id: i.id, required: i.required, secret: i.secret })),
      policy: decision,
    };
  });
  const applied = policyLabel(environment);
  const text = [
    `${record.name}${version ? `@${version.version}` : ''} — ${record.description}`,
    `trust: ${record.trust}; status: ${record.status}${version ? `; version status: ${version.status}` : ''}`,
    `versions: ${record.versions.map((v) => `${v.version}${v.status !== 'active' ? ` (${v.status})` : ''}`).join(', ')}`,
    `policy: ${applied}`,
    ...ways.flatMap((w) => [
      `- ${w.label}${w.command ? `: ${w.command}` : ''}`,
      `  from ${w.from}`,
      `  verified: ${w.verified}`,
      `  policy decides: ${w.policy.kind === 'approval' ? 'needs approval' : w.policy.kind}`,
      ...w.policy.reasons.map((r) => `    - ${r}`),
      ...(w.policy.kind === 'approval' && w.policy.requestUrl ? [`    request approval: ${w.policy.requestUrl}`] : []),
    ]),
  ];
  return {
    text,
    json: {
      name: record.name,
      version: version?.version,
      trust: record.trust,
      status: record.status,
      policy: {
        ...(environment.policyName !== undefined ? { name: environment.policyName } : {}),
        ...(environment.group !== undefined ? { group: environment.group } : {}),
        ...(environment.adminFile ? { adminPolicy: environment.adminFile } : {}),
      },
      ways,
    },
  };
}

export async function installCommand(
  catalog: VerifiedCatalog,
  options: InstallOptions,
  environment: Environment,
  keep?: { installed: Installed; secrets?: Record<string, string>; version: string; action: string },
): Promise<Result> {
  const { paths } = environment;
  const serial = catalog.index.serial;
  const clients = options.clients;
  let prepared;
  try {
    // Every client file is read and checked first: a symlink or broken JSON stops it before the download.
    await readClientFiles(clients, environment);
    prepared = await prepareInstall(catalog, options, environment, keep ? { version: keep.version } : undefined);
  } catch (error) {
    await refusal(environment, keep?.action ?? 'install', parseSpec(options.spec).name, error, serial);
    throw error;
  }
  try {
    for (const warning of prepared.warnings) environment.warn(`warning: ${warning}`);
    const values = await valuesFor(prepared, options, environment, keep?.installed, keep?.secrets);
    const lock = await readLock(paths);
    const clientFiles = await readClientFiles(clients, environment);
    const secretsPath = join(paths.secrets, `${serverDir(prepared.record.name)}.json`);
    const plan = planInstall({
      prepared,
      values,
      clientFiles,
      lock,
      paths,
      platform: environment.platform,
      home: environment.env.HOME ?? '',
      nodePath: environment.nodePath,
      now: environment.now,
      indexSerial: serial,
      ...(existsSync(secretsPath) ? { existingSecrets: await readFile(secretsPath, 'utf8') } : {}),
    });
    for (const [client, command] of Object.entries(plan.commands))
      environment.log(`${CLIENTS[client as ClientId].name} will run: ${command}`);
    await applyPlan(plan, paths, environment.now);
    // An update drops the version before the previous one.
    const entry = plan.lock.servers[plan.server]!;
    const keepDirs = new Set([entry.dir, ...entry.previous.map((p) => p.dir)].filter(Boolean));
    const previousDirs = lock.servers[plan.server]
      ? [lock.servers[plan.server]!.dir, ...lock.servers[plan.server]!.previous.map((p) => p.dir)]
      : [];
    for (const dir of previousDirs) if (dir && !keepDirs.has(dir)) await rm(dir, { recursive: true, force: true });
    await recordSerial(paths, serial);
    await audit(
      paths,
      {
        action: keep?.action ?? 'install',
        server: plan.server,
        version: plan.version,
        decision: 'done',
        reasons: [
          ...prepared.decision.reasons,
          ...(prepared.unreviewed ? ['version not reviewed by the catalog'] : []),
        ],
        indexSerial: serial,
        clients,
        ...policyAudit(environment),
        ...(prepared.decision.kind === 'allow' && prepared.decision.approval
          ? { approval: prepared.decision.approval }
          : {}),
      },
      environment.now,
    );
    const approval = prepared.decision.kind === 'allow' ? prepared.decision.approval : undefined;
    return {
      text: [
        ...(prepared.unreviewed ? [`NOTE: ${plan.server}@${plan.version} was not reviewed by the catalog.`] : []),
        ...(approval
          ? [`Approved by ${approval.by} at ${approval.at} (issue #${approval.issue}) for ${approval.versions}.`]
          : []),
        `Installed ${plan.server}@${plan.version} (${prepared.launch.label}) into ${clients.map((c) => CLIENTS[c].name).join(', ')}.`,
      ],
      json: {
        installed: plan.server,
        version: plan.version,
        kind: prepared.launch.kind,
        clients,
        commands: plan.commands,
        unreviewed: prepared.unreviewed,
        warnings: plan.warnings,
        ...(approval ? { approval } : {}),
      },
    };
  } catch (error) {
    await refusal(environment, keep?.action ?? 'install', prepared.record.name, error, serial);
    throw error;
  } finally {
    await discard(prepared);
  }
}

/** Which policy applies, in words: its name, its group, and the admin policy above it. */
function policyLabel(environment: Environment): string {
  const parts = [
    environment.policy
      ? `${environment.policyName ?? 'unnamed'}${environment.group ? `, group ${environment.group}` : ''}`
      : 'none',
  ];
  if (environment.adminFile) parts.push(`under the admin policy ${environment.adminFile}`);
  return parts.join(' ');
}

/** What every audit line says about the policy that decided. */
function policyAudit(environment: Environment) {
  return {
    ...(environment.policyName !== undefined ? { policy: environment.policyName } : {}),
    ...(environment.group !== undefined ? { group: environment.group } : {}),
    ...(environment.adminFile ? { adminPolicy: environment.adminFile } : {}),
  };
}

async function refusal(environment: Environment, action: string, server: string, error: unknown, serial?: number) {
  if (!(error instanceof InstallerError)) return;
  await audit(
    environment.paths,
    {
      action,
      server,
      decision: error.code === 'approval-required' ? 'needs-approval' : 'refused',
      code: error.code,
      reasons: [error.message],
      ...(serial !== undefined ? { indexSerial: serial } : {}),
      ...policyAudit(environment),
    },
    environment.now,
  ).catch(() => undefined);
}

export async function listCommand(environment: Environment): Promise<Result> {
  const lock = await readLock(environment.paths);
  const rows = Object.entries(lock.servers).map(([name, e]) => ({
    name,
    version: e.version,
    kind: e.kind,
    clients: Object.keys(e.clients),
    previous: e.previous.map((p) => p.version),
    unreviewed: e.unreviewed ?? false,
  }));
  return {
    text: rows.length
      ? rows.map(
          (r) =>
            `${r.name}@${r.version} (${r.kind}) in ${r.clients.join(', ')}${r.previous.length ? `; rollback to ${r.previous[0]}` : ''}`,
        )
      : ['Nothing installed.'],
    json: { servers: rows },
  };
}

/** Removes one server's entries from each client config it was written to (other entries stay). */
async function removeEntries(installed: Installed, environment: Environment, keepClients: ClientId[] = []) {
  for (const [client, record] of Object.entries(installed.clients) as [
    ClientId,
    NonNullable<Installed['clients'][ClientId]>,
  ][]) {
    if (keepClients.includes(client)) continue;
    const exists = await refuseSymlink(record.file);
    if (!exists) continue;
    const text = await readFile(record.file, 'utf8');
    parseConfig(client, record.file, text);
    const after = editConfig(text, {
      client,
      file: record.file,
      topKey: CLIENTS[client].topKey,
      key: record.key,
      entry: undefined,
      removeInputs: record.inputs?.map((i) => i.id) ?? [],
    });
    if (after !== text) await atomicWriteFile(record.file, after);
  }
}

export async function removeCommand(
  catalogSerial: number | undefined,
  name: string,
  environment: Environment,
): Promise<Result> {
  const { paths } = environment;
  const lock = await readLock(paths);
  const entry = lock.servers[name];
  if (!entry) throw new InstallerError('not-installed', `${name} is not installed.`, { field: 'name' });
  // Check every config first: nothing is changed when one of them is a symlink or broken.
  for (const [client, record] of Object.entries(entry.clients) as [ClientId, { file: string }][]) {
    if (await refuseSymlink(record.file)) parseConfig(client, record.file, await readFile(record.file, 'utf8'));
  }
  await removeEntries(entry, environment);
  const next: Lock = { lockfileVersion: 1, servers: { ...lock.servers } };
  delete next.servers[name];
  await writeLock(paths, next);
  for (const installed of [entry, ...entry.previous]) {
    if (installed.dir) await rm(dirname(installed.dir), { recursive: true, force: true });
    if (installed.secretsFile) await rm(installed.secretsFile, { force: true });
  }
  await audit(
    paths,
    {
      action: 'remove',
      server: name,
      version: entry.version,
      decision: 'done',
      ...(catalogSerial ? { indexSerial: catalogSerial } : {}),
    },
    environment.now,
  );
  return { text: [`Removed ${name}@${entry.version}.`], json: { removed: name, version: entry.version } };
}

export async function outdatedCommand(catalog: VerifiedCatalog, environment: Environment): Promise<Result> {
  const lock = await readLock(environment.paths);
  const rows: { name: string; installed: string; latest: string; kind: string }[] = [];
  for (const [name, entry] of Object.entries(lock.servers)) {
    const server = catalog.index.servers.find((s) => s.name === name);
    const latest = server?.versions.find((v) => v.status !== 'yanked')?.version;
    if (!latest) continue;
    const kind = updateKind(entry.version, latest);
    if (kind !== 'none') rows.push({ name, installed: entry.version, latest, kind });
  }
  return {
    text: rows.length
      ? rows.map((r) => `${r.name}: ${r.installed} → ${r.latest} (${r.kind})`)
      : ['Everything is up to date.'],
    json: { outdated: rows },
  };
}

async function secretsOf(installed: Installed): Promise<Record<string, string> | undefined> {
  if (!installed.secretsFile || !existsSync(installed.secretsFile)) return undefined;
  return JSON.parse(await readFile(installed.secretsFile, 'utf8')) as Record<string, string>;
}

export async function updateCommand(
  catalog: VerifiedCatalog,
  name: string | undefined,
  options: { major: boolean; yes: boolean; given: Record<string, string[]> },
  environment: Environment,
): Promise<Result> {
  const lock = await readLock(environment.paths);
  const names = name ? [name] : Object.keys(lock.servers);
  if (name && !lock.servers[name])
    throw new InstallerError('not-installed', `${name} is not installed.`, { field: 'name' });
  const text: string[] = [];
  const updated: Record<string, unknown>[] = [];
  for (const server of names) {
    const entry = lock.servers[server]!;
    const { record } = await catalog.record(server);
    let target = pickUpdate(record, entry.version, options.major);
    // On a terminal, a major update is asked for rather than skipped.
    if (!target.version && target.code === 'major-update-needs-flag' && !options.yes && environment.ask) {
      const major = pickUpdate(record, entry.version, true);
      const answer = await environment.ask(
        `${server}: take the major update ${entry.version} → ${major.version}? [y/N] `,
      );
      if (answer && /^y(es)?$/i.test(answer)) target = major;
    }
    if (!target.version) {
      text.push(target.note ?? `${server}@${entry.version} is up to date.`);
      updated.push({
        name: server,
        version: entry.version,
        updated: false,
        ...(target.note ? { note: target.note, code: target.code } : {}),
      });
      continue;
    }
    const secrets = await secretsOf(entry);
    const result = await installCommand(
      catalog,
      { spec: server, clients: Object.keys(entry.clients) as ClientId[], given: options.given, yes: options.yes },
      environment,
      { installed: entry, ...(secrets ? { secrets } : {}), version: target.version, action: 'update' },
    );
    text.push(`Updated ${server}: ${entry.version} → ${target.version}.`, ...result.text.slice(0, -1));
    updated.push({ name: server, from: entry.version, version: target.version, updated: true });
  }
  return { text, json: { updates: updated } };
}

function pickUpdate(
  record: ServerRecord,
  current: string,
  major: boolean,
): { version?: string; note?: string; code?: string } {
  const candidates = record.versions.filter((v) => v.status !== 'yanked').map((v) => v.version);
  let bestMajor: string | undefined;
  for (const version of candidates) {
    const kind = updateKind(current, version);
    if (kind === 'patch' || kind === 'minor') return { version };
    if (kind === 'major') {
      if (major) return { version };
      bestMajor ??= version;
    }
  }
  if (bestMajor)
    return {
      note: `${record.name}: ${bestMajor} is a major update from ${current}; run update ${record.name} --major to take it.`,
      code: 'major-update-needs-flag',
    };
  return {};
}

export async function rollbackCommand(
  serial: number | undefined,
  name: string,
  environment: Environment,
): Promise<Result> {
  const { paths } = environment;
  const lock = await readLock(paths);
  const entry = lock.servers[name];
  if (!entry) throw new InstallerError('not-installed', `${name} is not installed.`, { field: 'name' });
  const previous = entry.previous[0];
  if (!previous)
    throw new InstallerError('nothing-to-roll-back', `${name}@${entry.version} has no previous version kept.`);
  if (previous.dir && !existsSync(previous.dir))
    throw new InstallerError(
      'nothing-to-roll-back',
      `${previous.dir} is gone; reinstall ${name}@${previous.version} instead.`,
    );
  // Check first, then write each client's previous entry.
  const edits: { client: ClientId; file: string; text: string | undefined; after: string }[] = [];
  for (const [client, record] of Object.entries(previous.clients) as [
    ClientId,
    NonNullable<Installed['clients'][ClientId]>,
  ][]) {
    const exists = await refuseSymlink(record.file);
    const text = exists ? await readFile(record.file, 'utf8') : undefined;
    const after = editConfig(text, {
      client,
      file: record.file,
      topKey: CLIENTS[client].topKey,
      key: record.key,
      entry: record.entry,
      ...(record.inputs ? { inputs: record.inputs } : {}),
      removeInputs: entry.clients[client]?.inputs?.map((i) => i.id) ?? [],
    });
    edits.push({ client, file: record.file, text, after });
  }
  for (const edit of edits) await atomicWriteFile(edit.file, edit.after);
  await removeEntries(entry, environment, Object.keys(previous.clients) as ClientId[]);
  const { previous: _p, ...current } = entry;
  const next: Lock = { lockfileVersion: 1, servers: { ...lock.servers, [name]: { ...previous, previous: [current] } } };
  await writeLock(paths, next);
  await audit(
    paths,
    {
      action: 'rollback',
      server: name,
      version: previous.version,
      decision: 'done',
      reasons: [`from ${entry.version}`],
      ...(serial ? { indexSerial: serial } : {}),
    },
    environment.now,
  );
  return {
    text: [`Rolled ${name} back: ${entry.version} → ${previous.version}.`],
    json: { rolledBack: name, from: entry.version, version: previous.version },
  };
}

export interface OnboardRow {
  server: string;
  outcome: 'installed' | 'already-installed' | 'denied' | 'needs-approval' | 'failed';
  version?: string;
  code?: string;
  reasons?: string[];
  requestUrl?: string;
}

/**
 * `onboard [--group G]`: installs every `autoInstall` server of the policy (and of the group) that
 * the policy allows, and reports the others with why. Each install is a whole `install`, with its
 * own checks, plan and audit line; a refusal of one leaves the others going.
 */
export async function onboardCommand(
  catalog: VerifiedCatalog,
  options: Omit<InstallOptions, 'spec'>,
  environment: Environment,
): Promise<Result> {
  const policy = environment.policy;
  if (!policy) return { text: ['No policy applies, so there is nothing to onboard with.'], json: { servers: [] } };
  if (environment.group !== undefined && !policy.groups?.[environment.group])
    throw new InstallerError(
      'usage',
      `The policy ${environment.policyName ?? ''} has no group "${environment.group}"${
        policy.groups ? `; it has ${Object.keys(policy.groups).join(', ')}` : ''
      }.`,
      { field: '--group' },
    );
  const specs = [...new Set(effectivePolicy(policy, environment.group).autoInstall)];
  const lock = await readLock(environment.paths);
  const rows: OnboardRow[] = [];
  let failure: InstallerError | undefined;
  for (const spec of specs) {
    const { name } = parseSpec(spec);
    if (lock.servers[name]) {
      rows.push({ server: name, outcome: 'already-installed', version: lock.servers[name]!.version });
      continue;
    }
    try {
      const result = await installCommand(catalog, { ...options, spec }, environment);
      rows.push({ server: name, outcome: 'installed', version: String(result.json.version) });
    } catch (error) {
      if (!(error instanceof InstallerError)) throw error;
      const details = error.toJSON();
      const outcome =
        error.code === 'policy-denied' ? 'denied' : error.code === 'approval-required' ? 'needs-approval' : 'failed';
      if (outcome === 'failed') failure ??= error;
      rows.push({
        server: name,
        outcome,
        code: error.code,
        reasons: Array.isArray(details.reasons) ? (details.reasons as string[]) : [error.message],
        ...(typeof details.requestUrl === 'string' ? { requestUrl: details.requestUrl } : {}),
      });
    }
  }
  const words: Record<OnboardRow['outcome'], string> = {
    installed: 'installed',
    'already-installed': 'already installed',
    denied: 'not installed: the policy denies it',
    'needs-approval': 'not installed: it needs an approval',
    failed: 'failed',
  };
  return {
    text: rows.length
      ? rows.flatMap((r) => [
          `${r.server}${r.version ? `@${r.version}` : ''}: ${words[r.outcome]}`,
          ...(r.outcome === 'installed' || r.outcome === 'already-installed'
            ? []
            : (r.reasons ?? []).map((x) => `  - ${x}`)),
          ...(r.requestUrl ? [`  request approval: ${r.requestUrl}`] : []),
        ])
      : [
          `The policy${environment.group ? ` and group ${environment.group}` : ''} name nothing to install on onboarding.`,
        ],
    json: { servers: rows },
    ...(failure ? { exitCode: failure.exitCode } : {}),
  };
}
