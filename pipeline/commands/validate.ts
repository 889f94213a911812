/** `catalog validate [--root DIR] [--changed-since REF] [--author LOGIN] [--bundles [--osv-url URL | --offline]] [--json]` */
import { resolve, relative } from 'node:path';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { changesSince } from '../adapters/git.ts';
import { affectedBy } from '../core/changes.ts';
import { hasErrors, sortIssues } from '../core/issues.ts';
import { annotate, formatIssue } from '../core/report.ts';
import { loadCatalog } from '../stages/load.ts';
import { validateCatalog } from '../stages/validate.ts';
import { UsageError, type CommandResult } from './args.ts';

export interface ValidateOptions {
  root?: string;
  changedSince?: string;
  author?: string;
  json?: boolean;
  /** Also fetch, scan and judge the mcpb bundles of the checked listings. */
  bundles?: boolean;
  osvUrl?: string;
  offline?: boolean;
}

export async function validateCommand(options: ValidateOptions): Promise<CommandResult> {
  if (options.author && !options.changedSince) {
    throw new UsageError('--author needs --changed-since: ownership is checked on the files a pull request changes.');
  }
  const root = resolve(options.root ?? '.');
  const changes = options.changedSince ? await changesSince(root, options.changedSince) : undefined;
  const select = changes ? affectedBy(changes) : undefined;
  const catalog = await loadCatalog({ reader: fsCatalogReader(root), ...(select ? { select } : {}) });
  const { issues, checked } = validateCatalog({
    catalog,
    ...(changes ? { changes } : {}),
    ...(options.author ? { author: options.author } : {}),
  });

  if (options.bundles) {
    const { checkBundles } = await import('./validate-bundles.ts');
    issues.push(
      ...(await checkBundles(catalog, {
        root,
        changed: changes ? new Set(changes.files.map((f) => f.path)) : undefined,
        ...(options.osvUrl ? { osvUrl: options.osvUrl } : {}),
        offline: options.offline ?? false,
      })),
    );
    sortIssues(issues);
  }
  if (process.env.GITHUB_ACTIONS === 'true') annotate(issues, relative(process.cwd(), root));
  const errors = issues.filter((i) => i.severity === 'error').length;
  const stdout = options.json
    ? JSON.stringify({ issues, checked })
    : [
        ...issues.map(formatIssue),
        `${checked} file${checked === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${issues.length - errors} warning${issues.length - errors === 1 ? '' : 's'}.`,
      ].join('\n');
  return { stdout, exitCode: hasErrors(issues) ? 1 : 0 };
}
