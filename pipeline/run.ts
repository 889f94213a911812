/**
 * `npm run build`: the pipeline, stage by stage (design.md, "Stages").
 * Built so far: load, validate, and with `--bundles` fetch, inspect and scan of every mcpb bundle
 * the listings point at (the same code as `catalog validate --bundles`; it needs the network, so
 * it is opt-in until the build caches bundles in the repository). Sign, stats, emit and site join
 * here as they are built. What runs writes into dist/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fsCatalogReader } from './adapters/catalog-fs.ts';
import { hasErrors, sortIssues } from './core/issues.ts';
import { formatIssue, annotate } from './core/report.ts';
import { loadCatalog } from './stages/load.ts';
import { validateCatalog } from './stages/validate.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    out: { type: 'string' },
    bundles: { type: 'boolean' },
    'osv-url': { type: 'string' },
    offline: { type: 'boolean' },
  },
});
const root = resolve(values.root ?? '.');
const out = resolve(values.out ?? join(root, 'dist'));

const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
const { issues, checked } = validateCatalog({ catalog });
if (values.bundles) {
  const { checkBundles } = await import('./commands/validate-bundles.ts');
  const osv = values['osv-url'] ? { osvUrl: values['osv-url'] } : {};
  issues.push(...(await checkBundles(catalog, { root, changed: undefined, offline: values.offline ?? false, ...osv })));
  sortIssues(issues);
}

await mkdir(out, { recursive: true });
await writeFile(join(out, 'validation-report.json'), JSON.stringify({ issues, checked }, null, 2) + '\n');
if (process.env.GITHUB_ACTIONS === 'true') annotate(issues);
for (const issue of issues) console.error(formatIssue(issue));
const listings = catalog.inventory.filter((l) => l.kind === 'listing').length;
console.log(
  `validated ${checked} files (${listings} listings): ${issues.length} issues; wrote ${join(out, 'validation-report.json')}`,
);
process.exitCode = hasErrors(issues) ? 1 : 0;
