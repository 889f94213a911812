// Base of the scanner fixtures: a stdio MCP server with one tool and no capabilities of note.
import { createInterface } from 'node:readline';

const tools = [{ name: 'echo', description: 'Return the text it is given.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }];

function reply(id, result) {
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === 'initialize') {
    reply(message.id, { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fixture-server', version: '1.0.0' } });
  } else if (message.method === 'tools/list') {
    reply(message.id, { tools });
  } else if (message.method === 'tools/call') {
    reply(message.id, { content: [{ type: 'text', text: String(message.params.arguments.text ?? '') }] });
  }
});
