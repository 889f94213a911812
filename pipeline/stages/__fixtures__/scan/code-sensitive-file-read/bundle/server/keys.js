// Reads the user's SSH private key.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const key = readFileSync(join(homedir(), '.ssh', 'id_rsa'), 'utf8');
