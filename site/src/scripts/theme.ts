/** The theme toggle: system → light → dark → system, remembered in localStorage (theme.js applies it). */
const KEY = 'mcp-catalog-theme';
const ORDER = ['system', 'light', 'dark'] as const;
type Theme = (typeof ORDER)[number];

const button = document.getElementById('theme-toggle');
if (button) {
  const current = (): Theme => {
    const value = document.documentElement.getAttribute('data-theme');
    return value === 'light' || value === 'dark' ? value : 'system';
  };
  const show = (theme: Theme) => {
    button.textContent = `Theme: ${theme}`;
    button.setAttribute('aria-label', `Colour theme: ${theme}. Change`);
  };
  button.hidden = false;
  show(current());
  button.addEventListener('click', () => {
    const next = ORDER[(ORDER.indexOf(current()) + 1) % ORDER.length]!;
    if (next === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', next);
    try {
      if (next === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // Storage off: the choice lasts for this page only.
    }
    show(next);
  });
}
