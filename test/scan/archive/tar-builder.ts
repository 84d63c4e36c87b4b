/**
 * Test helper: builds tar archives in memory with tar-stream's pack API (names written as
 * given, including the hostile ones).
 */
import tarStream from 'tar-stream';

export interface TarEntrySpec {
  readonly name: string;
  readonly content?: string | Uint8Array;
  readonly type?: 'file' | 'directory' | 'symlink';
  readonly linkname?: string;
}

export async function buildTar(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    if (type === 'file') pack.entry({ name: entry.name }, Buffer.from(entry.content ?? ''));
    else pack.entry({ name: entry.name, type, ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}) });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
