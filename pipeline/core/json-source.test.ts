import { describe, expect, it } from 'vitest';
import { parseJson } from './json-source.ts';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJson nesting', () => {
  it('accepts 64 levels and reports the 65th with a pointer', () => {
    expect(parseJson(nested(64)).findings).toEqual([]);
    const deep = parseJson(nested(66)).findings;
    expect(deep.map((f) => f.code)).toEqual(['json-too-deep']);
    expect(deep[0]!.path).not.toBe('');
  });

  it('refuses absurd nesting before parsing instead of overflowing the stack', () => {
    const source = parseJson(nested(100_000));
    expect(source.value).toBeUndefined();
    expect(source.findings.map((f) => f.code)).toEqual(['json-too-deep']);
  });

  it('does not count brackets inside strings', () => {
    expect(parseJson(JSON.stringify({ text: '['.repeat(10_000) })).findings).toEqual([]);
  });
});
