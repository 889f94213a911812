/**
 * The catalog's file layout (design.md, "Layout"): which kind of file a path is, and the
 * names it encodes. Paths are relative to the catalog root and always use `/`.
 */
export type CatalogPath =
  | { kind: 'config'; path: string }
  | { kind: 'listing'; path: string; server: string; version: string }
  | { kind: 'status' | 'tools' | 'readme'; path: string; server: string }
  | { kind: 'review'; path: string; server: string; login: string }
  | { kind: 'curation'; path: string; server: string }
  | { kind: 'policy'; path: string; policy: string }
  | { kind: 'bundle' | 'doc'; path: string }
  | { kind: 'unknown'; path: string };

export const CONFIG_FILE = 'catalog.config.json';
export const CATALOG_DIR = 'catalog';

const SERVER_FILES: Record<string, 'status' | 'tools' | 'readme'> = {
  'status.json': 'status',
  'tools.json': 'tools',
  'README.md': 'readme',
};
const DOC_FILES = new Set(['catalog/README.md', 'catalog/NOTICE.md']);

export function classify(path: string): CatalogPath {
  if (path === CONFIG_FILE) return { kind: 'config', path };
  if (DOC_FILES.has(path) || path.endsWith('/.gitkeep')) return { kind: 'doc', path };
  const parts = path.split('/');
  if (parts[0] !== CATALOG_DIR) return { kind: 'unknown', path };
  const [, area, a, b, c, ...rest] = parts;
  if (area === 'bundles' && a) return { kind: 'bundle', path };
  if (rest.length > 0) return { kind: 'unknown', path };
  if (area === 'servers' && a && b && c) {
    const server = `${a}/${b}`;
    const special = SERVER_FILES[c];
    if (special) return { kind: special, path, server };
    if (c.endsWith('.json')) return { kind: 'listing', path, server, version: c.slice(0, -'.json'.length) };
  }
  if (area === 'reviews' && a && b && c?.endsWith('.json')) {
    return { kind: 'review', path, server: `${a}/${b}`, login: c.slice(0, -'.json'.length) };
  }
  if (area === 'curation' && a && b?.endsWith('.json') && !c) {
    return { kind: 'curation', path, server: `${a}/${b.slice(0, -'.json'.length)}` };
  }
  if (area === 'policies' && a?.endsWith('.json') && !b)
    return { kind: 'policy', path, policy: a.slice(0, -'.json'.length) };
  return { kind: 'unknown', path };
}

export function listingPath(server: string, version: string): string {
  return `${CATALOG_DIR}/servers/${server}/${version}.json`;
}

export function serverDir(server: string): string {
  return `${CATALOG_DIR}/servers/${server}`;
}
