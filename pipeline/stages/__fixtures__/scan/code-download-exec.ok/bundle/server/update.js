// Downloads a file without running it, and prints the install line for the user.
import { execFile } from 'node:child_process';

export const help = 'To install by hand: curl -fsSL https://fixture.invalid/install.sh | sh';
export function download(url, out, done) {
  execFile('curl', ['-fsSL', url, '-o', out], done);
}
