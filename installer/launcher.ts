/**
 * The launcher that lets a client config reference a secret without holding it. A client that
 * has no secret store of its own (all but VS Code) gets an entry that runs
 * `node <home>/bin/mcp-catalog-launch.mjs <secrets file> -- <command> <args…>`; the launcher reads
 * the 0600 secrets file, puts each value where the entry has its token (argv elements and env
 * values), and starts the server directly, with no shell, passing stdio through.
 */
export const LAUNCHER_FILE = 'mcp-catalog-launch.mjs';

/** The token that stands for a secret in a client config; no `$`, so no client expands it. */
export const SECRET_TOKEN = (id: string) => `{{mcp-catalog-secret:${id}}}`;

export const LAUNCHER_SOURCE = `#!/usr/bin/env node
// Written by the MCP Catalog installer. Fills in secrets from a 0600 file and runs the server
// without a shell. See installer/launcher.ts in the catalog's repository.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
const [file, separator, command, ...args] = process.argv.slice(2);
if (!file || separator !== '--' || !command) {
  console.error('usage: mcp-catalog-launch.mjs <secrets.json> -- <command> [args...]');
  process.exit(64);
}
if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
  console.error(file + ' is readable by others; refusing to use it. Run: chmod 600 ' + file);
  process.exit(77);
}
const secrets = JSON.parse(readFileSync(file, 'utf8'));
const fill = (text) => text.replace(/\\{\\{mcp-catalog-secret:([^}]+)\\}\\}/g, (whole, id) => (id in secrets ? secrets[id] : whole));
const env = { ...process.env };
for (const [name, value] of Object.entries(env)) if (typeof value === 'string' && value.includes('{{mcp-catalog-secret:')) env[name] = fill(value);
const child = spawn(command, args.map(fill), { stdio: 'inherit', env, shell: false });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error('cannot start ' + command + ': ' + error.message);
  process.exit(127);
});
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
`;
