/**
 * Which catalog files a change can affect. `validate --changed-since` reads only these, so a PR
 * that touches one listing out of ten thousand validates one server, not the catalog.
 */
import type { ChangeSet } from '../adapters/git.ts';
import { classify, type CatalogPath } from './layout.ts';

/**
 * A predicate over catalog files, or undefined when everything must be checked: the config,
 * the schemas and the validation code itself affect every file.
 */
export function affectedBy(changes: ChangeSet): ((location: CatalogPath) => boolean) | undefined {
  const servers = new Set<string>();
  const paths = new Set<string>();
  for (const { path } of changes.files) {
    const location = classify(path);
    if (location.kind === 'config') return undefined;
    if (location.kind === 'unknown' && !path.startsWith('catalog/') && !path.endsWith('.md')) return undefined;
    // A change in a server's folder (a new version, a status) can break its reviews and curation.
    if (
      location.kind === 'listing' ||
      location.kind === 'status' ||
      location.kind === 'tools' ||
      location.kind === 'readme'
    ) {
      servers.add(location.server);
    }
    paths.add(path);
  }
  return (location) => paths.has(location.path) || ('server' in location && servers.has(location.server));
}
