/**
 * `doctor [name]`: for each installed server and each client it was written to, read the entry
 * back from that client's config file, start the server exactly as the entry says (command, args,
 * env; no shell), perform the MCP handshake and `tools/list` with the official MCP TypeScript SDK
 * client, and compare the tools with the pins recorded at install (the catalog's, from the
 * bundle manifest: name and description). A changed description is a rug pull.
 */
import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLIENTS, type ClientId } from '../pipeline/core/client-config.ts';
import type { ToolPin } from '../pipeline/core/schema-types.gen.ts';
import { pinTools } from '../pipeline/scan/tool-pins.ts';
import { currentEntry, parseConfig } from './config-edit.ts';
import { InstallerError } from './errors.ts';
import type { Environment } from './install.ts';
import { readLock } from './state.ts';

export type Health =
  | { status: 'healthy'; tools: string[] }
  | { status: 'failed-to-start'; error: string; stderr: string }
  | {
      status: 'tools-changed';
      tools: string[];
      changed: string[];
      added: string[];
      removed: string[];
      rugPull: boolean;
    }
  | { status: 'skipped'; reason: string };

export interface DoctorRow {
  server: string;
  version: string;
  client: ClientId;
  file: string;
  health: Health;
}

export async function checkEntry(
  entry: Record<string, unknown>,
  pins: readonly ToolPin[],
  options: { timeoutMs: number },
): Promise<Health> {
  if (typeof entry.command !== 'string')
    return { status: 'skipped', reason: 'remote servers are not started by doctor' };
  const args = Array.isArray(entry.args) ? (entry.args as string[]) : [];
  if (
    [entry.command, ...args, ...Object.values((entry.env ?? {}) as Record<string, string>)].some((v) =>
      /\$\{input:/.test(String(v)),
    )
  )
    return { status: 'skipped', reason: 'the entry has values the client asks for at start (VS Code inputs)' };
  const env = { ...getDefaultEnvironment(), ...((entry.env ?? {}) as Record<string, string>) };
  const transport = new StdioClientTransport({ command: entry.command, args, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'mcp-catalog-doctor', version: '1.0.0' });
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      await client.connect(transport);
      const tools: { name: string; description?: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    });
    const tools = await Promise.race([work, timeout]);
    const names = tools.map((t) => t.name).sort();
    if (pins.length === 0) return { status: 'healthy', tools: names };
    // Pins of the same source as the catalog's: the manifest's {name, description}.
    const live = new Map(
      pinTools(tools.map((t) => ({ name: t.name, description: t.description }))).map((p) => [p.name, p.sha256]),
    );
    const pinned = new Map(pins.map((p) => [p.name, p.sha256]));
    const changed = [...pinned].filter(([name, sha]) => live.has(name) && live.get(name) !== sha).map(([name]) => name);
    const removed = [...pinned.keys()].filter((name) => !live.has(name));
    const added = [...live.keys()].filter((name) => !pinned.has(name));
    if (changed.length || added.length || removed.length)
      return { status: 'tools-changed', tools: names, changed, added, removed, rugPull: changed.length > 0 };
    return { status: 'healthy', tools: names };
  } catch (error) {
    return { status: 'failed-to-start', error: (error as Error).message, stderr: stderr.trim() };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
  }
}

export async function doctor(name: string | undefined, environment: Environment, options = { timeoutMs: 30_000 }) {
  const lock = await readLock(environment.paths);
  if (name && !lock.servers[name])
    throw new InstallerError('not-installed', `${name} is not installed.`, { field: 'name' });
  const rows: DoctorRow[] = [];
  for (const [server, entry] of Object.entries(lock.servers)) {
    if (name && server !== name) continue;
    const seen = new Map<string, Health>();
    for (const [client, record] of Object.entries(entry.clients) as [
      ClientId,
      NonNullable<(typeof entry.clients)[ClientId]>,
    ][]) {
      let health: Health;
      try {
        const config = parseConfig(client, record.file, await readFile(record.file, 'utf8'));
        const live = currentEntry(config, CLIENTS[client].topKey, record.key) as Record<string, unknown> | undefined;
        if (!live)
          health = {
            status: 'failed-to-start',
            error: `${record.file} no longer has the entry "${record.key}"`,
            stderr: '',
          };
        else {
          const key = JSON.stringify({ c: live.command, a: live.args, e: live.env });
          health = seen.get(key) ?? (await checkEntry(live, entry.tools, options));
          seen.set(key, health);
        }
      } catch (error) {
        health = { status: 'failed-to-start', error: (error as Error).message, stderr: '' };
      }
      rows.push({ server, version: entry.version, client, file: record.file, health });
    }
  }
  return rows;
}

export function describeHealth(row: DoctorRow): string {
  const where = `${row.server}@${row.version} in ${CLIENTS[row.client].name}`;
  const h = row.health;
  switch (h.status) {
    case 'healthy':
      return `${where}: healthy (${h.tools.length} tools)`;
    case 'skipped':
      return `${where}: skipped, ${h.reason}`;
    case 'failed-to-start':
      return `${where}: FAILED TO START: ${h.error}${h.stderr ? `\n  stderr: ${h.stderr.split('\n').join('\n  stderr: ')}` : ''}`;
    case 'tools-changed':
      return `${where}: TOOLS CHANGED${h.rugPull ? ' — RUG PULL: a tool description changed since it was reviewed' : ''}: changed ${h.changed.join(', ') || 'none'}; added ${h.added.join(', ') || 'none'}; removed ${h.removed.join(', ') || 'none'}`;
  }
}
