/**
 * What the installer keeps under MCP_CATALOG_HOME (default ~/.mcp-catalog):
 * - `state.json`: the highest index serial seen (rollback protection);
 * - `mcp-catalog.lock.json`: each installed server, its version, sha256, client entries and tool
 *   pins, and the versions kept for rollback;
 * - `audit.log`: append-only JSON lines, one per decision;
 * - `servers/<name>/<version>/`: extracted bundles; `secrets/`: 0600 files; `backups/`: client
 *   config files as they were before each write.
 */
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ClientId, Launch, VsCodeInput } from '../pipeline/core/client-config.ts';
import type { ToolPin } from '../pipeline/core/schema-types.gen.ts';
import { InstallerError } from './errors.ts';
import { appendLine, atomicWriteFile, refuseSymlink } from './fs-atomic.ts';

export interface Paths {
  home: string;
  state: string;
  lock: string;
  audit: string;
  servers: string;
  secrets: string;
  backups: string;
  bin: string;
}

export function pathsFor(env: NodeJS.ProcessEnv): Paths {
  const home = env.MCP_CATALOG_HOME || join(env.HOME || env.USERPROFILE || homedir(), '.mcp-catalog');
  return {
    home,
    state: join(home, 'state.json'),
    lock: join(home, 'mcp-catalog.lock.json'),
    audit: join(home, 'audit.log'),
    servers: join(home, 'servers'),
    secrets: join(home, 'secrets'),
    backups: join(home, 'backups'),
    bin: join(home, 'bin'),
  };
}

export interface ClientRecord {
  file: string;
  key: string;
  entry: Record<string, unknown>;
  /** VS Code inputs this install added. */
  inputs?: VsCodeInput[];
}

export interface Installed {
  version: string;
  kind: Launch['kind'];
  /** sha256 of the bundle (mcpb). */
  sha256?: string;
  /** The exact package pinned (npm/PyPI version, OCI digest), when not a bundle. */
  pin?: string;
  /** Resolved from the package registry: not reviewed by the catalog. */
  unreviewed?: boolean;
  launch: Launch;
  /** Values the user gave (not the secret ones). */
  values: Record<string, string[]>;
  /** Ids of secret values, kept in `secretsFile`. */
  secretIds?: string[];
  secretsFile?: string;
  clients: Partial<Record<ClientId, ClientRecord>>;
  tools: ToolPin[];
  dir?: string;
  installedAt: string;
  indexSerial: number;
}

export interface LockEntry extends Installed {
  /** Earlier versions, newest first, kept for rollback. */
  previous: Installed[];
}

export interface Lock {
  lockfileVersion: 1;
  servers: Record<string, LockEntry>;
}

async function readJsonFile<T>(path: string, fallback: T): Promise<T> {
  await refuseSymlink(path, 'state-symlink');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new InstallerError('state-invalid', `${path} is not valid JSON; fix or remove it.`, { file: path });
  }
}

export const readLock = (paths: Paths) => readJsonFile<Lock>(paths.lock, { lockfileVersion: 1, servers: {} });
export const writeLock = (paths: Paths, lock: Lock) =>
  atomicWriteFile(paths.lock, JSON.stringify(lock, null, 2) + '\n', { mode: 0o600 });

export async function highestSerial(paths: Paths): Promise<number | undefined> {
  return (await readJsonFile<{ highestSerial?: number }>(paths.state, {})).highestSerial;
}

export async function recordSerial(paths: Paths, serial: number): Promise<void> {
  const seen = await highestSerial(paths);
  if (seen !== undefined && seen >= serial) return;
  await atomicWriteFile(paths.state, JSON.stringify({ highestSerial: serial }, null, 2) + '\n', { mode: 0o600 });
}

export interface AuditEvent {
  action: string;
  server?: string;
  version?: string;
  decision: 'done' | 'refused' | 'needs-approval';
  code?: string;
  reasons?: string[];
  indexSerial?: number;
  clients?: string[];
  /** The policy applied (its name), its group, and the admin policy file, when there are any. */
  policy?: string;
  group?: string;
  adminPolicy?: string;
  /** For an install that needed an approval: the `approved` entry that allowed it (who, when, which issue). */
  approval?: { server: string; versions: string; by: string; at: string; issue: number; group?: string };
}

export async function audit(paths: Paths, event: AuditEvent, now = new Date()): Promise<void> {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // No passwd entry (some containers).
  }
  await appendLine(paths.audit, JSON.stringify({ at: now.toISOString(), who, ...event }));
}
