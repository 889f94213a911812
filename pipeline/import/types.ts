/** The contract between a source mapper (official, mcpm, docker) and the import planner. */
import type { Finding } from '../core/issues.ts';
import type { DeclaredCapabilities, Listing, PublisherMeta, ServerStatus } from '../core/schema-types.gen.ts';

export type ImportAttribution = NonNullable<PublisherMeta['importedFrom']>;

/** One upstream entry turned into catalog files, not yet validated. */
export interface ImportCandidate {
  /** The entry's id in its source (file name or `name`), for `--only` and for reports. */
  sourceId: string;
  /** Source file it came from, relative to the import input. */
  sourceFile: string;
  listing: Listing;
  /** Long description, written to README.md beside the listing. */
  readme?: string;
  tools?: DeclaredCapabilities;
  status?: ServerStatus;
  /** Non-fatal notes on the mapping, e.g. a tag that could not be kept. */
  warnings: Finding[];
}

/** An upstream entry that cannot become a listing, with the reason. */
export interface ImportRejection {
  sourceId: string;
  sourceFile: string;
  code: string;
  path: string;
  message: string;
}

export interface MappedSource {
  candidates: ImportCandidate[];
  rejected: ImportRejection[];
}

/** Placeholder version for upstream entries that carry none (mcpm, docker); see importedFrom.versioned. */
export const UNVERSIONED = '0.0.0-unversioned';
