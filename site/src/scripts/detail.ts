/**
 * The detail page's behaviour: copy buttons (copying exactly the snippet's text), client tabs
 * with arrow-key navigation (WAI-ARIA tabs pattern), and the review filter and sort.
 */
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy ?? '');
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => (button.textContent = 'Copy'), 2000);
  });
}

for (const tabs of document.querySelectorAll<HTMLElement>('[data-tabs]')) {
  const list = [...tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus: boolean) => {
    for (const other of list) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(other.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
  };
  list.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (event.key === 'Home') select(list[0]!, true);
      else if (event.key === 'End') select(list[list.length - 1]!, true);
      else if (step) select(list[(i + step + list.length) % list.length]!, true);
      else return;
      event.preventDefault();
    });
  });
}

const reviewList = document.getElementById('review-list');
const controls = document.getElementById('review-controls');
const filter = document.getElementById('review-filter') as HTMLSelectElement | null;
const sort = document.getElementById('review-sort') as HTMLSelectElement | null;
const countLabel = document.getElementById('review-count');
if (reviewList && controls && filter && sort) {
  controls.hidden = false;
  const reviews = [...reviewList.querySelectorAll<HTMLElement>('article.review')];
  const apply = () => {
    const wanted = filter.value;
    const key = sort.value;
    const sorted = [...reviews].sort((a, b) => {
      const ra = Number(a.dataset.rating);
      const rb = Number(b.dataset.rating);
      if (key === 'highest') return rb - ra;
      if (key === 'lowest') return ra - rb;
      // The build ranked them (site/src/lib/pages.ts reviewViews): net 👍, then votes, then newest.
      if (key === 'helpful') return Number(a.dataset.helpfulRank) - Number(b.dataset.helpfulRank);
      return (
        (b.dataset.date ?? '').localeCompare(a.dataset.date ?? '') || Number(a.dataset.order) - Number(b.dataset.order)
      );
    });
    let shown = 0;
    for (const review of sorted) {
      const visible = wanted === 'all' || review.dataset.rating === wanted;
      review.hidden = !visible;
      if (visible) shown++;
      reviewList.append(review);
    }
    if (countLabel) countLabel.textContent = `${shown} of ${reviews.length} reviews`;
  };
  filter.addEventListener('change', apply);
  sort.addEventListener('change', apply);
  apply();
}
