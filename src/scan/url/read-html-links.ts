/**
 * Reads an HTML body for the phishing checks: each link with the text it shows (`<a href>` and
 * `<area href>`, image alt text standing in for the text of an image link), the schemes that
 * html-content.ts does not publish (javascript:, data:), and the visible text, for lure words.
 * Absolute http(s) URLs of href/src/action are already published by html-content.ts; this reader
 * only pairs them with their text.
 *
 * Trusts nothing: htmlparser2 tokenizes (linear, no tree kept); links, link text and visible
 * text are each capped. Contract: never throws on any string.
 */
import { Parser } from 'htmlparser2';

/** Most links kept per body. */
export const MAX_LINKS_PER_BODY = 2000;
/** Longest link text kept (what a reader sees is short; the rest is noise). */
export const MAX_LINK_TEXT_CHARS = 300;
/** Visible text kept per body for the lure-word checks. */
export const MAX_VISIBLE_TEXT_CHARS = 64 * 1024;

export interface LinkWithText {
  readonly href: string;
  /** The text the reader sees, whitespace collapsed. */
  readonly text: string;
}

export interface HtmlLinks {
  readonly links: readonly LinkWithText[];
  /** Visible text, whitespace collapsed, capped. */
  readonly text: string;
}

/** Elements that break the text: their words must not run into the next ones. */
const BLOCK_TAGS = new Set(['br', 'p', 'div', 'td', 'th', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'table', 'blockquote']);
const INVISIBLE_TAGS = new Set(['script', 'style', 'title', 'noscript', 'template']);

export function readHtmlLinks(html: string): HtmlLinks {
  const links: LinkWithText[] = [];
  let text = '';
  let hidden = 0;
  let open: { href: string; text: string } | undefined;
  const addText = (data: string): void => {
    if (hidden > 0) return;
    if (open !== undefined && open.text.length < MAX_LINK_TEXT_CHARS) open.text += data;
    if (text.length < MAX_VISIBLE_TEXT_CHARS) text += data;
  };
  const close = (): void => {
    if (open === undefined) return;
    if (links.length < MAX_LINKS_PER_BODY) links.push({ href: open.href, text: collapse(open.text).slice(0, MAX_LINK_TEXT_CHARS) });
    open = undefined;
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        // Whatever invisible element was left open before it, a browser shows the body.
        if (name === 'body') hidden = 0;
        if (INVISIBLE_TAGS.has(name)) hidden++;
        if (name === 'a' || name === 'area') {
          close();
          const href = (attributes['href'] ?? '').trim();
          if (href !== '') open = { href, text: name === 'area' ? (attributes['alt'] ?? '') : '' };
        } else if (name === 'img' && open !== undefined) {
          addText(` ${attributes['alt'] ?? ''} `);
        } else if (BLOCK_TAGS.has(name)) {
          addText(' ');
        }
      },
      ontext: addText,
      onclosetag(name) {
        if (INVISIBLE_TAGS.has(name) && hidden > 0) hidden--;
        if (name === 'a' || name === 'area') close();
        else if (BLOCK_TAGS.has(name)) addText(' ');
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  close();
  return { links, text: collapse(text) };
}

function collapse(s: string): string {
  return s.replace(/[\s\u00a0\u200b-\u200d\u2060\ufeff]+/g, ' ').trim();
}
