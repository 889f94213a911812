/**
 * What every emitter shares: the published model in, files out. Emitters are pure; the emit
 * stage writes their files into dist/ in one place.
 */
import type { CatalogIndex, ServerRecord } from '../core/schema-types.gen.ts';

/** One file of dist/, by its `/`-separated path relative to dist/. */
export interface EmittedFile {
  path: string;
  body: string | Uint8Array;
}

export interface EmitModel {
  /** index.json as it will be published (without the file refs that depend on emitted bytes). */
  index: CatalogIndex;
  /** The per-server records, by server name. */
  records: ReadonlyMap<string, ServerRecord>;
  /** `catalog.config.json`'s `baseUrl` (ends with `/`), when the catalog has one; links are relative without it. */
  baseUrl: string | undefined;
}
