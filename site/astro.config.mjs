// The site's Astro config. `base`, `outDir` and `site` come from site/build.ts (catalog.config.json's
// baseUrl), so a fork edits nothing here.
import { defineConfig } from 'astro/config';

export default defineConfig({
  build: {
    format: 'directory',
    // External files only: the Content-Security-Policy allows no inline script or style from content.
    inlineStylesheets: 'never',
    // Rendering a page is quick; writing it waits on the disk. Overlapping the writes of several
    // pages took a 10,000-server build's render phase from 43 s to … (bench/site.ts).
    concurrency: 8,
  },
  trailingSlash: 'always',
  devToolbar: { enabled: false },
  vite: {
    build: { assetsInlineLimit: 0 },
  },
});
