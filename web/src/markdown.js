// Renders a question prompt from Markdown to sanitised HTML.

import { Marked } from 'marked';
import DOMPurify from 'dompurify';

const marked = new Marked({ gfm: true, breaks: false, async: false });

// Style attributes are dropped because the page's CSP does not allow inline
// styles; forms and media are dropped because a prompt needs neither.
const PURIFY_OPTIONS = {
  USE_PROFILES: { html: true },
  FORBID_ATTR: ['style'],
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'video', 'audio'],
};

// Returns a DocumentFragment with the rendered prompt.
export function renderMarkdown(markdown) {
  const html = marked.parse(markdown ?? '');
  const fragment = DOMPurify.sanitize(html, { ...PURIFY_OPTIONS, RETURN_DOM_FRAGMENT: true });
  for (const link of fragment.querySelectorAll('a[href]')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
  return fragment;
}
