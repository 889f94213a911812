/**
 * Writes the attacks of pipeline/test-support/real-hostile-bundles.ts, planted in a real server,
 * to `.cache/hostile-bundles/<attack>.<layout>.mcpb`, to look at or to scan by hand:
 *
 *   node scripts/build-hostile-bundles.ts [--base server-brave-search]
 *
 * The base is built first when it is missing (`npm run bundles:build` does the same).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';
import { ATTACKS, plant, readBundleFiles, type Layout } from '../pipeline/test-support/real-hostile-bundles.ts';
import { buildBundle } from './build-bundles.ts';

export const HOSTILE_BASE = 'server-brave-search';
const OUT = join(REPO_ROOT, '.cache/hostile-bundles');

if (import.meta.main) {
  const at = process.argv.indexOf('--base');
  const base = at > 0 ? process.argv[at + 1]! : HOSTILE_BASE;
  const files = await readBundleFiles((await buildBundle(base)).path);
  mkdirSync(OUT, { recursive: true });
  for (const [name, attack] of Object.entries(ATTACKS)) {
    for (const layout of ['own', 'node_modules'] satisfies Layout[]) {
      const out = join(OUT, `${name}.${layout}.mcpb`);
      writeFileSync(out, await plant(files, attack, layout));
      console.log(`${relative(REPO_ROOT, out)}  (expects ${attack.rule})`);
    }
  }
}
