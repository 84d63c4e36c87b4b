/**
 * The text a reader sees in an HTML body, the text hidden from them, and the URLs it links to,
 * for the Bayes tokenizer and the spam heuristics. Hidden means styled so a person cannot read
 * it while a filter can: display:none, visibility:hidden, a font size of 0 or 1, white text
 * with no background, `hidden` attributes. Spammers pad mail with such text to poison filters.
 *
 * Trusts nothing: htmlparser2 tokenizes (linear, no tree kept); the kept text is capped at
 * MAX_HTML_TEXT_CHARS and the URLs at MAX_HTML_URLS; script and style text is never kept.
 */
import { Parser } from 'htmlparser2';

/** Most characters of visible (and of hidden) text kept per HTML body. */
export const MAX_HTML_TEXT_CHARS = 256 * 1024;
/** Most URLs kept per HTML body. */
export const MAX_HTML_URLS = 200;

export interface HtmlText {
  /** Visible text, with a space where tags were. */
  readonly text: string;
  /** Characters of non-blank text a reader cannot see. */
  readonly hiddenChars: number;
  /** Characters of non-blank visible text. */
  readonly visibleChars: number;
  /** href, src and form-action URLs that are absolute (http, https or protocol-relative). */
  readonly urls: readonly string[];
}

const SKIPPED_ELEMENTS = new Set(['script', 'style', 'head', 'noscript', 'template']);
const URL_ATTRIBUTES = ['href', 'src', 'action'] as const;
const ABSOLUTE_URL = /^\s*(?:https?:)?\/\//i;
const HIDDEN_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?\s*(?:px|pt)?\s*(?:;|$|!)|(?:^|[;\s])color\s*:\s*(?:#fff(?:fff)?|white)\b/i;
const NON_BLANK = /\S/g;

function isHidden(name: string, attributes: Record<string, string>): boolean {
  if (attributes.hidden !== undefined) return true;
  const style = attributes.style;
  if (style !== undefined && HIDDEN_STYLE.test(style)) {
    // White text on a background the sender chose is visible; white on the default page is not.
    return !/background/i.test(style);
  }
  if (name === 'font') {
    const size = attributes.size?.trim();
    const color = attributes.color?.trim().toLowerCase();
    return size === '0' || size === '1' || color === '#ffffff' || color === '#fff' || color === 'white';
  }
  return false;
}

function countNonBlank(text: string): number {
  return text.match(NON_BLANK)?.length ?? 0;
}

export function readHtmlText(html: string): HtmlText {
  let text = '';
  let hiddenChars = 0;
  let visibleChars = 0;
  const urls: string[] = [];
  // One entry per open element: whether it hides its content, whether it is skipped.
  const stack: { hidden: boolean; skipped: boolean }[] = [];
  let hiddenDepth = 0;
  let skippedDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const hidden = isHidden(name, attributes);
        const skipped = SKIPPED_ELEMENTS.has(name);
        stack.push({ hidden, skipped });
        if (hidden) hiddenDepth++;
        if (skipped) skippedDepth++;
        for (const key of URL_ATTRIBUTES) {
          const value = attributes[key];
          if (value !== undefined && urls.length < MAX_HTML_URLS && ABSOLUTE_URL.test(value)) urls.push(value.trim());
        }
        if (name === 'img' && attributes.alt && text.length < MAX_HTML_TEXT_CHARS) text += ` ${attributes.alt} `;
      },
      onclosetag() {
        const top = stack.pop();
        if (top?.hidden) hiddenDepth--;
        if (top?.skipped) skippedDepth--;
        if (text.length < MAX_HTML_TEXT_CHARS) text += ' ';
      },
      ontext(data) {
        if (skippedDepth > 0) return;
        const n = countNonBlank(data);
        if (hiddenDepth > 0) {
          hiddenChars += n;
          return;
        }
        visibleChars += n;
        if (text.length < MAX_HTML_TEXT_CHARS) text += data.slice(0, MAX_HTML_TEXT_CHARS - text.length);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { text, hiddenChars, visibleChars, urls };
}

const byMessage = new WeakMap<object, readonly HtmlText[]>();

/**
 * The HtmlText of each HTML body of a message, read once per message and shared by the
 * analyzers that need it (the tokenizer and the heuristics): `message` is the key, so the memo
 * goes with the message.
 */
export function htmlTextsOf(message: { readonly htmlBodies: readonly string[] }): readonly HtmlText[] {
  let texts = byMessage.get(message);
  if (texts === undefined) {
    texts = message.htmlBodies.map(readHtmlText);
    byMessage.set(message, texts);
  }
  return texts;
}
