/**
 * The rule set: every rule family, under one name and version. A report names the rule set that
 * produced it, so a verdict can be traced to the rules of the day. Adding, removing or changing a
 * rule bumps the version: ruleset.test.ts fails when the rule table changes and the version did not.
 */
import type { RulesetId } from '../core/schema-types.gen.ts';
import { ARCHIVE_RULES } from './rules/archive.ts';
import { codeFileRules, CODE_RULES } from './rules/code.ts';
import { dependencyInventory, DEPENDENCY_RULES } from './rules/dependencies.ts';
import { installFileRules, INSTALL_RULES } from './rules/install.ts';
import { MANIFEST_RULES } from './rules/manifest.ts';
import { NativeFileRules, NATIVE_RULES } from './rules/native.ts';
import { secretFileRules, SECRET_RULES } from './rules/secrets.ts';
import { SIGNATURE_RULES } from './rules/signature.ts';
import { TEXT_RULES } from './rules/text.ts';
import type { FileRules, RuleDefinition } from './types.ts';

export const RULESET: RulesetId = { name: 'mcp-catalog-core', version: '1.1.0' };

export const RULES: readonly RuleDefinition[] = [
  ARCHIVE_RULES,
  MANIFEST_RULES,
  TEXT_RULES,
  SECRET_RULES,
  CODE_RULES,
  INSTALL_RULES,
  NATIVE_RULES,
  DEPENDENCY_RULES,
  SIGNATURE_RULES,
].flatMap((family) => Object.values<RuleDefinition>(family));

/**
 * The families that look at the bundle's files one by one, while the archive streams; fresh for
 * each scan, since some report on the bundle as a whole once the last file is seen.
 */
export function newFileRules(): readonly FileRules[] {
  return [secretFileRules, codeFileRules, installFileRules, new NativeFileRules(), dependencyInventory];
}
