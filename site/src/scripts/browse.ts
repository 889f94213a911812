/**
 * Live search on /servers/: loads the emitted search index (search-client.ts, digest-checked:
 * the rank file first, then the term shards of the words typed and the cards of the page shown),
 * then renders results, facets, sort and pages from lib/browse.ts as the user types. The URL
 * holds the whole state: typing replaces the history entry, other changes push one, and
 * back/forward restore it. Everything from the index is put in the page as text, never as HTML.
 */
import {
  createSearch,
  type CatalogSearch,
  type SearchManifest,
  type ServerCard,
} from '../../../pipeline/emit/search-client.ts';
import {
  browse,
  effectiveSort,
  needsSortKeys,
  parseState,
  SORTS,
  stateQuery,
  toggleFilter,
  trustLabel,
  verdictLabel,
  type BrowseResult,
  type BrowseState,
  type Sort,
} from '../lib/browse.ts';
import { compactNumber, plural, starString } from '../lib/format.ts';

interface BrowseConfig {
  manifest: string;
  base: string;
  categoryTitles: Record<string, string>;
}

const configElement = document.getElementById('browse-config');
const config = JSON.parse(configElement?.textContent ?? '{}') as BrowseConfig;
const input = document.getElementById('q') as HTMLInputElement;
const form = document.getElementById('search-form') as HTMLFormElement;
const results = document.getElementById('results') as HTMLUListElement;
const count = document.getElementById('result-count') as HTMLElement;
const facetsBox = document.getElementById('facets') as HTMLElement;
const pagination = document.getElementById('pagination') as HTMLElement;
const sortSelect = document.getElementById('sort') as HTMLSelectElement;
const sortLabel = document.getElementById('sort-label') as HTMLElement;
const filtersToggle = document.getElementById('filters-toggle') as HTMLButtonElement;

let state: BrowseState = parseState(location.search);
let search: CatalogSearch | undefined;
let generation = 0;
/** When the state last changed: the results event says how long the update took (bench/site.ts reads it). */
let changedAt = performance.now();

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function serverHref(name: string): string {
  return `${config.base}servers/${name}/`;
}

function card(hit: ServerCard): HTMLLIElement {
  const title = hit.title ?? hit.name.slice(hit.name.indexOf('/') + 1);
  const meta = element('div', { className: 'meta' });
  if (hit.status === 'deprecated')
    meta.append(element('span', { className: 'badge status-deprecated', text: 'Deprecated' }));
  meta.append(element('span', { className: `badge trust-${hit.trust}`, text: trustLabel(hit.trust) }));
  if (hit.verdict)
    meta.append(element('span', { className: `badge verdict-${hit.verdict}`, text: verdictLabel(hit.verdict) }));
  if (hit.ratingAverage !== undefined && hit.ratingAverage !== null) {
    meta.append(
      element('span', {}, [
        element('span', { className: 'stars', text: starString(hit.ratingAverage), attrs: { 'aria-hidden': 'true' } }),
        element('span', { className: 'visually-hidden', text: `Rated ${hit.ratingAverage} out of 5` }),
        ` (${hit.ratingCount})`,
      ]),
    );
  }
  if (hit.stars) meta.append(element('span', { text: `★ ${compactNumber(hit.stars)} stars` }));
  if (hit.latest) meta.append(element('span', { text: `v${hit.latest}` }));
  return element('li', { className: 'card' }, [
    element('h3', {}, [element('a', { text: title, attrs: { href: serverHref(hit.name) } })]),
    element('span', { className: 'name', text: hit.name }),
    element('p', { text: hit.description }),
    meta,
  ]);
}

function renderFacets(result: BrowseResult): void {
  const fieldsets = result.facets.map((facet) => {
    const fieldset = element('fieldset', {}, [element('legend', { text: facet.label })]);
    for (const value of facet.values.slice(0, 12)) {
      const box = element('input', { attrs: { type: 'checkbox', name: facet.key, value: value.value } });
      box.checked = value.selected;
      box.addEventListener('change', () => update(toggleFilter(state, facet.key, value.value), 'push'));
      fieldset.append(
        element('label', {}, [
          box,
          element('span', { text: value.label }),
          element('span', { className: 'count', text: String(value.count) }),
        ]),
      );
    }
    return fieldset;
  });
  facetsBox.replaceChildren(...fieldsets);
  const active = Object.values(state.filters).some((v) => v.length > 0);
  if (active) {
    const clear = element('button', {
      className: 'button secondary small',
      text: 'Clear filters',
      attrs: { type: 'button' },
    });
    clear.addEventListener('click', () => update({ ...state, filters: {}, page: 1 }, 'push'));
    facetsBox.append(clear);
  }
}

function pageLink(page: number, label: string, current: boolean): HTMLLIElement {
  if (current) return element('li', {}, [element('span', { text: label, attrs: { 'aria-current': 'page' } })]);
  const query = stateQuery({ ...state, page });
  const link = element('a', { text: label, attrs: { href: `${config.base}servers/${query ? `?${query}` : ''}` } });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    update({ ...state, page }, 'push');
    document.getElementById('results-title')?.scrollIntoView();
  });
  return element('li', {}, [link]);
}

function renderPagination(result: BrowseResult): void {
  if (result.pages <= 1) return void pagination.replaceChildren();
  const list = element('ul', { className: 'pagination' });
  if (result.pageNumber > 1) list.append(pageLink(result.pageNumber - 1, '← Previous', false));
  for (let n = 1; n <= result.pages; n++) {
    if (n !== 1 && n !== result.pages && Math.abs(n - result.pageNumber) > 2) continue;
    list.append(pageLink(n, String(n), n === result.pageNumber));
  }
  if (result.pageNumber < result.pages) list.append(pageLink(result.pageNumber + 1, 'Next →', false));
  pagination.replaceChildren(list);
}

async function render(): Promise<void> {
  if (!search) return;
  const mine = ++generation;
  const hits = state.q.trim() ? await search.search(state.q) : search.all();
  if (needsSortKeys(effectiveSort(state))) await search.sortKeys();
  if (mine !== generation) return; // A newer keystroke won.
  const searched = performance.now();
  const result = browse(hits, search.table, state, { categoryTitles: config.categoryTitles });
  const browsed = performance.now();
  const cards = await search.cards(result.page);
  if (mine !== generation) return;
  const carded = performance.now();
  results.replaceChildren(...cards.map(card));
  if (result.total === 0) {
    results.replaceChildren(
      element('li', { className: 'empty' }, [
        element('p', {
          text: `No server matches “${state.q}”${Object.keys(state.filters).length ? ' with these filters' : ''}.`,
        }),
      ]),
    );
  }
  count.textContent = `${plural(result.total, 'server')}${result.pages > 1 ? `, page ${result.pageNumber} of ${result.pages}` : ''}`;
  sortSelect.value = result.sort;
  renderFacets(result);
  renderPagination(result);
  document.dispatchEvent(
    new CustomEvent('catalog:results', {
      detail: {
        query: state.q,
        total: result.total,
        ms: performance.now() - changedAt,
        searchMs: searched - changedAt,
        browseMs: browsed - searched,
        // Loading the cards of the page: 0 when their files were loaded before.
        cardsMs: carded - browsed,
        at: performance.now(),
      },
    }),
  );
}

function update(next: BrowseState, history: 'push' | 'replace' | 'none'): void {
  changedAt = performance.now();
  state = next;
  const query = stateQuery(state);
  const url = `${location.pathname}${query ? `?${query}` : ''}`;
  if (history === 'push') window.history.pushState(null, '', url);
  else if (history === 'replace') window.history.replaceState(null, '', url);
  void render();
}

function syncInputs(): void {
  input.value = state.q;
}

async function start(): Promise<void> {
  syncInputs();
  sortLabel.hidden = false;
  filtersToggle.hidden = false;
  facetsBox.dataset.collapsed = 'true';
  filtersToggle.addEventListener('click', () => {
    const open = facetsBox.dataset.collapsed === 'true';
    facetsBox.dataset.collapsed = open ? 'false' : 'true';
    filtersToggle.setAttribute('aria-expanded', String(open));
  });
  input.addEventListener('input', () => update({ ...state, q: input.value, page: 1 }, 'replace'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    update({ ...state, q: input.value, page: 1 }, 'push');
  });
  sortSelect.addEventListener('change', () => {
    const sort = (SORTS as readonly string[]).includes(sortSelect.value) ? (sortSelect.value as Sort) : undefined;
    update({ ...state, sort, page: 1 }, 'push');
  });
  window.addEventListener('popstate', () => {
    state = parseState(location.search);
    syncInputs();
    void render();
  });

  const manifestUrl = new URL(config.manifest, location.href);
  const manifest = (await (await fetch(manifestUrl)).json()) as SearchManifest;
  // Marks for bench/site.ts: where the first result's time goes.
  performance.mark('catalog:manifest');
  search = await createSearch(manifest, async (path) => {
    const response = await fetch(new URL(path, new URL(config.base, location.href)));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const text = await response.text();
    performance.mark(`catalog:fetched ${path}`);
    return text;
  });
  performance.mark('catalog:index-ready');
  document.documentElement.dataset.searchReady = 'true';
  await render();
}

start().catch((error: unknown) => {
  count.textContent = 'Search could not load; the list below still links every server.';
  console.error(error);
});
