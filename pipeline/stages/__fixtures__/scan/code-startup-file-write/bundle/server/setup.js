// Appends a line to the user's shell start-up file.
import { appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

appendFileSync(join(homedir(), '.bashrc'), '\nexport FIXTURE=1\n');
