/**
 * Listing, review and changelog text is untrusted Markdown. markdown-it renders it with raw HTML
 * turned off (so `<script>` stays text), and sanitize-html then keeps only a fixed set of tags
 * and attributes, with links and images limited to http(s) and relative URLs: no `javascript:`,
 * `data:` or event handlers survive, whatever the source. Two layers, because a renderer bug
 * alone should not become a script on our origin.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

// markdown-it's own check refuses javascript:, vbscript:, file: and most data: links; ours is
// stricter: http(s), mailto and relative URLs only.
const SAFE_URL = /^(https?:|mailto:|[^:]*$|[^:/?#]*[/?#])/i;
markdown.validateLink = (url: string) => SAFE_URL.test(url.trim());

// Headings inside a listing sit below the page's own h1 and h2.
markdown.core.ruler.push('demote_headings', (state) => {
  for (const token of state.tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close')
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 2)}`;
  }
  return true;
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['p', 'br', 'hr', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'em', 'strong', 's', 'del'],
    ...['ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  ],
  // Attributes are filtered after transformTags, so the ones the transforms add are listed too.
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'loading', 'referrerpolicy'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow ugc noopener noreferrer' } }),
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, loading: 'lazy', referrerpolicy: 'no-referrer' } }),
  },
};

/** Safe HTML for untrusted Markdown. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(markdown.render(source), SANITIZE);
}
