/** lib/format.ts: numbers, dates, sizes and ratings as the site shows them. */
import { describe, expect, it } from 'vitest';
import { byteSize, compactNumber, plural, ratingText, shortDate, starString } from '../src/lib/format.ts';

describe('compactNumber', () => {
  it.each([
    [0, '0'],
    [7.4, '7'],
    [999, '999'],
    [1000, '1k'],
    [1234, '1.2k'],
    [9_960, '10k'],
    [12_345, '12k'],
    [999_499, '999k'],
    [1_000_000, '1M'],
    [2_500_000, '2.5M'],
    [45_600_000, '46M'],
    [3_000_000_000, '3B'],
  ])('%d → %s', (value, text) => expect(compactNumber(value)).toBe(text));
});

describe('shortDate', () => {
  it('formats in UTC with a fixed locale', () => {
    expect(shortDate('2026-12-03T06:00:00Z')).toBe('3 Dec 2026');
    // Late in the day UTC stays that day whatever the machine's zone.
    expect(shortDate('2026-01-31T23:59:59Z')).toBe('31 Jan 2026');
    expect(shortDate('2025-06-01')).toBe('1 Jun 2025');
  });

  it('returns what it cannot parse unchanged', () => {
    expect(shortDate('not a date')).toBe('not a date');
  });
});

describe('byteSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [48_213, '47 KB'],
    [4_467_607, '4.3 MB'],
    [5 * 1024 ** 3, '5.0 GB'],
    [3 * 1024 ** 4, '3072 GB'],
  ])('%d → %s', (bytes, text) => expect(byteSize(bytes)).toBe(text));
});

describe('ratingText', () => {
  it('says there are no reviews without any', () => {
    expect(ratingText(undefined, 0)).toBe('No reviews yet');
    expect(ratingText(4, 0)).toBe('No reviews yet');
  });

  it('gives the average to one decimal and the count', () => {
    expect(ratingText(4.25, 1)).toBe('4.3 out of 5 from 1 review');
    expect(ratingText(4, 3)).toBe('4.0 out of 5 from 3 reviews');
  });
});

describe('starString', () => {
  it.each([
    [5, '★★★★★'],
    [4.5, '★★★★½'],
    [4.24, '★★★★☆'],
    [4.26, '★★★★½'],
    [1, '★☆☆☆☆'],
    [0, '☆☆☆☆☆'],
  ])('%d → %s', (average, stars) => expect(starString(average)).toBe(stars));

  it('always shows five positions', () => {
    for (let halves = 0; halves <= 10; halves++) expect([...starString(halves / 2)]).toHaveLength(5);
  });
});

describe('plural', () => {
  it('picks the noun by count and groups thousands', () => {
    expect(plural(1, 'server')).toBe('1 server');
    expect(plural(0, 'server')).toBe('0 servers');
    expect(plural(12_345, 'server')).toBe('12,345 servers');
    expect(plural(2, 'policy', 'policies')).toBe('2 policies');
  });
});
