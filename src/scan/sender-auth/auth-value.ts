/**
 * Bounds a value that came from DNS, the envelope or a header before it goes into a finding's
 * detail: control characters removed, length capped. Details are read by administrators and
 * stored in tracking; an attacker must not be able to make them long or multi-line.
 */

/** Longest value kept in a detail. */
export const MAX_AUTH_VALUE_CHARS = 200;

export function authValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_AUTH_VALUE_CHARS ? `${clean.slice(0, MAX_AUTH_VALUE_CHARS)}...` : clean || '-';
}
