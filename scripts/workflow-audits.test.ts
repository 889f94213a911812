import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintWorkflows } from './lint-workflows.ts';
import { auditWorkflow } from './workflow-audits.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__/workflow-audits');
const cases = readdirSync(FIXTURES);

describe('workflow audits', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThanOrEqual(5));

  for (const name of cases) {
    it(name, () => {
      const text = readFileSync(join(FIXTURES, name, 'workflow.yml'), 'utf8');
      const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as unknown[];
      const found = auditWorkflow('workflow.yml', text).map(({ code, line }) => ({ code, line }));
      expect(found).toEqual(expected);
    });
  }
});

describe('lint-workflows', () => {
  it('runs actionlint beside the audits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    writeFileSync(join(dir, 'clean.yml'), readFileSync(join(FIXTURES, 'clean/workflow.yml')));
    // A typo in a context name is actionlint's to find; the audits do not look at expressions.
    writeFileSync(
      join(dir, 'typo.yml'),
      readFileSync(join(FIXTURES, 'clean/workflow.yml'), 'utf8').replace('github.ref', 'gitub.ref'),
    );
    const findings = await lintWorkflows(dir);
    expect(findings.map((f) => [f.file.split('/').pop(), f.code, f.line])).toEqual([
      ['typo.yml', 'actionlint/expression', 6],
    ]);
  });
});
