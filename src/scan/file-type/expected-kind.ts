/**
 * What a name or a declared Content-Type promises, in the vocabulary of DetectedType['kind'], and
 * whether a detected type breaks that promise in a way that matters.
 *
 * A mismatch matters when the true type can run, hide or carry content the name did not admit
 * (executable, script, disk image, archive, document) — `invoice.pdf` that is a zip, `photo.jpg`
 * that is HTML. It does not matter when the declaration is generic (application/octet-stream),
 * when the bytes are unrecognised or plain text, or for containers of the promised kind (a .docx
 * is a zip, a .doc is an OLE file).
 */
import type { DetectedType } from '../analyzer.js';
import { kindOfFileType } from './detect-type.js';

type Kind = DetectedType['kind'];

/**
 * Extensions that run code or mount content when opened on a desktop (Outlook's Level 1 list and
 * what droppers used after macros were blocked: ISO, LNK, OneNote, HTA...).
 */
export const DANGEROUS_EXTENSIONS: ReadonlySet<string> = new Set([
  'exe', 'scr', 'com', 'pif', 'cpl', 'msi', 'msp', 'mst', 'msc', 'dll', 'sys', 'drv', 'ocx', 'xll', 'wll',
  'bat', 'cmd', 'ps1', 'psm1', 'psd1', 'ps1xml', 'psc1', 'vb', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'wsc', 'ws', 'sct',
  'hta', 'jar', 'lnk', 'url', 'scf', 'inf', 'reg', 'chm', 'hlp', 'application', 'appref-ms', 'gadget',
  'iso', 'img', 'vhd', 'vhdx', 'udf', 'dmg', 'one', 'onepkg',
  'appx', 'appxbundle', 'msix', 'msixbundle', 'apk', 'app', 'pkg', 'sh', 'shb', 'shs', 'settingcontent-ms', 'library-ms', 'search-ms',
]);

/** Extensions an attacker puts before the real one to look harmless (`invoice.pdf.exe`). */
export const DECOY_EXTENSIONS: ReadonlySet<string> = new Set([
  'pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'rtf', 'txt', 'csv', 'odt', 'ods',
  'jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'mp3', 'mp4', 'avi', 'mov', 'wav', 'wmv',
  'zip', 'rar', '7z', 'htm', 'html', 'xml', 'eml', 'msg', 'ics',
]);

/** Extensions the detector never returns but users write, with their kind. */
const EXTRA_EXTENSION_KINDS: ReadonlyMap<string, Kind> = new Map([
  ['jpg', 'image'], ['jpeg', 'image'], ['jpe', 'image'], ['jfif', 'image'], ['png', 'image'], ['gif', 'image'], ['bmp', 'image'],
  ['webp', 'image'], ['tif', 'image'], ['tiff', 'image'], ['heic', 'image'], ['ico', 'image'], ['svg', 'image'], ['avif', 'image'], ['htm', 'document'], ['xhtml', 'document'],
  ['log', 'text'], ['md', 'text'], ['text', 'text'], ['tsv', 'text'], ['eml', 'text'],
  ['scr', 'executable'], ['com', 'executable'], ['pif', 'executable'], ['cpl', 'executable'], ['sys', 'executable'], ['ocx', 'executable'],
  ['msp', 'executable'], ['mst', 'executable'], ['xll', 'executable'], ['msix', 'executable'], ['appx', 'executable'],
  ['cmd', 'script'], ['vbe', 'script'], ['jse', 'script'], ['wsf', 'script'], ['psm1', 'script'], ['py', 'script'], ['pl', 'script'],
  ['tgz', 'archive'], ['tbz2', 'archive'], ['txz', 'archive'],
]);

/** Kinds whose arrival under another name matters. */
const MEANINGFUL_DETECTED: ReadonlySet<Kind> = new Set(['executable', 'script', 'disk-image', 'archive', 'document']);

/** Declared types that say nothing ("some bytes"). */
const GENERIC_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/octet-stream', 'binary/octet-stream', 'application/binary', 'application/unknown', 'application/x-download',
  'application/download', 'application/force-download', 'application/x-msdownload-unknown', 'application/x-unknown', '',
]);

/** Formats that are containers of documents: a .docx detected as a plain zip, a .doc as a bare OLE file. */
const DOCUMENT_CONTAINERS: ReadonlySet<string> = new Set(['application/zip', 'application/x-cfb']);
/** Document extensions whose files are such containers (Office, OpenDocument, EPUB, Outlook). */
const CONTAINER_DOCUMENT_EXTENSION = /^(?:doc|dot|xls|xlt|ppt|pot|pps)[xm]?$|^(?:od[tspgcf]|ot[tspg]|epub|msg|vsdx|xps|oxps)$/;
/** Declared types of such documents. */
const CONTAINER_DOCUMENT_MEDIA_TYPE = /^application\/(?:msword|vnd\.ms-|vnd\.openxmlformats-|vnd\.oasis\.opendocument\.|epub\+zip)/;

/** What a name or a declared type promises: a kind, and whether a zip or OLE file keeps the promise. */
export interface Expectation {
  readonly kind: Kind;
  readonly container: boolean;
}

export function expectedKindOfExtension(extension: string | undefined): Expectation | undefined {
  if (extension === undefined) return undefined;
  const kind = EXTRA_EXTENSION_KINDS.get(extension) ?? kindOfFileType(extension, '');
  return kind === 'other' ? undefined : { kind, container: CONTAINER_DOCUMENT_EXTENSION.test(extension) };
}

export function expectedKindOfMediaType(declared: string | undefined): Expectation | undefined {
  const type = (declared ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const kind = kindOfMediaType(type);
  return kind === undefined ? undefined : { kind, container: CONTAINER_DOCUMENT_MEDIA_TYPE.test(type) };
}

function kindOfMediaType(type: string): Kind | undefined {
  if (GENERIC_MEDIA_TYPES.has(type)) return undefined;
  if (type.startsWith('image/')) return 'image';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'document';
  if (type === 'text/rtf' || type === 'application/rtf' || type === 'application/pdf') return 'document';
  if (CONTAINER_DOCUMENT_MEDIA_TYPE.test(type) || type === 'application/onenote') return 'document';
  if (/javascript|ecmascript|vbscript|x-sh$|x-shellscript|x-bat|powershell|^application\/hta$/.test(type)) return 'script';
  if (/^application\/(?:x-msdownload|x-dosexec|x-executable|x-msdos-program|vnd\.microsoft\.portable-executable|x-mach-binary|java-archive|x-msi)$/.test(type)) {
    return 'executable';
  }
  if (/^application\/(?:zip|x-zip-compressed|x-zip|x-rar|x-rar-compressed|vnd\.rar|x-7z-compressed|gzip|x-gzip|x-tar|x-bzip2|x-xz|x-compressed|x-lzh|vnd\.ms-cab-compressed)$/.test(type)) {
    return 'archive';
  }
  if (/^application\/(?:x-iso9660-image|x-apple-diskimage|x-raw-disk-image)$/.test(type)) return 'disk-image';
  if (type.startsWith('text/')) return 'text';
  if (type.startsWith('audio/') || type.startsWith('video/')) return 'other';
  return undefined;
}

/** True when `detected` breaks the promise of `expected` in a way policy should hear about. */
export function mismatchMatters(expected: Expectation | undefined, detected: DetectedType): boolean {
  if (expected === undefined || expected.kind === detected.kind) return false;
  if (!MEANINGFUL_DETECTED.has(detected.kind)) return false;
  if (expected.kind === 'text' && detected.mime === 'text/html') return false;
  if (expected.container && DOCUMENT_CONTAINERS.has(detected.mime)) return false;
  // An archive that is really a zip-based document (a .zip holding a .docx's parts) hides nothing more.
  if (expected.kind === 'archive' && detected.kind === 'document' && detected.ext !== 'pdf' && detected.ext !== 'html') return false;
  return true;
}
