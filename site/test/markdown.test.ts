/**
 * lib/markdown.ts: untrusted Markdown from listings, READMEs, changelogs and reviews. A corpus of
 * XSS payloads goes through renderMarkdown; the output is parsed back (by the same htmlparser2
 * sanitize-html uses) and no tag, attribute or URL that can run script may survive.
 */
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/lib/markdown.ts';

const ALLOWED_TAGS = new Set(
  'p br hr h3 h4 h5 h6 blockquote pre code em strong s del ul ol li a img table thead tbody tr th td'.split(' '),
);

interface Element {
  tag: string;
  attrs: Record<string, string>;
}

function elements(html: string): Element[] {
  const out: Element[] = [];
  const parser = new Parser(
    { onopentag: (tag, attrs) => out.push({ tag, attrs }) },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return out;
}

/** What a browser would make of a URL attribute: entities decoded, control characters and spaces dropped. */
function scheme(url: string): string | undefined {
  const cleaned = url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
  const match = /^([a-z][a-z0-9+.-]*):/.exec(cleaned);
  return match?.[1];
}

/** Every problem of a rendering: a disallowed tag, an event handler, a style, a dangerous URL. */
function problems(html: string): string[] {
  const found: string[] = [];
  for (const { tag, attrs } of elements(html)) {
    if (!ALLOWED_TAGS.has(tag)) found.push(`tag <${tag}>`);
    for (const [name, value] of Object.entries(attrs)) {
      if (name.startsWith('on')) found.push(`<${tag} ${name}>`);
      if (name === 'style' || name === 'class' || name === 'id' || name === 'srcset') found.push(`<${tag} ${name}>`);
      if (name === 'href' || name === 'src' || name === 'action' || name === 'formaction' || name === 'xlink:href') {
        const s = scheme(value);
        const ok = tag === 'img' ? s === 'https' : s === undefined || s === 'http' || s === 'https' || s === 'mailto';
        if (!ok) found.push(`<${tag} ${name}="${value}">`);
        if (value.trim().startsWith('//')) found.push(`<${tag} ${name}="${value}"> (protocol-relative)`);
      }
    }
  }
  return found;
}

const JS = 'window.__pwned=1';
const CORPUS: Record<string, string> = {
  'script tag': `<script>${JS}</script>`,
  'script tag, upper case': `<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
  'script split by a comment': `<scr<!-- -->ipt>${JS}</script>`,
  'img onerror': `<img src=x onerror="${JS}">`,
  'img onerror, no quotes': `<img/src=x/onerror=${JS}>`,
  'svg onload': `<svg onload="${JS}"><circle r="1"/></svg>`,
  'svg with script': `<svg><script>${JS}</script></svg>`,
  'math with xlink': `<math><mi xlink:href="javascript:${JS}">x</mi></math>`,
  iframe: `<iframe src="javascript:${JS}"></iframe>`,
  'iframe srcdoc': `<iframe srcdoc="<script>${JS}</script>"></iframe>`,
  'object and embed': `<object data="javascript:${JS}"></object><embed src="javascript:${JS}">`,
  'style element': `<style>body{background:url("javascript:${JS}")}</style>`,
  'style attribute': `<p style="background:url(javascript:${JS})">x</p>`,
  'raw link javascript:': `<a href="javascript:${JS}">x</a>`,
  'raw link with onclick': `<a href="https://example.com" onclick="${JS}">x</a>`,
  'form and button': `<form action="javascript:${JS}"><button formaction="javascript:${JS}">go</button></form>`,
  'meta refresh': `<meta http-equiv="refresh" content="0;url=javascript:${JS}">`,
  'base tag': `<base href="javascript:${JS}//">`,
  'details ontoggle': `<details open ontoggle="${JS}">x</details>`,
  'markdown link javascript:': `[click](javascript:${JS})`,
  'markdown link mixed case': `[click](JaVaScRiPt:${JS})`,
  'markdown link entity-encoded': `[click](jav&#x61;script:${JS})`,
  'markdown link decimal entity': `[click](&#106;avascript:${JS})`,
  'markdown link with tab': `[click](java\tscript:${JS})`,
  'markdown link percent-encoded scheme': `[click](javascript%3A${JS})`,
  'markdown link vbscript:': `[click](vbscript:msgbox(1))`,
  'markdown link data: html': `[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  'markdown link data: image': `[click](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
  'markdown link file:': `[click](file:///etc/passwd)`,
  'markdown link protocol-relative': `[click](//evil.example/x)`,
  'markdown reference link': `[click][r]\n\n[r]: javascript:${JS}`,
  'markdown autolink': `<javascript:${JS}>`,
  'markdown image javascript:': `![x](javascript:${JS})`,
  'markdown image data:': `![x](data:image/png;base64,iVBORw0KGgo=)`,
  'markdown image http': `![x](http://example.com/tracker.png)`,
  'markdown image title breakout': `![x](https://example.com/a.png "a\\" onerror=\\"${JS})`,
  'markdown link title breakout': `[x](https://example.com "t\\" onmouseover=\\"${JS}")`,
  'link text with html': `[<img src=x onerror=${JS}>](https://example.com)`,
  'html in a table cell': `| a |\n|---|\n| <img src=x onerror=${JS}> |`,
  'html in a code span stays text': '`<script>' + JS + '</script>`',
  'linkified javascript': `visit javascript:${JS} now`,
  'nested quotes in attribute': `<a href='java&#115;cript:${JS}'>x</a>`,
  'null byte in scheme': `[x](java\u0000script:${JS})`,
};

describe('renderMarkdown: XSS corpus', () => {
  for (const [name, source] of Object.entries(CORPUS)) {
    it(`neutralises ${name}`, () => {
      const html = renderMarkdown(source);
      expect(problems(html), html).toEqual([]);
      // Also a plain string check of the tags themselves (escaped text is harmless), in case the
      // parser above and a browser disagree.
      const tags = (html.match(/<[^>]*>/g) ?? []).join('\n');
      expect(tags).not.toMatch(/<(script|iframe|svg|math|object|embed|style|form|meta|base|details)\b/i);
      // Attribute names only: a quoted value may hold any text (quotes in it are entities).
      expect(tags.replace(/"[^"]*"/g, '""')).not.toMatch(/\son[a-z]+\s*=/i);
      expect(tags).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|vbscript|data|file):/i);
    });
  }

  it('the checker itself catches what it is meant to', () => {
    // Guards against a corpus that passes because problems() sees nothing.
    expect(problems('<script></script>')).toEqual(['tag <script>']);
    expect(problems('<a href="jav&#x61;script:x">x</a>')).toHaveLength(1);
    expect(problems('<img src="http://x/y.png">')).toHaveLength(1);
    expect(problems('<p onclick="x" style="y">z</p>')).toHaveLength(2);
  });
});

describe('renderMarkdown: what stays', () => {
  it('keeps ordinary Markdown', () => {
    const html = renderMarkdown('# Title\n\nSome *em* and **strong** and `code`.\n\n- one\n- two\n\n```\nx < y\n```');
    expect(html).toContain('<h3>Title</h3>');
    expect(html).toContain('<em>em</em>');
    expect(html).toContain('<strong>strong</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('x &lt; y');
  });

  it('demotes headings below the page’s own h1 and h2', () => {
    expect(renderMarkdown('# a\n\n## b\n\n#### d\n\n###### f')).toBe(
      '<h3>a</h3>\n<h4>b</h4>\n<h6>d</h6>\n<h6>f</h6>\n',
    );
  });

  it('keeps http(s), mailto and relative links, marked nofollow', () => {
    const html = renderMarkdown(
      '[a](https://example.com/x) [b](http://example.com) [c](mailto:a@example.com) [d](./docs/x.md) [e](#usage)',
    );
    const links = elements(html).filter((e) => e.tag === 'a');
    expect(links.map((l) => l.attrs.href)).toEqual([
      'https://example.com/x',
      'http://example.com',
      'mailto:a@example.com',
      './docs/x.md',
      '#usage',
    ]);
    for (const link of links) expect(link.attrs.rel).toBe('nofollow ugc noopener noreferrer');
  });

  it('keeps https images, lazy and without referrer', () => {
    const [img] = elements(renderMarkdown('![shot](https://example.com/a.png)')).filter((e) => e.tag === 'img');
    expect(img?.attrs).toEqual({
      src: 'https://example.com/a.png',
      alt: 'shot',
      loading: 'lazy',
      referrerpolicy: 'no-referrer',
    });
  });

  it('shows raw HTML as text rather than dropping it', () => {
    expect(renderMarkdown('<script>x</script>')).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});
