/**
 * The index published last time: where `serial` continues from, where `publishedAt` dates stay
 * fixed, and where stats come from when a source is down. Read from a file (the previous dist/)
 * or from the deployed catalog's URL. Missing is normal (a first build); unreadable or invalid
 * is reported and treated as missing: the serial still increases (it is at least the time in
 * seconds), and stats of a failed source are then absent rather than zero.
 */
import { readFile } from 'node:fs/promises';
import type { CatalogIndex } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';

export type PreviousIndex =
  | { kind: 'found'; index: CatalogIndex; from: string }
  | { kind: 'missing'; from: string }
  | { kind: 'unusable'; from: string; problem: string };

export async function readPreviousIndex(from: string, options: { timeoutMs?: number } = {}): Promise<PreviousIndex> {
  let text: string;
  try {
    if (/^https?:\/\//.test(from)) {
      // What the deployed index says feeds the next one (serial, dates, stats): plain http only to this machine.
      const { protocol, hostname } = new URL(from);
      if (protocol !== 'https:' && hostname !== '127.0.0.1' && hostname !== 'localhost')
        return { kind: 'unusable', from, problem: 'only https:// URLs are read' };
      const response = await fetch(from, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      if (response.status === 404) return { kind: 'missing', from };
      if (!response.ok) return { kind: 'unusable', from, problem: `HTTP ${response.status}` };
      text = await response.text();
    } else {
      text = await readFile(from, 'utf8');
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', from };
    return { kind: 'unusable', from, problem: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'unusable', from, problem: `not JSON: ${(error as Error).message}` };
  }
  const findings = validateSchema('index', value);
  if (findings.length > 0) {
    const first = findings[0]!;
    return { kind: 'unusable', from, problem: `${first.path || '/'}: ${first.message} (${findings.length} problems)` };
  }
  return { kind: 'found', index: value as CatalogIndex, from };
}
