/**
 * The compare page: reads `?s=a,b,c`, fetches each server's record (servers/<name>.json, the same
 * file the installer trusts through the signed index), and lays out rows side by side. All values
 * go in as text.
 */
import type { IndexServer, ServerRecord } from '../../../pipeline/core/schema-types.gen.ts';
import { compactNumber } from '../lib/format.ts';

const MAX = 3;
const config = JSON.parse(document.getElementById('compare-config')?.textContent ?? '{}') as { base: string };
const status = document.getElementById('compare-status') as HTMLElement;
const table = document.getElementById('compare-table') as HTMLTableElement;
const inputBox = document.getElementById('compare-add') as HTMLInputElement;

const names = [
  ...new Set(
    new URLSearchParams(location.search)
      .getAll('s')
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => /^[A-Za-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(v)),
  ),
].slice(0, MAX);
inputBox.value = names.join(', ');

function cell(tag: 'td' | 'th', content: string | Node, scope?: string): HTMLElement {
  const node = document.createElement(tag);
  if (scope) node.setAttribute('scope', scope);
  node.append(content);
  return node;
}

function link(text: string, href: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

async function load(): Promise<void> {
  if (names.length === 0) {
    status.textContent = 'Name up to three servers to compare.';
    return;
  }
  status.textContent = 'Loading…';
  const index = (await (await fetch(`${config.base}index.json`)).json()) as { servers: IndexServer[] };
  const found = names.map((name) => index.servers.find((s) => s.name === name));
  const missing = names.filter((_, i) => !found[i]);
  const servers = found.filter((s): s is IndexServer => s !== undefined);
  const records = await Promise.all(
    servers.map(async (s) => (await (await fetch(`${config.base}${s.detail.path}`)).json()) as ServerRecord),
  );
  status.textContent = missing.length ? `Not in this catalog: ${missing.join(', ')}.` : '';
  if (servers.length === 0) return;

  const latest = (r: ServerRecord) => r.versions.find((v) => v.status !== 'yanked') ?? r.versions[0]!;
  const rows: [string, (s: IndexServer, r: ServerRecord) => string | Node][] = [
    ['Description', (s) => s.description],
    ['Latest version', (s) => s.latest ?? 'none'],
    ['Trust', (s) => s.trust],
    ['Scan verdict', (s) => s.verdict ?? 'no bundle'],
    ['Rating', (s) => (s.rating.average !== undefined ? `${s.rating.average} / 5 (${s.rating.count})` : 'no reviews')],
    ['GitHub stars', (s) => (s.stats.stars ? compactNumber(s.stats.stars.value) : '—')],
    [
      'Packages',
      (_s, r) =>
        latest(r)
          .packages.map((p) => `${p.registryType} ${p.identifier.split('/').pop()}`)
          .join(', ') || '—',
    ],
    [
      'Hosted',
      (_s, r) =>
        latest(r)
          .remotes.map((x) => x.type)
          .join(', ') || 'no',
    ],
    ['Tools', (_s, r) => (r.tools?.tools ?? []).map((t) => t.name).join(', ') || '—'],
    [
      'Capabilities (own)',
      (_s, r) =>
        [...new Set(latest(r).artifacts.flatMap((a) => a.scan?.capabilities?.own.map((c) => c.capability) ?? []))].join(
          ', ',
        ) || '—',
    ],
    [
      'Capabilities (dependencies)',
      (_s, r) =>
        [
          ...new Set(
            latest(r).artifacts.flatMap((a) => a.scan?.capabilities?.dependencies.map((c) => c.capability) ?? []),
          ),
        ].join(', ') || '—',
    ],
    ['Licence', (_s, r) => r.license ?? '—'],
  ];
  const head = document.createElement('tr');
  head.append(cell('th', 'Server', 'col'));
  for (const s of servers) head.append(cell('th', link(s.title ?? s.name, `${config.base}servers/${s.name}/`), 'col'));
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const [label, value] of rows) {
    const tr = document.createElement('tr');
    tr.append(cell('th', label, 'row'));
    servers.forEach((s, i) => tr.append(cell('td', value(s, records[i]!))));
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
  table.hidden = false;
}

load().catch((error: unknown) => {
  status.textContent = 'The servers could not be loaded.';
  console.error(error);
});
