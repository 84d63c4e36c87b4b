/**
 * Test helper: reference encoders that build uuencode, BinHex 4.0 and TNEF bytes at run time, so
 * the decoder tests never depend on files from elsewhere.
 */
/** A reference uuencoder (full lines of 45 bytes, backquote for zero). */
export function uuencode(data: Buffer, name: string): string {
  const enc = (v: number): string => (v === 0 ? '`' : String.fromCharCode(v + 32));
  const lines = [`begin 644 ${name}`];
  for (let i = 0; i < data.length; i += 45) {
    const chunk = data.subarray(i, i + 45);
    let line = enc(chunk.length);
    for (let j = 0; j < chunk.length; j += 3) {
      const [a = 0, b = 0, c = 0] = chunk.subarray(j, j + 3);
      line += enc(a >> 2) + enc(((a & 3) << 4) | (b >> 4)) + enc(((b & 15) << 2) | (c >> 6)) + enc(c & 63);
    }
    lines.push(line);
  }
  lines.push('`', 'end');
  return lines.join('\r\n');
}

const ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';

/** A reference BinHex 4.0 encoder (with run-length compression of runs, CRCs left zero). */
export function binhex(name: string, data: Buffer): string {
  const header = Buffer.alloc(1 + name.length + 1 + 4 + 4 + 2 + 4 + 4 + 2);
  header[0] = name.length;
  header.write(name, 1, 'latin1');
  header.writeUInt32BE(data.length, 1 + name.length + 1 + 10);
  const stream = Buffer.concat([header, data, Buffer.alloc(2), Buffer.alloc(2)]);
  const rle: number[] = [];
  for (let i = 0; i < stream.length; ) {
    const b = stream[i] as number;
    let run = 1;
    while (i + run < stream.length && stream[i + run] === b && run < 255) run++;
    if (b === 0x90) rle.push(0x90, 0);
    else rle.push(b);
    if (run > 2 && b !== 0x90) {
      rle.push(0x90, run);
      i += run;
    } else {
      i += 1;
    }
  }
  let bits = '';
  for (const b of rle) bits += b.toString(2).padStart(8, '0');
  while (bits.length % 6 !== 0) bits += '0';
  let chars = '';
  for (let i = 0; i < bits.length; i += 6) chars += ALPHABET[parseInt(bits.slice(i, i + 6), 2)];
  return `(This file must be converted with BinHex 4.0)\r\n:${chars.replace(/(.{64})/g, '$1\r\n')}:\r\n`;
}

function attribute(level: number, id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head[0] = level;
  head.writeUInt32LE(id, 1);
  head.writeUInt32LE(data.length, 5);
  const sum = Buffer.alloc(2);
  sum.writeUInt16LE(data.reduce((a, b) => (a + b) & 0xffff, 0));
  return Buffer.concat([head, data, sum]);
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

/** attAttachment MAPI properties: a long file name (unicode) and optionally the data as PR_ATTACH_DATA_BIN. */
function mapiProps(longName: string, data?: Buffer): Buffer {
  const props: Buffer[] = [];
  const name = Buffer.from(`${longName}\0`, 'utf16le');
  props.push(Buffer.from([0x1f, 0x00, 0x07, 0x37]), u32(1), u32(name.length), pad4(name));
  // A fixed-size property between them, which the reader must skip.
  props.push(Buffer.from([0x03, 0x00, 0x05, 0x37]), u32(7));
  if (data) props.push(Buffer.from([0x02, 0x01, 0x01, 0x37]), u32(1), u32(data.length), pad4(data));
  return Buffer.concat([u32(data ? 3 : 2), ...props]);
}

/** A TNEF stream with the given attachments, built the way Outlook writes them. */
export function buildTnef(files: readonly { title: string; longName?: string; data: Buffer; dataInProps?: boolean }[]): Buffer {
  const parts: Buffer[] = [u32(0x223e9f78), Buffer.from([0x01, 0x00]), attribute(1, 0x00089006, u32(0x00010000))];
  for (const f of files) {
    parts.push(attribute(2, 0x00069002, Buffer.alloc(14)));
    parts.push(attribute(2, 0x00018010, Buffer.from(`${f.title}\0`, 'latin1')));
    if (!f.dataInProps) parts.push(attribute(2, 0x0006800f, f.data));
    if (f.longName !== undefined || f.dataInProps) parts.push(attribute(2, 0x00069005, mapiProps(f.longName ?? f.title, f.dataInProps ? f.data : undefined)));
  }
  return Buffer.concat(parts);
}
