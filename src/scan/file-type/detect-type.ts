/**
 * detectType(): the true type of a file from its bytes, whatever its name says.
 *
 * Order, and why: (1) the project's own binary checks (binary-signature.ts) decide first for the
 * formats policy blocks, so they rest on rules we read and test; (2) file-type 21 (pure
 * JavaScript, reads only the buffer it is given: it works inside the permission-model sandbox)
 * names the many ordinary formats, except its weak guesses (`exe` for a bare "MZ", `dmg` for a
 * two-byte zlib header), which the own checks have already confirmed or refused; (3) when the
 * bytes are text, the text heuristics (text-type.ts: scripts, HTA, HTML, plain text) win over
 * file-type's binary guesses (it finds MPEG frame syncs inside UTF-16 scripts), but not over the
 * documents that may be pure text (an ASCII PDF, RTF). Unknown bytes are
 * `application/octet-stream`, kind `other`.
 *
 * Trusts nothing: file-type carries its own hard limits (1 MiB per zip entry it inflates, 1,024
 * entries); whatever it throws on hostile input is caught and treated as "not recognised", so
 * detectType never rejects.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { DetectedType } from '../analyzer.js';
import { binarySignature } from './binary-signature.js';
import { textType } from './text-type.js';

export const UNKNOWN_TYPE: DetectedType = { mime: 'application/octet-stream', ext: '', kind: 'other' };

/** file-type results that are only guesses; the own checks decide these formats. */
const WEAK_GUESSES: ReadonlySet<string> = new Set(['exe', 'dmg']);
/** Documents that may be pure text (an ASCII PDF): file-type's name stands, scripts inside are theirs to analyse. */
const TEXT_DOCUMENTS: ReadonlySet<string> = new Set(['pdf', 'rtf', 'ps', 'eps', 'ics', 'vcf', 'vtt']);
/** file-type results that are text formats: the text heuristics may still find a script or HTA in them. */
const TEXT_RESULTS: ReadonlySet<string> = new Set(['xml', 'reg']);

export async function detectType(bytes: Uint8Array): Promise<DetectedType> {
  const own = binarySignature(bytes);
  if (own) return own;
  const found = await fileTypeOf(bytes);
  const named = found && !WEAK_GUESSES.has(found.ext) ? { mime: found.mime, ext: found.ext, kind: kindOfFileType(found.ext, found.mime) } : undefined;
  if (named && TEXT_DOCUMENTS.has(named.ext)) return named;
  const text = textType(bytes);
  if (text === undefined) return named ?? UNKNOWN_TYPE;
  // file-type's name for a text format (reg, xml) stands unless the text holds something more precise.
  if (named && TEXT_RESULTS.has(named.ext) && text.kind === 'text') return named;
  // Bytes that are all text are no binary format: file-type's other guesses on text (an MPEG
  // frame sync found inside a UTF-16 script) lose to the text heuristics.
  return text;
}

async function fileTypeOf(bytes: Uint8Array): Promise<{ readonly ext: string; readonly mime: string } | undefined> {
  try {
    return await fileTypeFromBuffer(bytes);
  } catch {
    // A hostile header made file-type give up: the bytes are simply not recognised by it.
    return undefined;
  }
}

const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set(['exe', 'dll', 'elf', 'macho', 'class', 'jar', 'apk', 'xpi', 'crx', 'msi', 'dex', 'lnk', 'chm']);
const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set([
  'zip', 'tar', 'tar.gz', 'rar', 'gz', 'bz2', 'asar', '7z', 'xz', 'zst', 'lz', 'lzma', 'lzh', 'lz4', 'cab', 'ar', 'deb', 'rpm', 'cpio', 'arj', 'Z', 'ace', 'alz', 'zlib', 'br', 'tgz', 'pst',
]);
const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set([
  'pdf', 'rtf', 'doc', 'docx', 'docm', 'dotx', 'dotm', 'xls', 'xlsx', 'xlsm', 'xltx', 'xltm', 'ppt', 'pptx', 'pptm', 'potx', 'potm', 'ppsx', 'ppsm',
  'ott', 'ots', 'otp', 'otg', 'odt', 'ods', 'odp', 'odg', 'odc', 'odf', 'epub', 'cfb', 'ps', 'eps', 'indd', 'one', 'msg', 'xps', 'oxps', 'mobi', 'vsdx', 'ai', 'pub', 'html',
]);
const DISK_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['iso', 'udf', 'img', 'dmg', 'vhd', 'vhdx', 'vmdk', 'qcow2', 'squashfs']);
const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['reg', 'sh', 'js', 'hta', 'ps1', 'vbs', 'bat']);
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(['txt', 'xml', 'json', 'csv', 'ics', 'vcf', 'srt', 'vtt']);

/** The coarse class of a type named by file-type (or by an extension in the same vocabulary). */
export function kindOfFileType(ext: string, mime: string): DetectedType['kind'] {
  if (EXECUTABLE_EXTENSIONS.has(ext)) return 'executable';
  if (SCRIPT_EXTENSIONS.has(ext)) return 'script';
  if (DISK_IMAGE_EXTENSIONS.has(ext)) return 'disk-image';
  if (ARCHIVE_EXTENSIONS.has(ext)) return 'archive';
  if (DOCUMENT_EXTENSIONS.has(ext)) return 'document';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  if (mime.startsWith('image/')) return 'image';
  return 'other';
}
