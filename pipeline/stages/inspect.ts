/**
 * Stage 4, inspect: read one bundle through the safe reader, check its manifest, and stream every
 * file through the file rule families, one entry at a time so memory stays flat. The reader is
 * the only I/O and is handed in, so the stage runs the same on a file, in a test or in the installer.
 */
import type { McpbManifest } from '../core/mcpb-manifest.ts';
import { ZipReaderError, type OpenedBundle } from '../adapters/zip-reader.ts';
import type { ManifestSummary, ToolPin } from '../core/schema-types.gen.ts';
import { ScanCollector } from '../scan/collector.ts';
import { checkManifest, MANIFEST_FILE, MAX_MANIFEST_BYTES } from '../scan/rules/manifest.ts';
import { checkMcpText } from '../scan/rules/text.ts';
import { newFileRules } from '../scan/ruleset.ts';
import { pinTools } from '../scan/tool-pins.ts';
import { HEAD_BYTES, originOf, ownPackageRoots, scannedFile, TEXT_SCAN_LIMIT } from '../scan/types.ts';

export interface InspectInput {
  bundle: OpenedBundle;
}

export interface Inspection {
  /** Every finding, capability and dependency reported so far. */
  collector: ScanCollector;
  /** The manifest, when it passed its schema. */
  manifest: McpbManifest | undefined;
  summary: ManifestSummary | undefined;
  tools: ToolPin[];
}

/** The entry's bytes, or null when the archive findings already say why it cannot be read. */
async function readSafely(bundle: OpenedBundle, path: string): Promise<Buffer | null> {
  try {
    return await bundle.read(path, MAX_MANIFEST_BYTES);
  } catch (error) {
    if (error instanceof ZipReaderError && error.code !== 'io') return null;
    throw error;
  }
}

export async function inspectBundle({ bundle }: InspectInput): Promise<Inspection> {
  const collector = new ScanCollector();
  const files = bundle.entries.filter((entry) => entry.kind === 'file');
  const manifestEntries = files.filter((entry) => entry.path === MANIFEST_FILE);

  let manifest: McpbManifest | undefined;
  let summary: ManifestSummary | undefined;
  // Two manifest.json entries are an archive finding (readers disagree on which one wins), and
  // so is one that cannot be decompressed safely (encrypted, a bomb, corrupt): the reader has
  // reported why, and there is no right copy to check.
  const entry = manifestEntries[0];
  const bytes = entry && entry.size <= MAX_MANIFEST_BYTES ? await readSafely(bundle, MANIFEST_FILE) : undefined;
  if (manifestEntries.length <= 1 && bytes !== null) {
    ({ manifest, summary } = checkManifest(
      { bytes, entries: new Set(files.map((f) => f.path)), ...(entry && !bytes ? { oversize: entry.size } : {}) },
      collector,
    ));
  }

  // What the manifest runs is the publisher's code, even when it sits in node_modules/.
  const launch = manifest?.server.mcp_config;
  const ownRoots = ownPackageRoots(
    summary?.entryPoint,
    [launch?.command, ...(launch?.args ?? [])],
    summary?.serverType,
  );
  const fileRules = newFileRules();
  await bundle.forEachFile(
    (entry, head, content) => {
      const file = scannedFile({
        path: entry.path,
        size: entry.size,
        origin: originOf(entry.path, summary?.serverType, ownRoots),
        head,
        content,
      });
      for (const rules of fileRules) rules.scanFile(file, collector);
    },
    { contentLimit: TEXT_SCAN_LIMIT, headBytes: HEAD_BYTES },
  );
  for (const rules of fileRules) rules.finish?.(collector);
  // After streaming: reading the entries adds CRC and size findings to the archive's own.
  for (const finding of bundle.findings) collector.finding(finding.rule, finding.file, finding.message);

  if (manifest) checkMcpText(manifest, collector);
  return { collector, manifest, summary, tools: pinTools(manifest?.tools ?? []) };
}
