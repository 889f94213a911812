/** lib/similar.ts: similar servers by shared tags, category and tool names. */
import { describe, expect, it } from 'vitest';
import { similarServers, type SimilarityInput } from '../src/lib/similar.ts';

const server = (name: string, category: string, tags: string[] = [], toolNames: string[] = []): SimilarityInput => ({
  name,
  category,
  tags,
  toolNames,
});

const SERVERS = [
  server('a/files', 'system', ['filesystem', 'files'], ['read_file', 'write_file']),
  server('b/disk', 'system', ['filesystem'], ['read_file']),
  server('c/desktop', 'system', ['Files'], ['run_command']),
  server('d/shell', 'system', [], ['run_command']),
  server('e/postgres', 'data', ['database', 'sql'], ['query']),
  server('f/sqlite', 'data', ['database', 'sql'], ['query', 'read_file']),
  server('g/lonely', 'other', ['unique'], ['nothing_shared']),
];

describe('similarServers', () => {
  const similar = similarServers(SERVERS);

  it('has an entry for every server, never itself', () => {
    expect([...similar.keys()].sort()).toEqual(SERVERS.map((s) => s.name).sort());
    for (const [name, list] of similar) expect(list).not.toContain(name);
  });

  it('ranks by weighted shared features: tags 2, category 1, tools 1', () => {
    // a/files shares with b/disk: tag filesystem (2) + category (1) + read_file (1) = 4;
    // with c/desktop: tag files, case-insensitive (2) + category (1) = 3; with f/sqlite: read_file (1).
    expect(similar.get('a/files')).toEqual(['b/disk', 'c/desktop', 'f/sqlite']);
    expect(similar.get('b/disk')).toEqual(['a/files', 'f/sqlite']);
    expect(similar.get('e/postgres')).toEqual(['f/sqlite']);
    // f/sqlite: e/postgres 2 + 2 + 1 + 1 = 6; a/files and b/disk by read_file (1), ties by name.
    expect(similar.get('f/sqlite')).toEqual(['e/postgres', 'a/files', 'b/disk']);
  });

  it('does not count a shared category alone as similarity', () => {
    // b/disk and d/shell share only the category.
    expect(similar.get('b/disk')).not.toContain('d/shell');
    expect(similar.get('d/shell')).not.toContain('b/disk');
    expect(similar.get('g/lonely')).toEqual([]);
  });

  it('counts a shared tool with the category', () => {
    // c/desktop and d/shell: run_command (1) + category (1) = 2 > 1.
    expect(similar.get('d/shell')).toEqual(['c/desktop']);
  });

  it('breaks ties by name and honours the limit', () => {
    const many = [
      server('x/base', 'other', ['t']),
      ...['x/d', 'x/b', 'x/c', 'x/a', 'x/e'].map((n) => server(n, 'other', ['t'])),
    ];
    expect(similarServers(many).get('x/base')).toEqual(['x/a', 'x/b', 'x/c', 'x/d']);
    expect(similarServers(many, 2).get('x/base')).toEqual(['x/a', 'x/b']);
  });

  it('ignores features so common they say nothing', () => {
    // Thousands of servers tagged "remote" (and nothing else in common) are not similar to each other.
    const crowd = Array.from({ length: 5000 }, (_, i) => server(`n/s${i}`, `c${i}`, ['remote']));
    const result = similarServers(crowd);
    expect(result.get('n/s0')).toEqual([]);
  });
});
