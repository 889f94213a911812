/**
 * A real HTTPS server on 127.0.0.1 for adapter tests: a throwaway self-signed certificate for the
 * IP address (made with node-forge at test time, no key committed), and a map of paths to bodies.
 * Clients trust it through `ca` or NODE_EXTRA_CA_CERTS, as they would a private mirror.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface HttpsTestServer {
  url: string;
  /** PEM of the server's self-signed certificate: the CA to trust. */
  caPem: string;
  /** Requested paths, in order. */
  requests: string[];
  close(): Promise<void>;
}

export type Route = Buffer | { status: number; headers?: Record<string, string>; body?: Buffer };

/** A throwaway self-signed certificate for 127.0.0.1 (RSA 2048, one day), as PEM. */
export function selfSignedFor127(): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const name = [{ name: 'commonName', value: '127.0.0.1' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

export async function startHttpsServer(routes: Map<string, Route>): Promise<HttpsTestServer> {
  const { keyPem, certPem } = selfSignedFor127();
  const requests: string[] = [];
  const server: Server = createServer({ key: keyPem, cert: certPem }, (req, res) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end();
    } else if (Buffer.isBuffer(route)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': route.length }).end(route);
    } else {
      res.writeHead(route.status, route.headers).end(route.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: certPem,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
