/**
 * The project's own checks for the dangerous binary formats, applied before file-type so that the
 * formats policy blocks are recognised by rules we can read and test: PE (EXE/DLL), DOS MZ, ELF,
 * Mach-O (thin, fat and fat64; told from Java classes by the architecture count), Java class,
 * Windows shortcut (LNK), ISO9660 and UDF volumes, raw disk images (FAT/NTFS/exFAT boot sector,
 * MBR), VHD/VHDX/VMDK/DMG, OneNote sections, OLE compound files (MSI/MSP/MST told apart by the
 * root CLSID, else a document), CHM, and zips that are programs (JAR, APK, MSIX/APPX).
 *
 * Trusts nothing: every read is bounds-checked, work is bounded by the constants below, and the
 * function never throws. Returns undefined when none of these formats matches.
 */
import type { DetectedType } from '../analyzer.js';
import { isZip, zipEntryNames } from './zip-entry-names.js';

/** ISO9660/UDF volume descriptors start at sector 16 (2048-byte sectors); look this many sectors on. */
const VOLUME_DESCRIPTOR_SECTORS = 32;
const SECTOR = 2048;
const VOLUME_AREA = 16 * SECTOR;

export function binarySignature(bytes: Uint8Array): DetectedType | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    portableExecutable(bytes, view) ??
    elf(bytes) ??
    machOOrJavaClass(bytes, view) ??
    shortcut(bytes) ??
    oneNote(bytes) ??
    compoundFile(bytes, view) ??
    helpFile(bytes, view) ??
    executableZip(bytes) ??
    diskImage(bytes, view)
  );
}

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (at < 0 || at + magic.length > bytes.length) return false;
  return magic.every((b, i) => bytes[at + i] === b);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function portableExecutable(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  if (bytes[0] !== 0x4d || bytes[1] !== 0x5a) return undefined;
  if (bytes.length >= 0x40) {
    const peOffset = view.getUint32(0x3c, true);
    if (peOffset + 24 <= bytes.length && startsWith(bytes, [0x50, 0x45, 0, 0], peOffset)) {
      const characteristics = view.getUint16(peOffset + 22, true);
      // IMAGE_FILE_DLL: a library still runs code when loaded (rundll32, side-loading).
      if ((characteristics & 0x2000) !== 0) return { mime: 'application/x-msdownload', ext: 'dll', kind: 'executable' };
      return { mime: 'application/x-msdownload', ext: 'exe', kind: 'executable' };
    }
  }
  // "MZ" alone starts plenty of text ("MZ-2 engine manual"); a DOS program has binary header words.
  const header = bytes.subarray(0, Math.min(bytes.length, 64));
  const binary = header.some((b) => b < 0x09 || (b > 0x0d && b < 0x20));
  return binary ? { mime: 'application/x-dosexec', ext: 'exe', kind: 'executable' } : undefined;
}

function elf(bytes: Uint8Array): DetectedType | undefined {
  if (!startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46]) || bytes.length < 5) return undefined;
  // EI_CLASS is 1 (32-bit) or 2 (64-bit) in every real ELF.
  return bytes[4] === 1 || bytes[4] === 2 ? { mime: 'application/x-elf', ext: 'elf', kind: 'executable' } : undefined;
}

function machOOrJavaClass(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  const magic = view.getUint32(0, false);
  const thin = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe];
  if (thin.includes(magic)) return { mime: 'application/x-mach-binary', ext: 'macho', kind: 'executable' };
  const fat = [0xcafebabe, 0xbebafeca, 0xcafebabf, 0xbfbafeca];
  if (!fat.includes(magic) || bytes.length < 8) return undefined;
  // 0xCAFEBABE is also a Java class. A fat binary holds a handful of architectures; a class file
  // has its major version (45 and up) there. Apple's file(1) draws the line at 20 too.
  const count = magic === 0xbebafeca || magic === 0xbfbafeca ? view.getUint32(4, true) : view.getUint32(4, false);
  if (count > 0 && count < 20) return { mime: 'application/x-mach-binary', ext: 'macho', kind: 'executable' };
  if (magic === 0xcafebabe) return { mime: 'application/java-vm', ext: 'class', kind: 'executable' };
  return undefined;
}

/** Header size 0x4C then LinkCLSID 00021401-0000-0000-C000-000000000046 (MS-SHLLINK 2.1). */
const LNK_HEADER = [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46];

function shortcut(bytes: Uint8Array): DetectedType | undefined {
  return startsWith(bytes, LNK_HEADER) ? { mime: 'application/x-ms-shortcut', ext: 'lnk', kind: 'executable' } : undefined;
}

/** The OneNote section file GUID {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3} (MS-ONESTORE 2.3.1). */
const ONENOTE_GUID = [0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3];

function oneNote(bytes: Uint8Array): DetectedType | undefined {
  return startsWith(bytes, ONENOTE_GUID) ? { mime: 'application/onenote', ext: 'one', kind: 'document' } : undefined;
}

const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Root storage CLSIDs (the first 4 bytes, little-endian; all end in -0000-0000-C000-000000000046 but PowerPoint's). */
const CFB_ROOT_CLASSES: ReadonlyMap<number, DetectedType> = new Map([
  [0x000c1084, { mime: 'application/x-msi', ext: 'msi', kind: 'executable' }],
  [0x000c1086, { mime: 'application/x-ms-patch', ext: 'msp', kind: 'executable' }],
  [0x000c1082, { mime: 'application/x-ms-transform', ext: 'mst', kind: 'executable' }],
  [0x00020906, { mime: 'application/msword', ext: 'doc', kind: 'document' }],
  [0x00020820, { mime: 'application/vnd.ms-excel', ext: 'xls', kind: 'document' }],
  [0x00020810, { mime: 'application/vnd.ms-excel', ext: 'xls', kind: 'document' }],
  [0x64818d10, { mime: 'application/vnd.ms-powerpoint', ext: 'ppt', kind: 'document' }],
  [0x00020d0b, { mime: 'application/vnd.ms-outlook', ext: 'msg', kind: 'document' }],
]);

function compoundFile(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  if (!startsWith(bytes, CFB_MAGIC)) return undefined;
  const generic: DetectedType = { mime: 'application/x-cfb', ext: 'cfb', kind: 'document' };
  if (bytes.length < 0x34) return generic;
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) return generic;
  // The root directory entry is the first entry of the first directory sector; its CLSID is at 0x50.
  const rootEntry = (view.getUint32(0x30, true) + 1) * 2 ** sectorShift;
  if (rootEntry + 0x60 > bytes.length) return generic;
  return CFB_ROOT_CLASSES.get(view.getUint32(rootEntry + 0x50, true)) ?? generic;
}

function helpFile(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  // ITSF version 3: compiled HTML help, which runs script through hh.exe (an old dropper favourite).
  if (!startsWith(bytes, ascii('ITSF')) || bytes.length < 8 || view.getUint32(4, true) !== 3) return undefined;
  return { mime: 'application/vnd.ms-htmlhelp', ext: 'chm', kind: 'executable' };
}

function executableZip(bytes: Uint8Array): DetectedType | undefined {
  if (!isZip(bytes)) return undefined;
  for (const raw of zipEntryNames(bytes)) {
    const name = raw.toLowerCase();
    if (name === 'meta-inf/manifest.mf') return { mime: 'application/java-archive', ext: 'jar', kind: 'executable' };
    if (/^classes\d*\.dex$/.test(name) || name === 'androidmanifest.xml') {
      return { mime: 'application/vnd.android.package-archive', ext: 'apk', kind: 'executable' };
    }
    if (name === 'appxmanifest.xml' || name === 'appxmetadata/appxbundlemanifest.xml') {
      return { mime: 'application/msix', ext: 'msix', kind: 'executable' };
    }
  }
  return undefined;
}

function diskImage(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  for (let sector = 0; sector < VOLUME_DESCRIPTOR_SECTORS; sector++) {
    const at = VOLUME_AREA + sector * SECTOR + 1;
    if (at + 5 > bytes.length) break;
    if (startsWith(bytes, ascii('CD001'), at)) return { mime: 'application/x-iso9660-image', ext: 'iso', kind: 'disk-image' };
    for (const id of ['BEA01', 'NSR02', 'NSR03']) {
      if (startsWith(bytes, ascii(id), at)) return { mime: 'application/x-udf-image', ext: 'udf', kind: 'disk-image' };
    }
  }
  if (startsWith(bytes, ascii('vhdxfile'))) return { mime: 'application/x-vhdx', ext: 'vhdx', kind: 'disk-image' };
  if (startsWith(bytes, ascii('KDMV'))) return { mime: 'application/x-vmdk', ext: 'vmdk', kind: 'disk-image' };
  // A VHD's footer is at the end; dynamic disks also copy it to the start.
  if (startsWith(bytes, ascii('conectix')) || startsWith(bytes, ascii('conectix'), bytes.length - 512)) {
    return { mime: 'application/x-vhd', ext: 'vhd', kind: 'disk-image' };
  }
  if (startsWith(bytes, ascii('koly'), bytes.length - 512)) return { mime: 'application/x-apple-diskimage', ext: 'dmg', kind: 'disk-image' };
  return bootSector(bytes, view);
}

/** A raw disk or floppy image (.img): a boot sector naming a file system, or an MBR with a partition. */
function bootSector(bytes: Uint8Array, view: DataView): DetectedType | undefined {
  if (bytes.length < 512 || bytes[510] !== 0x55 || bytes[511] !== 0xaa) return undefined;
  const img: DetectedType = { mime: 'application/x-raw-disk-image', ext: 'img', kind: 'disk-image' };
  const fileSystems: readonly (readonly [string, number])[] = [['FAT12', 0x36], ['FAT16', 0x36], ['FAT32', 0x52], ['NTFS    ', 3], ['EXFAT   ', 3]];
  if (fileSystems.some(([id, at]) => startsWith(bytes, ascii(id), at))) return img;
  let partitions = 0;
  for (let entry = 446; entry < 510; entry += 16) {
    const status = bytes[entry];
    if (status !== 0 && status !== 0x80) return undefined;
    if (bytes[entry + 4] !== 0 && view.getUint32(entry + 12, true) > 0) partitions++;
  }
  return partitions > 0 ? img : undefined;
}
