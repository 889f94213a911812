// Runs before the page paints (a blocking external script: the CSP allows no inline script).
// Applies the saved theme choice and the catalog's brand colour from <html data-brand>.
(function () {
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem('mcp-catalog-theme');
    if (saved === 'light' || saved === 'dark') root.setAttribute('data-theme', saved);
  } catch (e) {
    // Storage can be off (private mode); the system preference applies.
  }
  var brand = root.getAttribute('data-brand');
  if (brand && /^#[0-9a-fA-F]{6}$/.test(brand)) root.style.setProperty('--brand', brand);
})();
