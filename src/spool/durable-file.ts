/**
 * Writes one file durably, for stores beside the spool that keep message copies (the built-in
 * local mailbox): temp file written and fsynced, renamed into place, directory fsynced, with the
 * same reasoning as SpoolStore.commit (a reader never sees a partial file; once this resolves,
 * a power loss cannot undo it). Kept in spool/ because spool/ is the only code that writes
 * message files.
 *
 * Trust: `name` must be a name Portcullis generated (checked against GENERATED_NAME: a ULID and
 * an extension), never one taken from a message or an address.
 */
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import { DirectorySync } from './directory-sync.js';
import { nodeSpoolFiles, type SpoolFileLayer } from './spool-file-layer.js';

const GENERATED_NAME = /^[0-9A-HJKMNP-TV-Z]{26}\.[a-z]{1,8}$/;

export interface DurableFileStore {
  readonly dir: string;
  /** Writes `name` from the source; resolves when it is durable. Rejects on any file error. */
  write(name: string, source: AsyncIterable<Uint8Array>): Promise<{ size: number }>;
  path(name: string): string;
}

export async function openDurableFileStore(dir: string, opts: { fsync: boolean; files?: SpoolFileLayer }): Promise<DurableFileStore> {
  const files = opts.files ?? nodeSpoolFiles;
  await files.mkdir(dir);
  const dirSync = new DirectorySync(files, dir);
  const path = (name: string): string => {
    if (!GENERATED_NAME.test(name)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `not a generated file name: ${JSON.stringify(name)}`);
    return join(dir, name);
  };
  return {
    dir,
    path,
    async write(name, source) {
      const final = path(name);
      const temp = `${final}.tmp`;
      const file = await files.create(temp);
      let size = 0;
      try {
        try {
          for await (const chunk of source) {
            size += chunk.length;
            await file.write(chunk);
          }
          if (opts.fsync) await file.sync();
        } finally {
          await file.close();
        }
        await files.rename(temp, final);
        if (opts.fsync) await dirSync.sync();
      } catch (err) {
        await files.unlink(temp).catch(() => undefined);
        throw err;
      }
      return { size };
    },
  };
}
