/**
 * A report names the rule set that produced it, so the same name and version must always mean the
 * same rules. ruleset.lock.json records the fingerprint of each released version's rule table;
 * changing a rule (id, severity, summary) without a new version fails here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { RULES, RULESET } from './ruleset.ts';

const lock = JSON.parse(readFileSync(new URL('./ruleset.lock.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

const fingerprint = createHash('sha256')
  .update(
    JSON.stringify(
      RULES.map(({ id, severity, dependencySeverity, summary }) => [id, severity, dependencySeverity ?? null, summary]),
    ),
  )
  .digest('hex');

describe('rule set', () => {
  it('has unique rule ids, each prefixed by a known family', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^(archive|manifest|text|secret|code|install|native|dependency|signature)-/);
  });

  it('has a semver version whose recorded fingerprint matches the rules (bump the version when rules change)', () => {
    expect(semver.valid(RULESET.version)).toBe(RULESET.version);
    expect(
      lock[RULESET.version],
      `the rule table changed: bump RULESET.version and record "<new version>": "${fingerprint}" in ruleset.lock.json`,
    ).toBe(fingerprint);
  });
});
