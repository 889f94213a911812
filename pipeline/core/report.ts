/** Printing issues: one readable line each, and GitHub annotations when running in Actions. */
import * as core from '@actions/core';
import type { Issue } from './issues.ts';

export function formatIssue(issue: Issue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  return `${where} ${issue.severity} ${issue.code}${issue.path ? ` ${issue.path}` : ''}: ${issue.message}`;
}

/** Annotations show each issue on the pull request's diff, at its line. */
export function annotate(issues: readonly Issue[], root = ''): void {
  for (const issue of issues) {
    const properties = {
      title: issue.code,
      file: root ? `${root.replace(/\/$/, '')}/${issue.file}` : issue.file,
      ...(issue.line ? { startLine: issue.line, startColumn: issue.column } : {}),
    };
    const text = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
    if (issue.severity === 'error') core.error(text, properties);
    else core.warning(text, properties);
  }
}
