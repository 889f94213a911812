/**
 * Turns mapped upstream entries into files to write, judged by the same validator as a pull
 * request: an entry whose files would not pass `catalog validate` is rejected with the
 * validator's codes, never "fixed". Pure: the command reads the existing files and writes.
 */
import { classify, listingPath, serverDir } from '../core/layout.ts';
import { parseJson } from '../core/json-source.ts';
import type { Finding } from '../core/issues.ts';
import type { CatalogFile, LoadedCatalog } from '../stages/load.ts';
import { validateCatalog } from '../stages/validate.ts';
import type { ImportCandidate, ImportRejection } from './types.ts';

const SAFE_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const SAFE_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]*$/;

export interface PlanInput {
  candidates: ImportCandidate[];
  /** What the output root already holds: its inventory and config, and the text of the files the import would write. */
  existing: Pick<LoadedCatalog, 'inventory' | 'config'>;
  existingText: ReadonlyMap<string, string>;
}

export interface PlannedEntry {
  candidate: ImportCandidate;
  /** Files to write, path relative to the root → content. Empty when everything is already there. */
  files: Map<string, string>;
}

export interface ImportPlan {
  write: PlannedEntry[];
  unchanged: ImportCandidate[];
  rejected: ImportRejection[];
  warnings: (Finding & { sourceId: string })[];
}

export function planImport({ candidates, existing, existingText }: PlanInput): ImportPlan {
  const rejected: ImportRejection[] = [];
  const reject = (c: ImportCandidate, f: Pick<Finding, 'code' | 'path' | 'message'>) =>
    rejected.push({ sourceId: c.sourceId, sourceFile: c.sourceFile, code: f.code, path: f.path, message: f.message });

  const entries: PlannedEntry[] = [];
  const claimed = new Map<string, ImportCandidate>();
  for (const candidate of candidates) {
    // The name and version become paths: refuse anything that could leave the catalog folder.
    const { name, version } = candidate.listing;
    if (
      !SAFE_NAME.test(String(name)) ||
      String(name)
        .split('/')
        .some((s) => /^\.+$/.test(s)) ||
      !SAFE_VERSION.test(String(version))
    ) {
      reject(candidate, {
        code: 'unsafe-name',
        path: '/name',
        message: `"${String(name)}" version "${String(version)}" cannot be a catalog path; names are <namespace>/<name> of letters, digits, ".", "_" and "-".`,
      });
      continue;
    }
    const files = filesOf(candidate);
    const [listingFile, listingText] = [...files][0]!;
    const earlier = claimed.get(listingFile.toLowerCase());
    if (earlier) {
      reject(candidate, {
        code: 'duplicate-entry',
        path: '/name',
        message: `Maps to ${listingFile}, like the earlier entry "${earlier.sourceId}"; only the first is imported.`,
      });
      continue;
    }
    claimed.set(listingFile.toLowerCase(), candidate);
    const current = existingText.get(listingFile);
    if (current !== undefined && current !== listingText) {
      reject(candidate, {
        code: 'listing-exists',
        path: '',
        message: `${listingFile} already exists with other content; listings are immutable, so a changed upstream entry needs a new version.`,
      });
      continue;
    }
    entries.push({ candidate, files });
  }

  // Judge all new files together, with what is already there, exactly as `catalog validate` would.
  const inventory = [...existing.inventory];
  const known = new Set(inventory.map((l) => l.path));
  const newFiles: CatalogFile[] = [];
  const owner = new Map<string, PlannedEntry>();
  for (const entry of entries) {
    for (const [path, text] of entry.files) {
      if (owner.has(path)) continue; // a server-level file shared by two versions: the first wins
      owner.set(path, entry);
      const location = classify(path);
      if (!known.has(path)) inventory.push(location);
      newFiles.push(path.endsWith('.json') ? { location, text, json: parseJson(text) } : { location, text });
    }
  }
  const { issues } = validateCatalog({
    catalog: { inventory, files: newFiles, ...(existing.config ? { config: existing.config } : {}) },
  });
  const failed = new Set<PlannedEntry>();
  for (const issue of issues) {
    const entry = owner.get(issue.file);
    if (!entry || issue.severity !== 'error') continue;
    failed.add(entry);
    reject(entry.candidate, issue);
  }

  const write: PlannedEntry[] = [];
  const unchanged: ImportCandidate[] = [];
  for (const entry of entries) {
    if (failed.has(entry)) continue;
    for (const [path, text] of entry.files) if (existingText.get(path) === text) entry.files.delete(path);
    if (entry.files.size === 0) unchanged.push(entry.candidate);
    else write.push(entry);
  }
  const warnings = entries
    .filter((e) => !failed.has(e))
    .flatMap((e) => e.candidate.warnings.map((w) => ({ ...w, sourceId: e.candidate.sourceId })));
  return { write, unchanged, rejected, warnings };
}

/** The files of one entry; the listing comes first. */
export function filesOf(candidate: ImportCandidate): Map<string, string> {
  const { listing } = candidate;
  const dir = serverDir(listing.name);
  const files = new Map<string, string>([[listingPath(listing.name, listing.version), json(listing)]]);
  if (candidate.readme) files.set(`${dir}/README.md`, candidate.readme.trimEnd() + '\n');
  if (candidate.tools) files.set(`${dir}/tools.json`, json(candidate.tools));
  if (candidate.status) files.set(`${dir}/status.json`, json(candidate.status));
  return files;
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
