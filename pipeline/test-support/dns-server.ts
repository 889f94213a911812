/**
 * A real DNS server on 127.0.0.1 (UDP) for the domain-proof adapter's tests: it speaks the wire
 * format of RFC 1035 (header, question, answer records; §4.1) and answers TXT queries (type 16,
 * §3.3.14) from a map of names to records, so `node:dns`'s Resolver (c-ares) talks to it exactly
 * as it talks to a recursive resolver. A name not in the map answers NXDOMAIN (RCODE 3); a name
 * mapped to `'servfail'` answers SERVFAIL (RCODE 2), and one mapped to `'drop'` never answers
 * (a timeout).
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** A TXT record's character-strings (each at most 255 bytes); one string per entry is typical. */
export type TxtRecord = string | string[];
export type DnsAnswer = TxtRecord[] | 'servfail' | 'drop';

export interface DnsTestServer {
  /** `127.0.0.1:<port>`, for `Resolver.setServers`. */
  server: string;
  /** Names asked for, lower-cased, in order, with their query type. */
  queries: { name: string; type: number }[];
  close(): Promise<void>;
}

const TYPE_TXT = 16;
const CLASS_IN = 1;

export async function startDnsServer(records: Map<string, DnsAnswer>): Promise<DnsTestServer> {
  const byName = new Map([...records].map(([name, answer]) => [name.toLowerCase().replace(/\.$/, ''), answer]));
  const queries: DnsTestServer['queries'] = [];
  const socket = createSocket('udp4');
  socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    const query = parseQuery(message);
    if (!query) return;
    queries.push({ name: query.name, type: query.type });
    const answer = byName.get(query.name.toLowerCase());
    if (answer === 'drop') return;
    const reply = respond(message, query, answer);
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

interface Query {
  id: number;
  name: string;
  type: number;
  /** Offset just past the question's QCLASS: where the answer section starts. */
  end: number;
}

/** The first question of a query (QDCOUNT ≥ 1); c-ares sends exactly one. */
function parseQuery(message: Buffer): Query | undefined {
  if (message.length < 12 || message.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = message[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1;
    if (length === 0) break;
    labels.push(message.subarray(offset, offset + length).toString('latin1'));
    offset += length;
  }
  if (offset + 4 > message.length) return undefined;
  return { id: message.readUInt16BE(0), name: labels.join('.'), type: message.readUInt16BE(offset), end: offset + 4 };
}

function respond(message: Buffer, query: Query, answer: DnsAnswer | undefined): Buffer {
  const question = message.subarray(12, query.end);
  const rcode = answer === undefined ? 3 : answer === 'servfail' ? 2 : 0;
  // NOERROR with no TXT answers is NODATA: the name exists with other types only.
  const txt = Array.isArray(answer) && query.type === TYPE_TXT ? answer : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR=1 (response), opcode 0, AA=1, RD copied from the query, RA=1, RCODE.
  const rd = (message[2] ?? 0) & 0x01;
  header.writeUInt16BE(0x8000 | 0x0400 | (rd << 8) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(txt.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const answers = txt.map((record) => {
    const strings = (Array.isArray(record) ? record : [record]).map((s) => Buffer.from(s, 'utf8'));
    const rdata = Buffer.concat(strings.flatMap((s) => [Buffer.from([s.length]), s]));
    const rr = Buffer.alloc(12);
    // NAME: a compression pointer to the question's name at offset 12 (§4.1.4).
    rr.writeUInt16BE(0xc000 | 12, 0);
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}
