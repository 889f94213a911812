/**
 * The pure half of a namespace's domain proof (adapters/domain-proof.ts does the lookups): where a
 * proof for a reverse-DNS namespace is looked for, how a TXT record names its owners, and the shape
 * of what the lookups found, which the validate stage judges without I/O.
 */
export const DNS_PROOF_LABEL = '_mcp-catalog';
export const DNS_PROOF_PREFIX = 'mcp-catalog-owner=';
export const WELL_KNOWN_PATH = '/.well-known/mcp-catalog-owners.json';
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** What a proof may name: a login, `@org` or `@org/team` (as namespaceOwners in the config). */
export const OWNER_ENTRY = /^@?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\/[A-Za-z0-9._-]+)?$/;

/**
 * The domain a reverse-DNS namespace names (`com.example.api` → `api.example.com`), or undefined
 * for one that is not a valid host name of two labels or more.
 */
export function namespaceDomain(namespace: string): string | undefined {
  const labels = namespace.toLowerCase().split('.');
  if (labels.length < 2 || namespace.length > 253 || !labels.every((l) => LABEL.test(l))) return undefined;
  return labels.reverse().join('.');
}

/** The TXT record names whose proof covers `domain`: its own, then each parent of two labels or more. */
export function dnsProofNames(domain: string): string[] {
  const labels = domain.split('.');
  const names: string[] = [];
  for (let i = 0; labels.length - i >= 2; i++) names.push(`${DNS_PROOF_LABEL}.${labels.slice(i).join('.')}`);
  return names;
}

/** The owners a set of TXT records names: the value of each `mcp-catalog-owner=` record. */
export function ownersFromTxt(records: readonly string[]): string[] {
  return records
    .map((r) => r.trim())
    .filter((r) => r.toLowerCase().startsWith(DNS_PROOF_PREFIX))
    .map((r) => r.slice(DNS_PROOF_PREFIX.length).trim())
    .filter((o) => OWNER_ENTRY.test(o));
}

export type DomainProofErrorCode =
  /** The DNS server failed (SERVFAIL, refused) or did not answer in time. */
  | 'dns-failed'
  /** No HTTPS answer: refused, TLS, timeout. */
  | 'network'
  /** An HTTP status other than 200 and 404/410, including a redirect (not followed). */
  | 'http-status'
  | 'too-large'
  /** The file is not `{"owners": [...]}`. */
  | 'bad-format';

/** One place a proof was looked for. */
export type ProofCheck = {
  method: 'dns' | 'https';
  /** The TXT record name or the URL. */
  where: string;
} & (
  | { kind: 'found'; owners: string[] }
  /** Nothing published there (NXDOMAIN, no TXT of ours, 404). */
  | { kind: 'absent' }
  | { kind: 'error'; code: DomainProofErrorCode; detail: string }
);

export interface DomainProof {
  namespace: string;
  domain: string;
  checks: ProofCheck[];
}
