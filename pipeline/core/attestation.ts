/**
 * In-toto v1 statements the catalog signs (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
 *
 * One statement per artifact binds its sha256 to the listing (server name and version) and to the
 * scan report that judged it; one more binds `index.json` to its serial and expiry, so a signed
 * index cannot be replayed past `expires` or behind a newer serial. Pure: the signer serialises
 * the statement into a DSSE envelope (payload type below), the verifier parses it back.
 */
import type { RulesetId, Verdict } from './schema-types.gen.ts';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** DSSE payload type of an in-toto statement (in-toto attestation spec, "Envelope"). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const ARTIFACT_PREDICATE_TYPE = 'https://mcp-catalog.dev/attestation/artifact/v1';
export const INDEX_PREDICATE_TYPE = 'https://mcp-catalog.dev/attestation/index/v1';
/** Subject name of the index statement. */
export const INDEX_SUBJECT_NAME = 'index.json';

/** An in-toto ResourceDescriptor reduced to what the catalog uses: a name and a sha256. */
export interface StatementSubject {
  name: string;
  digest: { sha256: string };
}

export interface Statement<P = unknown> {
  _type: typeof IN_TOTO_STATEMENT_V1;
  subject: StatementSubject[];
  predicateType: string;
  predicate: P;
}

export interface ArtifactPredicate {
  /** Catalog name or URL (`catalog.config.json`), so a statement from one catalog does not pass in a fork. */
  catalog: string;
  /** Listing name, e.g. `io.github.owner/server`. */
  server: string;
  version: string;
  /** The scan report that judged these bytes, by digest: the report itself is published beside the artifact. */
  scanReport: { digest: { sha256: string }; verdict: Verdict; ruleset: RulesetId };
}

export interface IndexPredicate {
  catalog: string;
  /** Always increasing; the installer refuses an index older than the newest it has seen. */
  serial: number;
  /** RFC 3339 date-time after which the installer refuses the index. */
  expires: string;
}

export type ArtifactStatement = Statement<ArtifactPredicate>;
export type IndexStatement = Statement<IndexPredicate>;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

export function artifactStatement(input: {
  /** Subject name, e.g. `io.github.x/y@1.2.0/bundle.mcpb`. */
  name: string;
  sha256: string;
  server: string;
  version: string;
  scanReport: { sha256: string; verdict: Verdict; ruleset: RulesetId };
  catalog: string;
}): ArtifactStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: input.name, digest: { sha256: sha256Of(input.sha256, 'artifact') } }],
    predicateType: ARTIFACT_PREDICATE_TYPE,
    predicate: {
      catalog: input.catalog,
      server: input.server,
      version: input.version,
      scanReport: {
        digest: { sha256: sha256Of(input.scanReport.sha256, 'scan report') },
        verdict: input.scanReport.verdict,
        ruleset: { name: input.scanReport.ruleset.name, version: input.scanReport.ruleset.version },
      },
    },
  };
}

export function indexStatement(input: {
  sha256: string;
  serial: number;
  expires: string;
  catalog: string;
}): IndexStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: INDEX_SUBJECT_NAME, digest: { sha256: sha256Of(input.sha256, 'index') } }],
    predicateType: INDEX_PREDICATE_TYPE,
    predicate: { catalog: input.catalog, serial: input.serial, expires: input.expires },
  };
}

/**
 * The verifier compares digests as lowercase hex strings, so a statement must never carry another
 * spelling: an uppercase digest would be signed, then refused by every installer.
 */
function sha256Of(value: string, what: string): string {
  if (!isSha256Hex(value))
    throw new RangeError(`the ${what} sha256 must be 64 lowercase hex digits, got ${JSON.stringify(value)}`);
  return value;
}
