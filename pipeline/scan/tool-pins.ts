/**
 * Tool pins: a SHA-256 per tool over its canonical JSON, so that a tool whose description or
 * schema changes between two versions of a server is noticed (the rug pull: a tool that was
 * reviewed benign turns malicious in an update that nobody reads).
 *
 * Canonical JSON follows RFC 8785 (JCS): object keys sorted by UTF-16 code units, no whitespace,
 * strings and numbers serialised as ECMAScript's JSON.stringify does (which is what JCS
 * specifies). Values come from parsed JSON, so there is no `undefined`, NaN or lone surrogate
 * to worry about. The pinned object is `{name, description, inputSchema, annotations}`; a field
 * the tool does not have is left out rather than written as null, so adding an empty
 * description is a change. Text is hashed exactly as written (no NFC): an invisible edit is an
 * edit.
 *
 * MCPB manifests declare tools as `{name, description}` only; their pins cover just those two
 * fields, and a schema change is caught once pins come from a live `tools/list` instead. Pins of
 * the two sources are not comparable with each other, only with pins of the same source.
 */
import { createHash } from 'node:crypto';
import type { ToolPin } from '../core/schema-types.gen.ts';
import { MANIFEST_FILE, TEXT_RULES } from './rules/text.ts';
import type { ScanSink } from './types.ts';

export type { ToolPin };

/** A tool as the manifest or MCP's `tools/list` describes it; other fields are not pinned. */
export interface PinnableTool {
  name: string;
  description?: string | undefined;
  inputSchema?: unknown;
  annotations?: unknown;
}

/** RFC 8785 canonical JSON of a JSON value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    // `<` on strings compares UTF-16 code units, as JCS requires.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonical JSON has no NaN or Infinity');
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error(`canonical JSON cannot encode ${typeof value}`);
  return text;
}

/** The pin of each tool, sorted by name (then hash, should a manifest declare a name twice). */
export function pinTools(tools: readonly PinnableTool[]): ToolPin[] {
  return tools
    .map(({ name, description, inputSchema, annotations }) => ({
      name,
      sha256: createHash('sha256')
        .update(canonicalJson({ name, description, inputSchema, annotations }), 'utf8')
        .digest('hex'),
    }))
    .sort((a, b) => compare(a.name, b.name) || compare(a.sha256, b.sha256));
}

/**
 * Compare the pins of the previous version with the current ones: a changed tool goes to
 * review, added and removed tools are reported for information.
 */
export function compareToolPins(previous: readonly ToolPin[], current: readonly ToolPin[], sink: ScanSink): void {
  const before = byName(previous);
  const after = byName(current);
  for (const [name, hashes] of after) {
    const old = before.get(name);
    if (old === undefined) {
      sink.finding(TEXT_RULES['text-tool-added'], MANIFEST_FILE, `New tool ${JSON.stringify(name)}.`);
    } else if (old !== hashes) {
      sink.finding(
        TEXT_RULES['text-tool-changed'],
        MANIFEST_FILE,
        `The tool ${JSON.stringify(name)} changed since the previous version; compare its description and schema before approving.`,
      );
    }
  }
  for (const name of before.keys()) {
    if (!after.has(name)) {
      sink.finding(TEXT_RULES['text-tool-removed'], MANIFEST_FILE, `The tool ${JSON.stringify(name)} was removed.`);
    }
  }
}

/** Name → its hashes joined in order, so a duplicated name compares as a whole. */
function byName(pins: readonly ToolPin[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const pin of [...pins].sort((a, b) => compare(a.sha256, b.sha256))) {
    out.set(pin.name, out.has(pin.name) ? `${out.get(pin.name)},${pin.sha256}` : pin.sha256);
  }
  return new Map([...out].sort(([a], [b]) => compare(a, b)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
