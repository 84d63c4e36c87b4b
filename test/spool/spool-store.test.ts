import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newQueueId } from '../../src/core/queue-id.js';
import { isPortcullisError } from '../../src/core/errors.js';
import { nodeSpoolFiles, type SpoolFileLayer } from '../../src/spool/spool-file-layer.js';
import { SpoolStore, SpoolWriteError, type SpoolRecord } from '../../src/spool/spool-store.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-spool-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = join(root, newQueueId());
  await mkdir(dir);
  return dir;
}

function recordFor(queueId: string, size: number): SpoolRecord {
  return {
    version: 1,
    envelope: {
      queueId,
      clientAddress: '127.0.0.1',
      clientPort: 1234,
      helo: 'client.test',
      mailFrom: 'sender@example.net',
      rcptTo: ['rcpt@example.org'],
      direction: 'inbound',
      receivedAt: Date.now(),
      size,
    },
    prependHeaders: 'Received: from client.test\r\n',
    verdict: { action: 'accept', score: 0, rule: 'threshold:accept', findings: [] },
    recipients: [{ address: 'rcpt@example.org', disposition: 'deliver' }],
  };
}

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

/** A file layer that records every operation (by file base name) and can fail one step. */
function recordingLayer(failAt?: (op: string) => NodeJS.ErrnoException | undefined): { layer: SpoolFileLayer; ops: string[] } {
  const ops: string[] = [];
  const note = (op: string): void => {
    ops.push(op);
    const err = failAt?.(op);
    if (err) throw err;
  };
  const layer: SpoolFileLayer = {
    ...nodeSpoolFiles,
    async create(path) {
      note(`create ${basename(path)}`);
      const file = await nodeSpoolFiles.create(path);
      return {
        async write(data) {
          note(`write ${basename(path)}`);
          await file.write(data);
        },
        async sync() {
          note(`fsync ${basename(path)}`);
          await file.sync();
        },
        async close() {
          note(`close ${basename(path)}`);
          await file.close();
        },
      };
    },
    async rename(from, to) {
      note(`rename ${basename(from)} ${basename(to)}`);
      await nodeSpoolFiles.rename(from, to);
    },
    async fsyncDir(dir) {
      note(`fsyncdir ${basename(dir)}`);
      await nodeSpoolFiles.fsyncDir(dir);
    },
  };
  return { layer, ops };
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
}

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('SpoolStore commit', () => {
  it('appends the record and its footer, fsyncs, renames into place and fsyncs the directory before commit resolves', async () => {
    const dir = await freshDir();
    const { layer, ops } = recordingLayer();
    const spool = await SpoolStore.open(dir, { fsync: true, files: layer });
    const id = newQueueId();
    const writer = spool.createWriter(id);
    const { size } = await writer.receive(chunks('Subject: hi\r\n', '\r\n', 'body\r\n'));
    assert.equal(size, 21);
    ops.length = 0;
    const record = recordFor(id, size);
    await writer.commit(record);
    const d = basename(dir);
    assert.deepEqual(ops, [`write ${id}.msg.tmp`, `fsync ${id}.msg.tmp`, `close ${id}.msg.tmp`, `rename ${id}.msg.tmp ${id}.msg`, `fsyncdir ${d}`]);
    const json = JSON.stringify(record);
    const file = (await readFile(join(dir, `${id}.msg`))).toString();
    assert.equal(file, `Subject: hi\r\n\r\nbody\r\n${json}\n%%PORTCULLIS-RECORD ${String(Buffer.byteLength(json)).padStart(10, '0')}\n`);
    // Read back by another process: the record from the footer, the body up to envelope.size.
    const reader = await SpoolStore.open(dir, { fsync: false, recover: false });
    assert.deepEqual(await reader.read(id), record);
    assert.equal((await bytesOf(reader.openBody(id))).toString(), 'Subject: hi\r\n\r\nbody\r\n');
    assert.deepEqual(await reader.bodyFile(id), { path: join(dir, `${id}.msg`), length: 21 });
    assert.deepEqual(await spool.listCommitted(), [id]);
  });

  it('does not resolve commit before the directory fsync has finished', async () => {
    const dir = await freshDir();
    let releaseDirSync: () => void = () => undefined;
    let dirSyncStarted = false;
    const layer: SpoolFileLayer = {
      ...nodeSpoolFiles,
      async fsyncDir(d) {
        dirSyncStarted = true;
        await new Promise<void>((resolve) => (releaseDirSync = resolve));
        await nodeSpoolFiles.fsyncDir(d);
      },
    };
    const spool = await SpoolStore.open(dir, { fsync: true, files: layer });
    const id = newQueueId();
    const writer = spool.createWriter(id);
    await writer.receive(chunks('x'));
    let committed = false;
    const commit = writer.commit(recordFor(id, 1)).then(() => (committed = true));
    while (!dirSyncStarted) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(committed, false);
    releaseDirSync();
    await commit;
    assert.equal(committed, true);
  });

  it('shares one directory fsync among commits that arrive while one is running', async () => {
    const dir = await freshDir();
    const { layer, ops } = recordingLayer();
    const spool = await SpoolStore.open(dir, { fsync: true, files: layer });
    const ids = Array.from({ length: 8 }, () => newQueueId());
    await Promise.all(
      ids.map(async (id) => {
        const w = spool.createWriter(id);
        await w.receive(chunks('m'));
        await w.commit(recordFor(id, 1));
      }),
    );
    const dirSyncs = ops.filter((o) => o.startsWith('fsyncdir')).length;
    assert.ok(dirSyncs >= 1 && dirSyncs < ids.length, `expected fewer directory fsyncs than commits, got ${dirSyncs}`);
    // Every rename happened before the last directory fsync began.
    const lastDirSync = ops.lastIndexOf(ops.filter((o) => o.startsWith('fsyncdir')).at(-1)!);
    assert.ok(ops.findLastIndex((o) => o.startsWith('rename')) < lastDirSync);
    assert.equal((await spool.listCommitted()).length, ids.length);
  });

  it('skips fsyncs when fsync is off but still renames into place last', async () => {
    const dir = await freshDir();
    const { layer, ops } = recordingLayer();
    const spool = await SpoolStore.open(dir, { fsync: false, files: layer });
    const id = newQueueId();
    const w = spool.createWriter(id);
    await w.receive(chunks('m'));
    await w.commit(recordFor(id, 1));
    assert.equal(ops.filter((o) => o.startsWith('fsync')).length, 0);
    assert.equal(ops[ops.length - 1], `rename ${id}.msg.tmp ${id}.msg`);
  });

  for (const step of ['write', 'fsync', 'close', 'rename', 'fsyncdir']) {
    it(`rejects with PORTCULLIS_ERR_SPOOL_WRITE and leaves no message when ${step} fails with ENOSPC`, async () => {
      const dir = await freshDir();
      let armed = false;
      const { layer } = recordingLayer((op) => (armed && op.startsWith(`${step} `) ? enospc() : undefined));
      const spool = await SpoolStore.open(dir, { fsync: true, files: layer });
      const id = newQueueId();
      const w = spool.createWriter(id);
      if (step === 'write') armed = true;
      const received = w.receive(chunks('data'));
      if (step === 'write') {
        await assert.rejects(received, (err: unknown) => err instanceof SpoolWriteError && err.errno === 'ENOSPC' && err.queueId === id);
        await w.discard();
      } else {
        await received;
        armed = true;
        await assert.rejects(w.commit(recordFor(id, 4)), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_SPOOL_WRITE'));
        await w.discard();
      }
      assert.deepEqual(await spool.listCommitted(), []);
      assert.deepEqual((await readdir(dir)).filter((n) => n !== 'corrupt'), []);
    });
  }

  it('discard removes the temp body, is safe twice, and never removes a committed message', async () => {
    const dir = await freshDir();
    const spool = await SpoolStore.open(dir, { fsync: true });
    const w = spool.createWriter(newQueueId());
    await w.receive(chunks('data'));
    assert.ok(existsSync(w.path));
    await w.discard();
    await w.discard();
    assert.equal(existsSync(w.path), false);

    const id = newQueueId();
    const kept = spool.createWriter(id);
    await kept.receive(chunks('data'));
    await kept.commit(recordFor(id, 4));
    await kept.discard();
    assert.deepEqual(await spool.listCommitted(), [id]);
  });

  it('refuses queue ids that are not ULIDs before touching a path', async () => {
    const spool = await SpoolStore.open(await freshDir(), { fsync: false });
    assert.throws(() => spool.createWriter('../../etc/passwd'), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    await assert.rejects(spool.bodyFile('x/y'), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
  });
});

describe('SpoolStore recent messages (kept in memory until removed)', () => {
  function countingReads(): { layer: SpoolFileLayer; reads: string[] } {
    const reads: string[] = [];
    const layer: SpoolFileLayer = {
      ...nodeSpoolFiles,
      readFile: async (path) => (reads.push(`file ${basename(path)}`), nodeSpoolFiles.readFile(path)),
      readTail: async (path, n) => (reads.push(`tail ${basename(path)}`), nodeSpoolFiles.readTail(path, n)),
      readRange: async (path, start, n) => (reads.push(`range ${basename(path)}`), nodeSpoolFiles.readRange(path, start, n)),
      createReadStream: (path, range) => (reads.push(`stream ${basename(path)}`), nodeSpoolFiles.createReadStream(path, range)),
    };
    return { layer, reads };
  }

  it('serves the record and a small body of a message it committed without reading the files', async () => {
    const dir = await freshDir();
    const { layer, reads } = countingReads();
    const spool = await SpoolStore.open(dir, { fsync: false, files: layer });
    const id = newQueueId();
    const w = spool.createWriter(id);
    const { size } = await w.receive(chunks('Subject: a\r\n', '\r\n', 'small body\r\n'));
    const record = recordFor(id, size);
    await w.commit(record);
    assert.deepEqual(await spool.read(id), record);
    assert.equal((await bytesOf(spool.openBody(id))).toString(), 'Subject: a\r\n\r\nsmall body\r\n');
    assert.deepEqual(reads, []);
    await spool.remove(id);
    await assert.rejects(spool.read(id), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('reads a large body from its file, and the files of messages it did not commit', async () => {
    const dir = await freshDir();
    const { layer, reads } = countingReads();
    const spool = await SpoolStore.open(dir, { fsync: false, files: layer });
    const id = newQueueId();
    const big = 'x'.repeat(300 * 1024);
    const w = spool.createWriter(id);
    const { size } = await w.receive(chunks('Subject: b\r\n\r\n', big));
    await w.commit(recordFor(id, size));
    assert.equal((await bytesOf(spool.openBody(id))).length, size);
    assert.deepEqual(reads, [`stream ${id}.msg`]);
    const other = await SpoolStore.open(dir, { fsync: false, recover: false, files: layer });
    reads.length = 0;
    assert.equal((await other.read(id)).envelope.queueId, id);
    assert.deepEqual(reads, [`tail ${id}.msg`, `range ${id}.msg`]);
  });
});

describe('SpoolStore recovery', () => {
  it('removes temp files and (earlier layout) bodies without records, quarantines records without bodies, keeps committed messages', async () => {
    const dir = await freshDir();
    const spool = await SpoolStore.open(dir, { fsync: true });
    const good = newQueueId();
    const w = spool.createWriter(good);
    await w.receive(chunks('ok'));
    await w.commit(recordFor(good, 2));
    const temp = newQueueId();
    const orphanBody = newQueueId();
    const orphanRecord = newQueueId();
    await writeFile(join(dir, `${temp}.msg.tmp`), 'partial');
    await writeFile(join(dir, `${temp}.env.tmp`), '{');
    await writeFile(join(dir, `${orphanBody}.body`), 'never acknowledged');
    await writeFile(join(dir, `${orphanRecord}.env`), JSON.stringify(recordFor(orphanRecord, 1)));

    const reopened = await SpoolStore.open(dir, { fsync: true });
    assert.equal(reopened.recovery.tempFilesRemoved, 2);
    assert.equal(reopened.recovery.orphanBodiesRemoved, 1);
    assert.deepEqual(reopened.recovery.corrupt, [orphanRecord]);
    assert.deepEqual(await reopened.listCommitted(), [good]);
    assert.ok(existsSync(join(dir, 'corrupt', `${orphanRecord}.env`)));
    assert.deepEqual((await readdir(dir)).sort(), ['corrupt', `${good}.msg`].sort());
  });

  it('with recover off, leaves messages being received alone', async () => {
    const dir = await freshDir();
    const spool = await SpoolStore.open(dir, { fsync: false });
    const w = spool.createWriter(newQueueId());
    await w.receive(chunks('in progress'));
    await SpoolStore.open(dir, { fsync: false, recover: false });
    assert.ok(existsSync(w.path));
    await w.discard();
  });

  it('read rejects a damaged file (footer, record, sizes) as PORTCULLIS_ERR_SPOOL_CORRUPT; remove deletes it', async () => {
    const dir = await freshDir();
    const spool = await SpoolStore.open(dir, { fsync: false });
    const id = newQueueId();
    const w = spool.createWriter(id);
    await w.receive(chunks('b'));
    await w.commit(recordFor(id, 1));
    const path = join(dir, `${id}.msg`);
    const good = await readFile(path);
    const json = JSON.stringify(recordFor(id, 1));
    const footer = (n: number): string => `\n%%PORTCULLIS-RECORD ${String(n).padStart(10, '0')}\n`;
    // Another process (the CLI) reads the file; the writer's own process would use its copy.
    const reader = await SpoolStore.open(dir, { fsync: false, recover: false });
    for (const damaged of [
      good.subarray(0, good.length - 3), // truncated footer
      Buffer.from(`b${json.slice(0, -1)}}${footer(json.length)}`.replace(/"version":1/, '"version":9')), // not a version 1 record
      Buffer.from(`bb${json}${footer(json.length)}`), // the body is not the size the record says
      Buffer.from(`b${json}${footer(json.length + 50)}`), // the footer points before the start
      Buffer.from('short'),
    ]) {
      await writeFile(path, damaged);
      await assert.rejects(reader.read(id), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_SPOOL_CORRUPT'), damaged.toString());
    }
    await reader.remove(id);
    await reader.remove(id);
    assert.deepEqual(await spool.listCommitted(), []);
    assert.equal(existsSync(path), false);
    await assert.rejects(reader.read(id), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('reads, lists and removes a message spooled by an earlier version (ID.body + ID.env)', async () => {
    const dir = await freshDir();
    const id = newQueueId();
    const record = recordFor(id, 9);
    await writeFile(join(dir, `${id}.body`), 'old body!');
    await writeFile(join(dir, `${id}.env`), JSON.stringify(record));
    const spool = await SpoolStore.open(dir, { fsync: false });
    assert.deepEqual(spool.recovery, { tempFilesRemoved: 0, orphanBodiesRemoved: 0, corrupt: [] });
    assert.deepEqual(await spool.listCommitted(), [id]);
    assert.deepEqual(await spool.read(id), record);
    assert.equal((await bytesOf(spool.openBody(id))).toString(), 'old body!');
    assert.deepEqual(await spool.bodyFile(id), { path: join(dir, `${id}.body`), length: 9 });
    await spool.remove(id);
    assert.deepEqual(await readdir(dir), ['corrupt']);
  });
});
