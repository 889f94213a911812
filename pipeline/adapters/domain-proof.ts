/**
 * Proof that a GitHub login may publish under a reverse-DNS namespace (`com.example/…`), read
 * from the domain itself. Modelled on the official registry's two methods
 * (modelcontextprotocol/registry, internal/api/handlers/v0/auth/dns.go and http.go), which bind
 * a domain to a signing key; our publishers are GitHub users and a pull request already proves
 * who its author is, so the record names the logins instead of a key:
 *
 * - DNS: a TXT record `mcp-catalog-owner=<login>` (or `=@org`, `=@org/team`) at
 *   `_mcp-catalog.<domain>`. Like the registry's DNS method, a record on a domain also covers its
 *   subdomains: `com.example.api` is proven by `_mcp-catalog.api.example.com` or by
 *   `_mcp-catalog.example.com` (never by a one-label name such as `_mcp-catalog.com`). The
 *   underscore name keeps the apex's TXT set alone, as `_acme-challenge` and GitHub's own
 *   `_github-challenge-…` do. One record per owner; a record may be split into strings.
 * - HTTPS: `https://<domain>/.well-known/mcp-catalog-owners.json`, `{"owners": ["<login>", …]}`.
 *   Like the registry's HTTP method (and ACME HTTP-01), it proves that host only, not its
 *   subdomains, and it follows no redirect. At most 16 KiB, 10 s.
 *
 * The DNS lookups go through a `node:dns` Resolver, so tests point it at a local server that
 * speaks the real wire format (test-support/dns-server.ts); the HTTPS fetch is node:https with a
 * `ca`, like artifact-fetch.ts. Every failure is a `DomainProofError`, wrapped once, here, and
 * returned as a check result: one unreachable method must not hide the other.
 */
import { Resolver } from 'node:dns/promises';
import { request } from 'node:https';
import {
  dnsProofNames,
  namespaceDomain,
  ownersFromTxt,
  OWNER_ENTRY,
  WELL_KNOWN_PATH,
  type DomainProof,
  type DomainProofErrorCode,
  type ProofCheck,
} from '../core/domain-proof.ts';
import { isObject } from '../core/guards.ts';

export type { DomainProof, ProofCheck } from '../core/domain-proof.ts';

const DEFAULT_MAX_BYTES = 16 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
export class DomainProofError extends Error {
  override name = 'DomainProofError';
  readonly code: DomainProofErrorCode;
  constructor(code: DomainProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export interface DomainProofSource {
  /** Every check for the namespace's domain; undefined when the namespace names no domain. */
  prove(namespace: string): Promise<DomainProof | undefined>;
}

export interface DomainProofOptions {
  /** DNS servers (`ip` or `ip:port`); the system's when absent. */
  dnsServers?: string[];
  dnsTimeoutMs?: number;
  httpsTimeoutMs?: number;
  maxBytes?: number;
  /** Extra trusted CA certificates (PEM), for a private host or a test server. */
  ca?: string;
  /** The origin to fetch a domain's well-known file from; `https://<domain>` by default. */
  originOf?: (domain: string) => string;
}

export function createDomainProofSource(options: DomainProofOptions = {}): DomainProofSource {
  const resolver = new Resolver({ timeout: options.dnsTimeoutMs ?? 3000, tries: 2 });
  if (options.dnsServers) resolver.setServers(options.dnsServers);
  const originOf = options.originOf ?? ((domain: string) => `https://${domain}`);
  return {
    async prove(namespace) {
      const domain = namespaceDomain(namespace);
      if (!domain) return undefined;
      const url = `${originOf(domain)}${WELL_KNOWN_PATH}`;
      const checks = await Promise.all([
        ...dnsProofNames(domain).map((name) => checkDns(resolver, name)),
        checkHttps(url, options),
      ]);
      return { namespace, domain, checks };
    },
  };
}

async function checkDns(resolver: Resolver, name: string): Promise<ProofCheck> {
  const base = { method: 'dns' as const, where: name };
  try {
    // Each record is an array of character-strings (RFC 1035 §3.3.14); a long value is split.
    const owners = ownersFromTxt((await resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
    return owners.length > 0 ? { ...base, kind: 'found', owners } : { ...base, kind: 'absent' };
  } catch (error) {
    const code = (error as { code?: string }).code;
    // NXDOMAIN and NODATA: nothing is published at this name.
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { ...base, kind: 'absent' };
    const wrapped = new DomainProofError('dns-failed', `TXT lookup of ${name} failed (${code ?? String(error)})`, {
      cause: error,
    });
    return { ...base, kind: 'error', code: wrapped.code, detail: wrapped.message };
  }
}

async function checkHttps(url: string, options: DomainProofOptions): Promise<ProofCheck> {
  const base = { method: 'https' as const, where: url };
  try {
    const body = await fetchLimited(url, options);
    if (body === undefined) return { ...base, kind: 'absent' };
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new DomainProofError('bad-format', `${url} is not JSON`, { cause });
    }
    const owners = isObject(value) && Array.isArray(value.owners) ? value.owners : undefined;
    if (!owners || !owners.every((o): o is string => typeof o === 'string' && OWNER_ENTRY.test(o)))
      throw new DomainProofError('bad-format', `${url} must be {"owners": ["<github-login>", …]}`);
    return owners.length > 0 ? { ...base, kind: 'found', owners } : { ...base, kind: 'absent' };
  } catch (error) {
    const wrapped =
      error instanceof DomainProofError
        ? error
        : new DomainProofError('network', `${url}: ${(error as Error).message}`, { cause: error });
    return { ...base, kind: 'error', code: wrapped.code, detail: wrapped.message };
  }
}

/** The body of a 200, undefined for 404 and 410; anything else, or too much, or too late, throws. */
function fetchLimited(url: string, options: DomainProofOptions): Promise<Buffer | undefined> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.httpsTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'mcp-catalog-pipeline' },
        ...(options.ca ? { ca: options.ca } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 404 || status === 410) {
          res.resume();
          return resolve(undefined);
        }
        if (status !== 200) {
          res.resume();
          const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
          return reject(new DomainProofError('http-status', `${url} answered HTTP ${status}${redirect}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new DomainProofError('too-large', `${url} is larger than ${maxBytes} bytes`));
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('error', (error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? new DomainProofError('network', `${url} did not answer within ${timeoutMs} ms`, { cause: error })
          : error,
      ),
    );
    req.end();
  });
}
