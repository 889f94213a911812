/** `catalog import --from official|mcpm|docker <file-or-dir> --out ROOT [--only ID,...] [--json]` */
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { loadCatalog } from '../stages/load.ts';
import { mapOfficial } from '../import/official.ts';
import { mapMcpm } from '../import/mcpm.ts';
import { mapDocker } from '../import/docker.ts';

import { planImport, filesOf } from '../import/plan.ts';
import type { MappedSource } from '../import/types.ts';
import { UsageError, type CommandResult } from './args.ts';

export interface ImportOptions {
  from: string;
  input: string;
  out: string;
  only?: string[];
  upstreamCommit?: string;
  upstreamPath?: string;
  json?: boolean;
}

const SOURCES = ['official', 'mcpm', 'docker'] as const;
type Source = (typeof SOURCES)[number];

export async function importCommand(options: ImportOptions): Promise<CommandResult> {
  if (!SOURCES.includes(options.from as Source)) throw new UsageError(`--from must be one of ${SOURCES.join(', ')}.`);
  if (options.upstreamCommit && !/^[0-9a-f]{40}$/.test(options.upstreamCommit)) {
    throw new UsageError('--upstream-commit must be a full 40-character commit id.');
  }
  const mapped = await readSource(options.from as Source, resolve(options.input), options);
  const only = options.only ? new Set(options.only) : undefined;
  if (only) {
    const known = new Set([...mapped.candidates, ...mapped.rejected].map((c) => c.sourceId));
    const missing = [...only].filter((id) => !known.has(id));
    if (missing.length) throw new UsageError(`--only names entries that are not in the input: ${missing.join(', ')}.`);
    mapped.candidates = mapped.candidates.filter((c) => only.has(c.sourceId));
    mapped.rejected = mapped.rejected.filter((r) => only.has(r.sourceId));
    mapped.entries = new Set([...mapped.candidates, ...mapped.rejected].map((c) => c.sourceId)).size;
  }

  const root = resolve(options.out);
  const reader = fsCatalogReader(root);
  const existing = await loadCatalog({ reader, select: () => false });
  const existingText = new Map<string, string>();
  for (const candidate of mapped.candidates) {
    for (const path of filesOf(candidate).keys()) {
      const text = await reader.readText(path).catch(() => undefined);
      if (text !== undefined) existingText.set(path, text);
    }
  }
  const plan = planImport({ candidates: mapped.candidates, existing, existingText });
  for (const entry of plan.write) {
    for (const [path, text] of entry.files) await writeAtomically(join(root, path), text);
  }

  const rejected = [...mapped.rejected, ...plan.rejected];
  const rejectedEntries = mapped.entries - plan.write.length - plan.unchanged.length;
  const report = {
    source: options.from,
    entries: mapped.entries,
    imported: plan.write.map((e) => ({
      sourceId: e.candidate.sourceId,
      name: e.candidate.listing.name,
      version: e.candidate.listing.version,
      files: [...e.files.keys()],
    })),
    unchanged: plan.unchanged.map((c) => ({ sourceId: c.sourceId, name: c.listing.name, version: c.listing.version })),
    rejected,
    warnings: plan.warnings,
  };
  const stdout = options.json
    ? JSON.stringify(report)
    : [
        ...rejected.map(
          (r) => `rejected ${r.sourceFile} ${r.sourceId}: ${r.code}${r.path ? ` ${r.path}` : ''}: ${r.message}`,
        ),
        ...plan.warnings.map((w) => `warning ${w.sourceId}: ${w.code}${w.path ? ` ${w.path}` : ''}: ${w.message}`),
        `${report.entries} entries: ${report.imported.length} imported, ${report.unchanged.length} unchanged, ${rejectedEntries} rejected.`,
      ].join('\n');
  return { stdout, exitCode: 0 };
}

/** Maps every entry of the input; `entries` counts them, since one entry may be rejected for several reasons. */
async function readSource(
  source: Source,
  input: string,
  options: ImportOptions,
): Promise<MappedSource & { entries: number }> {
  const isDir = (await stat(input).catch(() => undefined))?.isDirectory();
  if (isDir === undefined) throw new UsageError(`${input} does not exist.`);
  const upstream = options.upstreamCommit ? { commit: options.upstreamCommit } : {};
  const merged: MappedSource & { entries: number } = { candidates: [], rejected: [], entries: 0 };
  const add = (m: MappedSource, entries = 1) => {
    merged.entries += entries;
    merged.candidates.push(...m.candidates);
    merged.rejected.push(...m.rejected);
  };
  if (source === 'docker') {
    // A docker/mcp-registry `servers/` folder, or one server's folder.
    const dirs =
      isDir && (await exists(join(input, 'server.yaml')))
        ? [input]
        : isDir
          ? (await readdir(input)).sort().map((d) => join(input, d))
          : [];
    if (!dirs.length)
      throw new UsageError(`${input}: expected docker/mcp-registry's servers/ folder or one server folder.`);
    for (const dir of dirs) {
      const serverYaml = await readFile(join(dir, 'server.yaml'), 'utf8').catch(() => undefined);
      if (serverYaml === undefined) continue;
      const [toolsJson, readme] = await Promise.all([
        readOptional(join(dir, 'tools.json')),
        readOptional(join(dir, 'readme.md')),
      ]);
      add(
        mapDocker(
          { serverYaml, ...(toolsJson ? { toolsJson } : {}), ...(readme ? { readme } : {}) },
          `${basename(dir)}/server.yaml`,
          upstream,
        ),
      );
    }
    return merged;
  }
  const files = isDir
    ? (await readdir(input))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(input, f))
    : [input];
  for (const file of files) {
    const sourceFile = isDir ? relative(input, file) : basename(file);
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      add({
        candidates: [],
        rejected: [
          {
            sourceId: sourceFile,
            sourceFile,
            code: 'json-syntax',
            path: '',
            message: `Not valid JSON: ${(error as Error).message}`,
          },
        ],
      });
      continue;
    }
    if (source === 'official') {
      const path = options.upstreamPath ? { path: options.upstreamPath } : {};
      add(mapOfficial(document, sourceFile, { ...upstream, ...path }), Array.isArray(document) ? document.length : 1);
    } else add(mapMcpm(document, sourceFile, upstream));
  }
  return merged;
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Write to a temporary file beside the target, then rename: a reader never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, text, { flag: 'wx' });
  await rename(temporary, path);
}
