import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsAnswer, type DnsTestServer } from '../test-support/dns-server.ts';
import { startHttpsServer, type HttpsTestServer, type Route } from '../test-support/https-server.ts';
import { dnsProofNames, namespaceDomain, ownersFromTxt } from '../core/domain-proof.ts';
import { createDomainProofSource } from './domain-proof.ts';

let dns: DnsTestServer;
let https: HttpsTestServer;

beforeAll(async () => {
  dns = await startDnsServer(
    new Map<string, DnsAnswer>([
      ['_mcp-catalog.example.com', ['v=spf1 -all', 'mcp-catalog-owner=alice', ['mcp-catalog-', 'owner=@acme']]],
      ['_mcp-catalog.api.example.com', []],
      ['_mcp-catalog.broken.test', 'servfail'],
      ['_mcp-catalog.slow.test', 'drop'],
    ]),
  );
  https = await startHttpsServer(
    new Map<string, Route>([
      ['/web.test/.well-known/mcp-catalog-owners.json', Buffer.from(JSON.stringify({ owners: ['bob'] }))],
      ['/bad.test/.well-known/mcp-catalog-owners.json', Buffer.from('owners: bob')],
      ['/big.test/.well-known/mcp-catalog-owners.json', Buffer.alloc(20_000, 0x20)],
      [
        '/moved.test/.well-known/mcp-catalog-owners.json',
        { status: 301, headers: { location: 'https://elsewhere.invalid/' } },
      ],
    ]),
  );
});
afterAll(async () => {
  await dns.close();
  await https.close();
});

const source = () =>
  createDomainProofSource({
    dnsServers: [dns.server],
    dnsTimeoutMs: 300,
    ca: https.caPem,
    // The test server stands in for every domain, one path prefix each.
    originOf: (domain) => `${https.url}/${domain}`,
  });

describe('domain proof: the record format', () => {
  it('maps a namespace to its domain and the TXT names that cover it', () => {
    expect(namespaceDomain('com.example.api')).toBe('api.example.com');
    expect(namespaceDomain('Com.Example')).toBe('example.com');
    expect(namespaceDomain('com')).toBeUndefined();
    expect(namespaceDomain('com.exa_mple')).toBeUndefined();
    expect(dnsProofNames('api.example.com')).toEqual(['_mcp-catalog.api.example.com', '_mcp-catalog.example.com']);
    expect(dnsProofNames('example.com')).toEqual(['_mcp-catalog.example.com']);
  });

  it('reads owners only from records of ours', () => {
    expect(ownersFromTxt(['v=spf1 -all', 'mcp-catalog-owner=alice', 'MCP-Catalog-Owner= @acme/ops ', 'x'])).toEqual([
      'alice',
      '@acme/ops',
    ]);
    expect(ownersFromTxt(['mcp-catalog-owner=not a login'])).toEqual([]);
  });
});

describe('domain proof: against a DNS server and an HTTPS host on 127.0.0.1', () => {
  it('finds the owners of a TXT record, split strings joined, on the domain and on a parent', async () => {
    const proof = await source().prove('com.example.api');
    expect(proof?.domain).toBe('api.example.com');
    expect(proof?.checks).toEqual([
      { method: 'dns', where: '_mcp-catalog.api.example.com', kind: 'absent' },
      { method: 'dns', where: '_mcp-catalog.example.com', kind: 'found', owners: ['alice', '@acme'] },
      { method: 'https', where: `${https.url}/api.example.com/.well-known/mcp-catalog-owners.json`, kind: 'absent' },
    ]);
    expect(dns.queries).toContainEqual({ name: '_mcp-catalog.example.com', type: 16 });
  });

  it('finds the owners of the well-known file', async () => {
    const proof = await source().prove('test.web');
    expect(proof?.checks.filter((c) => c.kind === 'found')).toEqual([
      {
        method: 'https',
        where: `${https.url}/web.test/.well-known/mcp-catalog-owners.json`,
        kind: 'found',
        owners: ['bob'],
      },
    ]);
    // NXDOMAIN is "nothing published", not an error.
    expect(proof?.checks[0]).toEqual({ method: 'dns', where: '_mcp-catalog.web.test', kind: 'absent' });
  });

  it('reports SERVFAIL and a DNS timeout as errors, not as absence', async () => {
    const broken = await source().prove('test.broken');
    expect(broken?.checks[0]).toMatchObject({ method: 'dns', kind: 'error', code: 'dns-failed' });
    const slow = await source().prove('test.slow');
    expect(slow?.checks[0]).toMatchObject({ method: 'dns', kind: 'error', code: 'dns-failed' });
  });

  it('refuses a malformed, oversized or redirected well-known file', async () => {
    const https = async (namespace: string) => (await source().prove(namespace))?.checks.at(-1);
    expect(await https('test.bad')).toMatchObject({ kind: 'error', code: 'bad-format' });
    expect(await https('test.big')).toMatchObject({ kind: 'error', code: 'too-large' });
    expect(await https('test.moved')).toMatchObject({ kind: 'error', code: 'http-status' });
  });

  it('refuses a host whose certificate it does not trust', async () => {
    const untrusting = createDomainProofSource({
      dnsServers: [dns.server],
      dnsTimeoutMs: 300,
      originOf: (domain) => `${https.url}/${domain}`,
    });
    const proof = await untrusting.prove('test.web');
    expect(proof?.checks.at(-1)).toMatchObject({ method: 'https', kind: 'error', code: 'network' });
  });

  it('has nothing to check for a namespace that names no domain', async () => {
    expect(await source().prove('localhost')).toBeUndefined();
  });
});
