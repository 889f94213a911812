/**
 * Writes every scanner fixture case's bundle to a folder, to look at with `unzip -l`, `zipinfo -v`
 * or `catalog scan`. Bundles are built on the fly by the tests; these copies are never committed
 * (.cache/ is ignored), and no hostile archive exists in the repository as bytes.
 *
 *   node scripts/generate-scan-fixtures.ts [--out dir] [case ...]
 *
 * Default output: .cache/scan-fixtures/<case>.mcpb. Naming cases builds only those.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';
import { buildFixtureBundle, scanFixtureCases } from '../pipeline/test-support/bundle-fixtures.ts';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: join(REPO_ROOT, '.cache', 'scan-fixtures') } },
  allowPositionals: true,
});
const out = resolve(values.out);
const cases = (await scanFixtureCases()).filter((c) => positionals.length === 0 || positionals.includes(c.name));
const unknown = positionals.filter((name) => !cases.some((c) => c.name === name));
if (unknown.length > 0) {
  console.error(`No such fixture case: ${unknown.join(', ')}`);
  process.exit(2);
}
await mkdir(out, { recursive: true });
for (const { name, dir } of cases) {
  const bytes = await buildFixtureBundle(dir);
  await writeFile(join(out, `${name}.mcpb`), bytes);
  console.log(`${join(out, `${name}.mcpb`)} (${bytes.length} bytes)`);
}
