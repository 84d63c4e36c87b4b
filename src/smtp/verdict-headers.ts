/**
 * The verdict headers prepended to every accepted message, so the recipient's mail client and
 * the downstream server can see what Portcullis decided and why:
 *   X-Portcullis-Verdict: tag; score=7.5; rule=threshold:tag; id=01J...
 *   X-Portcullis-Findings: HEADER_DATE_MISSING=1.5, ...   (folded at 78 columns)
 *   X-Spam-Flag: YES                                      (tag and quarantine only)
 * Finding details are not included: they may quote attacker text.
 */
import type { Verdict } from '../core/verdict.js';

export function verdictHeaders(verdict: Verdict, queueId: string): string {
  const lines = [`X-Portcullis-Verdict: ${verdict.action}; score=${round(verdict.score)}; rule=${safe(verdict.rule)}; id=${queueId}`];
  if (verdict.findings.length > 0) {
    lines.push(fold('X-Portcullis-Findings:', verdict.findings.map((f) => `${safe(f.id)}=${round(f.score)}`)));
  }
  if (verdict.action === 'tag' || verdict.action === 'quarantine') lines.push('X-Spam-Flag: YES');
  return lines.map((l) => `${l}\r\n`).join('');
}

function fold(name: string, items: readonly string[]): string {
  let out = name;
  let lineLength = name.length;
  items.forEach((item, i) => {
    const token = i < items.length - 1 ? `${item},` : item;
    if (lineLength + 1 + token.length > 78) {
      out += `\r\n\t${token}`;
      lineLength = 1 + token.length;
    } else {
      out += ` ${token}`;
      lineLength += 1 + token.length;
    }
  });
  return out;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function safe(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?');
}
