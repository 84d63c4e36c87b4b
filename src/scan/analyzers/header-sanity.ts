/**
 * Header sanity: the header fields RFC 5322 3.6 requires exactly once (From, Date) or expects
 * at most once (Message-ID), and whether From and Date can be read at all. Spam tools and
 * forged mail often get these wrong; real mail clients almost never do. Reports facts only.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { parseMailboxList } from '../../mime/mailbox-list.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES = /^(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|[A-IK-Za-ik-z])$/;
const DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s*,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(\S+)?$/i;
const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
/** Longest header value quoted in a finding's detail: enough to recognise, never a whole header. */
const DETAIL_CHARS = 80;

function quote(value: string): string {
  return JSON.stringify(value.length > DETAIL_CHARS ? `${value.slice(0, DETAIL_CHARS)}...` : value);
}

/** RFC 5322 3.3 date-time, with the obsolete zones and two-digit years (4.3) mail still uses. */
export function isValidDate(value: string): boolean {
  const m = DATE.exec(value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim());
  if (!m) return false;
  const [, day, month, year, hour, minute, second, zone] = m;
  if (!MONTHS.includes((month as string).toLowerCase())) return false;
  if (zone !== undefined && !ZONES.test(zone)) return false;
  const y = Number(year);
  return (
    Number(day) >= 1 && Number(day) <= 31 && (year as string).length !== 3 && (y < 100 || y >= 1900) &&
    Number(hour) <= 23 && Number(minute) <= 59 && Number(second ?? 0) <= 60
  );
}

/** Reports a missing or repeated field of `family`; returns the first value. */
function checkOnce(ctx: AnalyzerContext, name: string, family: string, out: Finding[]): string | undefined {
  const fields = ctx.message.headers.get(name) ?? [];
  if (fields.length === 0) out.push(finding(`${family}_MISSING`, `no ${name} header`));
  if (fields.length > 1) out.push(finding(`${family}_DUPLICATE`, `${fields.length} ${name} headers`));
  return fields[0]?.value;
}

export const headerSanity: Analyzer = {
  name: 'header-sanity',
  directions: ['inbound', 'outbound'],
  dependsOn: [],
  async analyze(ctx) {
    const out: Finding[] = [];
    const from = checkOnce(ctx, 'from', 'HEADER_FROM', out);
    if (from !== undefined && parseMailboxList(from) === undefined) {
      out.push(finding('HEADER_FROM_MALFORMED', `From ${quote(from)} is not a valid address list`));
    }
    const date = checkOnce(ctx, 'date', 'HEADER_DATE', out);
    if (date !== undefined && !isValidDate(date)) out.push(finding('HEADER_DATE_INVALID', `Date ${quote(date)} cannot be parsed`));
    const messageId = checkOnce(ctx, 'message-id', 'HEADER_MESSAGE_ID', out);
    if (messageId !== undefined && !MESSAGE_ID.test(messageId)) {
      out.push(finding('HEADER_MESSAGE_ID_MALFORMED', `Message-ID ${quote(messageId)} is not <id@domain>`));
    }
    return out;
  },
};
