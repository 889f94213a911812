/**
 * The trusted publisher certificates a catalog names in `catalog.config.json` (`trustedPublishers`),
 * as absolute paths. `scan` and `verify-mcpb` add them to `--trust`. A missing config is fine
 * (scanning a bundle outside any catalog); a broken one stops the command rather than silently
 * trusting nobody.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseJson } from '../core/json-source.ts';
import type { CatalogConfig } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { UsageError } from './args.ts';

export function configTrust(root: string): string[] {
  const file = join(root, 'catalog.config.json');
  if (!existsSync(file)) return [];
  const source = parseJson(readFileSync(file, 'utf8'));
  const problems = [...source.findings, ...(source.value === undefined ? [] : validateSchema('config', source.value))];
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new UsageError(
      `${file}${first.path ? ` at ${first.path}` : ''}: ${first.message} (run \`catalog validate\`).`,
    );
  }
  return ((source.value as CatalogConfig).trustedPublishers ?? []).map((path) => resolve(root, path));
}
