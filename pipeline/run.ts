/**
 * `npm run build`: the pipeline, stage by stage (design.md, "Stages").
 * The stages that exist so far are load and validate; the later ones (fetch, inspect, scan,
 * sign, stats, emit, site) join here as they are built. What runs writes into dist/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fsCatalogReader } from './adapters/catalog-fs.ts';
import { hasErrors } from './core/issues.ts';
import { formatIssue, annotate } from './core/report.ts';
import { loadCatalog } from './stages/load.ts';
import { validateCatalog } from './stages/validate.ts';

const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' } } });
const root = resolve(values.root ?? '.');
const out = resolve(values.out ?? join(root, 'dist'));

const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
const { issues, checked } = validateCatalog({ catalog });

await mkdir(out, { recursive: true });
await writeFile(join(out, 'validation-report.json'), JSON.stringify({ issues, checked }, null, 2) + '\n');
if (process.env.GITHUB_ACTIONS === 'true') annotate(issues);
for (const issue of issues) console.error(formatIssue(issue));
const listings = catalog.inventory.filter((l) => l.kind === 'listing').length;
console.log(
  `validated ${checked} files (${listings} listings): ${issues.length} issues; wrote ${join(out, 'validation-report.json')}`,
);
process.exitCode = hasErrors(issues) ? 1 : 0;
