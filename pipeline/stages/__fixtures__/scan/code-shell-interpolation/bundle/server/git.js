// Builds a shell command from a tool argument.
import { exec } from 'node:child_process';

export function clone(url, done) {
  exec(`git clone ${url}`, done);
}
