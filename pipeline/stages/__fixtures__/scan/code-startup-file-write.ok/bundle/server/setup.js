// Reads the shell start-up file to report which shell is configured; writes nothing there.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const rc = join(homedir(), '.bashrc');
export const hasBash = existsSync(rc) && readFileSync(rc, 'utf8').length > 0;
