import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { OsvAffected, OsvRecord } from '../adapters/osv.ts';
import { loadOsvRecords } from '../test-support/osv-server.ts';
import { evaluate, isAffected, normalizePackageName } from './versions.ts';

const fixtures = await loadOsvRecords(fileURLToPath(new URL('../adapters/__fixtures__/osv/records', import.meta.url)));
const fixture = (id: string) => fixtures.find((r) => r.id === id)!;

function record(affected: OsvAffected[], extra: Partial<OsvRecord> = {}): OsvRecord {
  return { id: 'TEST-1', modified: '2024-01-01T00:00:00Z', affected, ...extra };
}
const npm = (events: object[], type = 'SEMVER', name = 'pkg'): OsvRecord =>
  record([{ package: { ecosystem: 'npm', name }, ranges: [{ type, events }] }]);
const pypi = (events: object[], name = 'pkg'): OsvRecord =>
  record([{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events }] }]);

describe('isAffected on real advisories', () => {
  it('path-to-regexp: one entry per release line, ECOSYSTEM ranges', () => {
    const r = fixture('GHSA-9wv6-86v2-598j');
    const at = (v: string) => isAffected(r, 'npm', 'path-to-regexp', v);
    expect(at('0.1.7')).toBe('affected');
    expect(at('0.1.10')).toBe('not-affected');
    expect(at('1.8.0')).toBe('affected');
    expect(at('1.9.0')).toBe('not-affected');
    expect(at('6.2.2')).toBe('affected');
    expect(at('6.3.0')).toBe('not-affected');
    expect(at('6.9.9')).toBe('not-affected'); // between the 4–6.3 and 7–8 lines
    expect(at('7.2.0')).toBe('affected');
    expect(at('8.0.0')).toBe('not-affected');
    expect(evaluate(r, 'npm', 'path-to-regexp', '6.1.0').fixed).toBe('6.3.0');
    expect(evaluate(r, 'npm', 'path-to-regexp', '0.1.7').fixed).toBe('0.1.10');
  });

  it('express: introduced 0 and a prerelease-only range', () => {
    const r = fixture('GHSA-rv95-896h-c2vc');
    const at = (v: string) => isAffected(r, 'npm', 'express', v);
    expect(at('4.19.1')).toBe('affected');
    expect(at('4.19.2')).toBe('not-affected');
    expect(at('5.0.0-alpha.1')).toBe('affected');
    expect(at('5.0.0-beta.2')).toBe('affected');
    expect(at('5.0.0-beta.3')).toBe('not-affected');
    expect(at('5.0.0')).toBe('not-affected');
    // A package of another name or ecosystem is not concerned.
    expect(isAffected(r, 'npm', 'expresss', '4.0.0')).toBe('not-affected');
    expect(isAffected(r, 'PyPI', 'express', '4.0.0')).toBe('not-affected');
  });

  it('requests: PyPI ECOSYSTEM range under PEP 440', () => {
    const r = fixture('GHSA-j8r2-6x86-q33q');
    const at = (v: string) => isAffected(r, 'PyPI', 'requests', v);
    expect(at('2.2.1')).toBe('not-affected');
    expect(at('2.3.0')).toBe('affected');
    expect(at('2.30.0')).toBe('affected');
    expect(at('2.31.0rc1')).toBe('affected'); // a prerelease of the fix is before the fix
    expect(at('2.31.0')).toBe('not-affected');
    expect(at('2.31')).toBe('not-affected'); // PEP 440: 2.31 == 2.31.0
    expect(evaluate(r, 'PyPI', 'requests', '2.30.0').fixed).toBe('2.31.0');
  });

  it('PYSEC: the GIT range is ignored beside an ECOSYSTEM range', () => {
    const r = fixture('PYSEC-2023-74');
    expect(isAffected(r, 'PyPI', 'requests', '2.28.1')).toBe('affected');
    expect(isAffected(r, 'PyPI', 'requests', '2.31.0')).toBe('not-affected');
    expect(isAffected(r, 'PyPI', 'requests', '2.2.0')).toBe('not-affected');
  });

  it('MAL records: every version, or a listed version only', () => {
    expect(isAffected(fixture('MAL-2022-11'), 'npm', '01template1', '1.0.0')).toBe('affected');
    // introduced 0 with nothing after it needs no ordering: even a non-SemVer version is affected.
    expect(isAffected(fixture('MAL-2022-11'), 'npm', '01template1', 'latest')).toBe('affected');
    expect(isAffected(fixture('MAL-2025-46974'), 'npm', 'debug', '4.4.2')).toBe('affected');
    expect(isAffected(fixture('MAL-2025-46974'), 'npm', 'debug', '4.4.1')).toBe('not-affected');
    expect(isAffected(fixture('MAL-2025-46974'), 'npm', 'debug', '4.4.3')).toBe('not-affected');
  });
});

describe('range events', () => {
  it('treats SEMVER and ECOSYSTEM alike for npm', () => {
    for (const type of ['SEMVER', 'ECOSYSTEM']) {
      const r = npm([{ introduced: '1.0.0' }, { fixed: '1.2.0' }], type);
      expect(isAffected(r, 'npm', 'pkg', '0.9.0')).toBe('not-affected');
      expect(isAffected(r, 'npm', 'pkg', '1.1.5')).toBe('affected');
      expect(isAffected(r, 'npm', 'pkg', '1.2.0')).toBe('not-affected');
    }
  });

  it('last_affected includes its own version', () => {
    const r = npm([{ introduced: '0' }, { last_affected: '2.3.4' }]);
    expect(isAffected(r, 'npm', 'pkg', '2.3.4')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '2.3.5-rc.1')).toBe('not-affected');
    expect(evaluate(r, 'npm', 'pkg', '2.3.4').fixed).toBeUndefined();
  });

  it('limit caps the range; "*" is no cap', () => {
    const r = npm([{ introduced: '1.0.0' }, { limit: '2.0.0' }]);
    expect(isAffected(r, 'npm', 'pkg', '1.5.0')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '2.0.0')).toBe('not-affected');
    expect(isAffected(npm([{ introduced: '1.0.0' }, { limit: '*' }]), 'npm', 'pkg', '99.0.0')).toBe('affected');
  });

  it('evaluates several introduced/fixed pairs in one range, whatever their order in the record', () => {
    const r = npm([{ introduced: '3.0.0' }, { fixed: '3.2.5' }, { introduced: '1.0.0' }, { fixed: '1.0.2' }]);
    expect(isAffected(r, 'npm', 'pkg', '1.0.1')).toBe('affected');
    expect(evaluate(r, 'npm', 'pkg', '1.0.1').fixed).toBe('1.0.2');
    expect(isAffected(r, 'npm', 'pkg', '2.0.0')).toBe('not-affected');
    expect(isAffected(r, 'npm', 'pkg', '3.2.4')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '3.2.5')).toBe('not-affected');
  });

  it('any matching range or entry is enough', () => {
    const r = record([
      { package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '5.0.0' }] }] },
      {
        package: { ecosystem: 'npm', name: 'pkg' },
        ranges: [
          { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.1.0' }] },
          { type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.1.0' }] },
        ],
      },
    ]);
    expect(isAffected(r, 'npm', 'pkg', '2.0.5')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '5.1.0')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '3.0.0')).toBe('not-affected');
  });

  it('matches the explicit versions list, even with no ranges', () => {
    const r = record([{ package: { ecosystem: 'npm', name: 'pkg' }, versions: ['1.0.0', '1.0.1'] }]);
    expect(isAffected(r, 'npm', 'pkg', '1.0.1')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', 'v1.0.1')).toBe('affected');
    expect(isAffected(r, 'npm', 'pkg', '1.0.2')).toBe('not-affected');
  });
});

describe('npm ordering', () => {
  const r = npm([{ introduced: '1.0.0' }, { fixed: '2.0.0' }]);
  const at = (v: string) => isAffected(r, 'npm', 'pkg', v);

  it('puts prereleases before their release', () => {
    expect(at('1.0.0-rc.1')).toBe('not-affected');
    expect(at('2.0.0-rc.1')).toBe('affected');
    expect(at('2.0.0-alpha')).toBe('affected');
    expect(at('2.0.0')).toBe('not-affected');
  });

  it('ignores build metadata and accepts a v prefix', () => {
    expect(at('2.0.0+build.7')).toBe('not-affected');
    expect(at('1.9.9+build.7')).toBe('affected');
    expect(at('v1.5.0')).toBe('affected');
  });

  it('is unknown for a version that is not SemVer, and for a bound that is not', () => {
    expect(at('1.5')).toBe('unknown');
    expect(at('latest')).toBe('unknown');
    expect(evaluate(r, 'npm', 'pkg', '1.5').reason).toMatch(/SemVer/);
    expect(isAffected(npm([{ introduced: '0' }, { fixed: 'next' }]), 'npm', 'pkg', '1.0.0')).toBe('unknown');
  });

  it('is unknown for an event that carries two kinds', () => {
    expect(isAffected(npm([{ introduced: '1.0.0', fixed: '1.0.2' }]), 'npm', 'pkg', '1.0.1')).toBe('unknown');
  });
});

describe('GIT ranges', () => {
  const git = { type: 'GIT', repo: 'https://github.com/o/pkg', events: [{ introduced: '0' }, { fixed: 'abc123' }] };

  it('are unknown when nothing else can place the version', () => {
    const r = record([{ package: { ecosystem: 'npm', name: 'pkg' }, ranges: [git] }]);
    expect(isAffected(r, 'npm', 'pkg', '1.0.0')).toBe('unknown');
  });

  it('leave the versions list to decide a listed version', () => {
    const r = record([{ package: { ecosystem: 'npm', name: 'pkg' }, ranges: [git], versions: ['1.0.0'] }]);
    expect(isAffected(r, 'npm', 'pkg', '1.0.0')).toBe('affected');
  });

  it('are ignored beside a SEMVER range', () => {
    const r = record([
      {
        package: { ecosystem: 'npm', name: 'pkg' },
        ranges: [git, { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }],
      },
    ]);
    expect(isAffected(r, 'npm', 'pkg', '1.0.0')).toBe('not-affected');
    expect(isAffected(r, 'npm', 'pkg', '0.9.0')).toBe('affected');
  });
});

describe('PEP 440 ordering', () => {
  const at = (events: object[], v: string) => isAffected(pypi(events), 'PyPI', 'pkg', v);

  it('orders pre-releases, releases and post-releases', () => {
    const fixedAtRelease = [{ introduced: '0' }, { fixed: '1.0' }];
    expect(at(fixedAtRelease, '1.0rc1')).toBe('affected');
    expect(at(fixedAtRelease, '1.0')).toBe('not-affected');
    expect(at(fixedAtRelease, '1.0.post1')).toBe('not-affected');
    const fixedAtPost = [{ introduced: '0' }, { fixed: '1.0.post1' }];
    expect(at(fixedAtPost, '1.0')).toBe('affected');
    expect(at(fixedAtPost, '1.0.post1')).toBe('not-affected');
  });

  it('puts dev releases before pre-releases and the release', () => {
    const r = [{ introduced: '2.0.0a1' }, { fixed: '3.0' }];
    expect(at(r, '2.0.0.dev1')).toBe('not-affected');
    expect(at(r, '2.0.0a1')).toBe('affected');
    expect(at([{ introduced: '0' }, { fixed: '2.0.0' }], '2.0.0.dev1')).toBe('affected');
  });

  it('sorts any epoch after every version without one', () => {
    expect(at([{ introduced: '0' }, { fixed: '5.0' }], '1!0.1')).toBe('not-affected');
    expect(at([{ introduced: '1!0.0' }], '99.0')).toBe('not-affected');
  });

  it('puts a local version just after its public version', () => {
    expect(at([{ introduced: '0' }, { fixed: '1.0' }], '1.0+ubuntu1')).toBe('not-affected');
    expect(at([{ introduced: '0' }, { last_affected: '1.0' }], '1.0+ubuntu1')).toBe('not-affected');
    expect(at([{ introduced: '0' }, { fixed: '1.0.post1' }], '1.0+ubuntu1')).toBe('affected');
  });

  it('compares normalised forms: 2.0 is 2.0.0, and case does not matter', () => {
    expect(at([{ introduced: '0' }, { fixed: '2.0.0' }], '2.0')).toBe('not-affected');
    expect(at([{ introduced: '0' }, { fixed: '1.0' }], '1.0RC1')).toBe('affected');
  });

  it('is unknown for a version that is not PEP 440', () => {
    expect(at([{ introduced: '0' }, { fixed: '1.0' }], 'not.a.version')).toBe('unknown');
  });
});

describe('package identity', () => {
  it('normalises PyPI names per PEP 503 on both sides', () => {
    expect(normalizePackageName('PyPI', 'Zope.Interface')).toBe('zope-interface');
    expect(normalizePackageName('PyPI', 'typing__extensions')).toBe('typing-extensions');
    const r = pypi([{ introduced: '0' }, { fixed: '2.0' }], 'Typing_Extensions');
    expect(isAffected(r, 'PyPI', 'typing-extensions', '1.0')).toBe('affected');
    expect(isAffected(r, 'PyPI', 'TYPING.extensions', '1.0')).toBe('affected');
    expect(isAffected(r, 'PyPI', 'typingextensions', '1.0')).toBe('not-affected');
  });

  it('compares npm names exactly', () => {
    expect(normalizePackageName('npm', 'JSONStream')).toBe('JSONStream');
    expect(isAffected(npm([{ introduced: '0' }], 'SEMVER', 'JSONStream'), 'npm', 'jsonstream', '1.0.0')).toBe(
      'not-affected',
    );
  });

  it('is unknown when the entry names the package but gives no versions at all', () => {
    expect(isAffected(record([{ package: { ecosystem: 'npm', name: 'pkg' } }]), 'npm', 'pkg', '1.0.0')).toBe('unknown');
  });

  it('ignores withdrawn advisories', () => {
    const r = { ...npm([{ introduced: '0' }]), withdrawn: '2024-02-01T00:00:00Z' };
    expect(isAffected(r, 'npm', 'pkg', '1.0.0')).toBe('not-affected');
  });
});
