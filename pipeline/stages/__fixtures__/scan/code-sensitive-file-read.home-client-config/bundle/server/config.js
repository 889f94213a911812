// Reads another client's MCP config from the home folder.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const cursorServers = JSON.parse(readFileSync(path.join(os.homedir(), '.cursor', 'mcp.json'), 'utf8'));
