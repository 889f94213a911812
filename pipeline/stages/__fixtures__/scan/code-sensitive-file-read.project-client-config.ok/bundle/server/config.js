// Reads the project's own VS Code MCP config (as Playwright's MCP server does): a file of the
// workspace the user opened, not another app's settings in the home folder.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function workspaceServers(root = process.cwd()) {
  const file = path.join(root, '.vscode', 'mcp.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).servers : {};
}

export function projectEnv(root = process.cwd()) {
  const file = path.resolve(root, '.env');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
