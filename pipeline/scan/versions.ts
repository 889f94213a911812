/**
 * Does an OSV record affect one package version? The evaluation follows the OSV schema's
 * pseudocode (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it is
 * listed in `versions` or lies in any `SEMVER` / `ECOSYSTEM` range. npm versions are ordered by
 * SemVer 2.0 (GHSA publishes npm ranges as `ECOSYSTEM`, which for npm is the same order), PyPI
 * versions by PEP 440. Whatever cannot be ordered is `unknown`, which the scan sends to review.
 */
import semver from 'semver';
import * as pep440 from '@renovatebot/pep440';
import type { OsvAffected, OsvEcosystem, OsvEvent, OsvRange, OsvRecord } from '../adapters/osv.ts';

export type AffectedStatus = 'affected' | 'not-affected' | 'unknown';

export interface Evaluation {
  status: AffectedStatus;
  /** For `affected`: the first `fixed` version above the installed one, in the range that matched. */
  fixed?: string;
  /** For `unknown`: why the version could not be placed. */
  reason?: string;
}

export function isAffected(record: OsvRecord, ecosystem: OsvEcosystem, name: string, version: string): AffectedStatus {
  return evaluate(record, ecosystem, name, version).status;
}

/**
 * The package name as OSV compares it: PyPI names are normalised per PEP 503 (the OSV schema
 * requires normalised names for PyPI); npm names are compared as they are.
 */
export function normalizePackageName(ecosystem: OsvEcosystem, name: string): string {
  return ecosystem === 'PyPI' ? name.replace(/[-_.]+/g, '-').toLowerCase() : name;
}

export function evaluate(record: OsvRecord, ecosystem: OsvEcosystem, name: string, version: string): Evaluation {
  // A withdrawn advisory has been retracted by its publisher and affects nothing.
  if (record.withdrawn) return { status: 'not-affected' };
  const wanted = normalizePackageName(ecosystem, name);
  const entries = (record.affected ?? []).filter(
    (a) => a.package?.ecosystem === ecosystem && normalizePackageName(ecosystem, a.package.name) === wanted,
  );
  const order = ORDERS[ecosystem];
  const installed = order.parse(version);
  let unknown: Evaluation | undefined;
  for (const entry of entries) {
    const result = evaluateEntry(entry, version, installed, order);
    if (result.status === 'affected') return result;
    if (result.status === 'unknown') unknown ??= result;
  }
  return unknown ?? { status: 'not-affected' };
}

function evaluateEntry(entry: OsvAffected, raw: string, installed: Parsed | undefined, order: Ordering): Evaluation {
  if (entry.versions?.some((listed) => listed === raw || sameVersion(listed, installed, order))) {
    return { status: 'affected' };
  }
  const ranges = entry.ranges ?? [];
  const orderable = ranges.filter((r) => r.type === 'SEMVER' || r.type === 'ECOSYSTEM');
  if (orderable.length === 0) {
    // GIT ranges need the repository's commit graph, not a package version. Without an orderable
    // range, only an entry that lists its versions (and no range at all) answers the question.
    if (ranges.length > 0) {
      return { status: 'unknown', reason: `only ${[...new Set(ranges.map((r) => r.type))].join('/')} ranges` };
    }
    if (entry.versions === undefined) return { status: 'unknown', reason: 'the entry lists no versions or ranges' };
    return { status: 'not-affected' };
  }
  let unknown: Evaluation | undefined;
  for (const range of orderable) {
    const result = evaluateRange(range, raw, installed, order);
    if (result.status === 'affected') return result;
    if (result.status === 'unknown') unknown ??= result;
  }
  return unknown ?? { status: 'not-affected' };
}

const KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
type Kind = (typeof KINDS)[number];

/** A range bound: `introduced: "0"` sorts before every version, `limit: "*"` after every one. */
interface Bound {
  kind: Kind;
  raw: string;
  at: Parsed | 'min' | 'max';
}

function evaluateRange(range: OsvRange, raw: string, installed: Parsed | undefined, order: Ordering): Evaluation {
  const bounds: Bound[] = [];
  for (const event of range.events) {
    const kinds = KINDS.filter((k) => event[k] !== undefined);
    if (kinds.length !== 1) return { status: 'unknown', reason: `an event with ${kinds.length} kinds` };
    const kind = kinds[0]!;
    const value = (event as Required<OsvEvent>)[kind];
    if (kind === 'introduced' && value === '0') bounds.push({ kind, raw: value, at: 'min' });
    else if (kind === 'limit' && value === '*') bounds.push({ kind, raw: value, at: 'max' });
    else {
      const at = order.parse(value);
      if (at === undefined) return { status: 'unknown', reason: `range bound ${value} is not a ${order.name} version` };
      bounds.push({ kind, raw: value, at });
    }
  }
  // "Every version is affected" needs no ordering, so it holds for versions we cannot parse too.
  if (bounds.length > 0 && bounds.every((b) => b.kind === 'introduced') && bounds.some((b) => b.at === 'min')) {
    return { status: 'affected' };
  }
  if (installed === undefined) return { status: 'unknown', reason: `${raw} is not a ${order.name} version` };
  const cmp = (bound: Bound) => (bound.at === 'min' ? 1 : bound.at === 'max' ? -1 : order.compare(installed, bound.at));

  const limits = bounds.filter((b) => b.kind === 'limit');
  if (limits.length > 0 && !limits.some((b) => cmp(b) < 0)) return { status: 'not-affected' };

  // Array.prototype.sort is stable, so events at the same version keep the record's order.
  const sorted = [...bounds].sort((a, b) => compareBounds(a, b, order));
  let vulnerable = false;
  for (const bound of sorted) {
    if (bound.kind === 'introduced' && cmp(bound) >= 0) vulnerable = true;
    else if (bound.kind === 'fixed' && cmp(bound) >= 0) vulnerable = false;
    else if (bound.kind === 'last_affected' && cmp(bound) > 0) vulnerable = false;
  }
  if (!vulnerable) return { status: 'not-affected' };
  const fixed = sorted.find((b) => b.kind === 'fixed' && cmp(b) < 0);
  return fixed ? { status: 'affected', fixed: fixed.raw } : { status: 'affected' };
}

function compareBounds(a: Bound, b: Bound, order: Ordering): number {
  if (a.at === b.at) return 0;
  if (a.at === 'min' || b.at === 'max') return -1;
  if (a.at === 'max' || b.at === 'min') return 1;
  return order.compare(a.at, b.at);
}

function sameVersion(listed: string, installed: Parsed | undefined, order: Ordering): boolean {
  if (installed === undefined) return false;
  const parsed = order.parse(listed);
  return parsed !== undefined && order.compare(installed, parsed) === 0;
}

/** A parsed version; opaque outside its ordering. */
type Parsed = { readonly version: unknown };

interface Ordering {
  name: string;
  parse(version: string): Parsed | undefined;
  compare(a: Parsed, b: Parsed): number;
}

const ORDERS: Record<OsvEcosystem, Ordering> = {
  npm: {
    name: 'SemVer',
    // Strict SemVer 2.0: a leading `v` is accepted, build metadata is ignored in comparisons,
    // prereleases sort before their release. Loose forms (`1.2`, `=1.2.3`) are not versions npm publishes.
    parse: (version) => semver.parse(version) ?? undefined,
    compare: (a, b) => semver.compare(a as semver.SemVer, b as semver.SemVer),
  },
  PyPI: {
    name: 'PEP 440',
    // Keep the string: @renovatebot/pep440 compares strings, and rejects what it cannot parse.
    parse: (version) => (pep440.valid(version) === null ? undefined : { version }),
    compare: (a, b) => pep440.compare(a.version as string, b.version as string),
  },
};
