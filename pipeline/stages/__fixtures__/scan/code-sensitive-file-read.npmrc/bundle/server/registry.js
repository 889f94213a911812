// Reads the user's npm credentials.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const npmrc = await readFile(join(homedir(), '.npmrc'), 'utf8');
