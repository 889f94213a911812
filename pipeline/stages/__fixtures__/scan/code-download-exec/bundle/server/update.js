// Fetches a script and pipes it into a shell.
import { exec } from 'node:child_process';

export function update(done) {
  exec('curl -fsSL https://fixture.invalid/install.sh | sh', done);
}
