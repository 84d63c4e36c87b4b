/**
 * The clamd client against a fake clamd (a net server on 127.0.0.1:0 and on a unix socket that
 * speaks INSTREAM): OK, FOUND, ERROR, garbage, a silent server (timeout), a closed port, an
 * aborted signal, a file over maxBytes (never sent), and the exact bytes on the wire.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClamdClient, instreamFrames } from '../../src/scan/clamd-client.js';
import { isPortcullisError } from '../../src/core/errors.js';
import { configSchema } from '../../src/config/schema.js';

type Behaviour = (request: { command: string; stream: Buffer }, socket: Socket) => void;

interface FakeClamd {
  readonly server: Server;
  /** Every complete request the fake received, in order. */
  readonly requests: { command: string; stream: Buffer }[];
  behaviour: Behaviour;
}

/** Parses INSTREAM as clamd does and hands the complete request to the current behaviour. */
function fakeClamd(): FakeClamd {
  const fake: FakeClamd = {
    requests: [],
    behaviour: (_req, socket) => socket.end('stream: OK\0'),
    server: createServer((socket) => {
      let buffer = Buffer.alloc(0);
      let command: string | undefined;
      const chunks: Buffer[] = [];
      socket.on('error', () => {});
      socket.on('data', (data: Buffer) => {
        buffer = Buffer.concat([buffer, data]);
        if (command === undefined) {
          const nul = buffer.indexOf(0);
          if (nul < 0) return;
          command = buffer.subarray(0, nul).toString('latin1');
          buffer = buffer.subarray(nul + 1);
          if (command === 'zPING') {
            fake.requests.push({ command, stream: Buffer.alloc(0) });
            fake.behaviour({ command, stream: Buffer.alloc(0) }, socket);
            return;
          }
        }
        while (buffer.length >= 4) {
          const length = buffer.readUInt32BE(0);
          if (length === 0) {
            const request = { command, stream: Buffer.concat(chunks) };
            fake.requests.push(request);
            fake.behaviour(request, socket);
            buffer = buffer.subarray(4);
            return;
          }
          if (buffer.length < 4 + length) return;
          chunks.push(buffer.subarray(4, 4 + length));
          buffer = buffer.subarray(4 + length);
        }
      });
    }),
  };
  return fake;
}

function listen(server: Server, where: number | string): Promise<void> {
  return new Promise((resolve) => (typeof where === 'number' ? server.listen(where, '127.0.0.1', resolve) : server.listen(where, resolve)));
}

const never = (): AbortSignal => new AbortController().signal;

describe('ClamdClient over TCP', () => {
  const fake = fakeClamd();
  let client: ClamdClient;
  let port = 0;

  before(async () => {
    await listen(fake.server, 0);
    port = (fake.server.address() as { port: number }).port;
    client = new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 2000, maxBytes: 1_000_000 });
  });
  after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  it('sends zINSTREAM, length-prefixed chunks and a zero terminator, and reads OK as clean', async () => {
    fake.behaviour = (_req, socket) => socket.end('stream: OK\0');
    const content = Buffer.alloc(150_000, 7);
    assert.deepEqual(await client.scan(content, never()), { infected: false });
    const last = fake.requests.at(-1);
    assert.equal(last?.command, 'zINSTREAM');
    assert.deepEqual(last?.stream, content);
  });

  it('reports the signature of a FOUND answer', async () => {
    fake.behaviour = (_req, socket) => socket.end('stream: Portcullis.Test.Sig FOUND\0');
    assert.deepEqual(await client.scan(Buffer.from('bad'), never()), { infected: true, signature: 'Portcullis.Test.Sig' });
  });

  it('scans an empty file', async () => {
    fake.behaviour = (req, socket) => socket.end(req.stream.length === 0 ? 'stream: OK\0' : 'stream: Wrong FOUND\0');
    assert.deepEqual(await client.scan(new Uint8Array(0), never()), { infected: false });
  });

  it('rejects with clamd\'s text on ERROR (e.g. StreamMaxLength)', async () => {
    fake.behaviour = (_req, socket) => socket.end('INSTREAM size limit exceeded. ERROR\0');
    await assert.rejects(client.scan(Buffer.from('x'), never()), (err: unknown) => {
      assert.ok(isPortcullisError(err, 'PORTCULLIS_ERR_VIRUS_SCANNER'));
      assert.match(err.message, /size limit exceeded\. ERROR/);
      assert.match(err.message, new RegExp(`tcp://127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  it('rejects an answer that is not clamd\'s grammar, and a close without an answer', async () => {
    fake.behaviour = (_req, socket) => socket.end('hello there\0');
    await assert.rejects(client.scan(Buffer.from('x'), never()), /unexpected answer/);
    fake.behaviour = (_req, socket) => socket.end();
    await assert.rejects(client.scan(Buffer.from('x'), never()), /closed without an answer/);
    fake.behaviour = (_req, socket) => socket.end('stream: OK');
    await assert.rejects(client.scan(Buffer.from('x'), never()), /partial answer/);
  });

  it('rejects an endless answer', async () => {
    fake.behaviour = (_req, socket) => socket.write(Buffer.alloc(10_000, 0x41));
    await assert.rejects(client.scan(Buffer.from('x'), never()), /answer longer than/);
  });

  it('times out on a silent clamd', async () => {
    fake.behaviour = () => {};
    const quick = new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 200, maxBytes: 100 });
    const started = Date.now();
    await assert.rejects(quick.scan(Buffer.from('x'), never()), /no answer within 200 ms/);
    assert.ok(Date.now() - started < 1500);
  });

  it('stops when the signal aborts, before or during the request', async () => {
    fake.behaviour = () => {};
    await assert.rejects(client.scan(Buffer.from('x'), AbortSignal.abort()), /aborted before it started/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(client.scan(Buffer.from('x'), controller.signal), /aborted/);
  });

  it('never sends a file over maxBytes', async () => {
    const small = new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 2000, maxBytes: 10 });
    const before = fake.requests.length;
    await assert.rejects(small.scan(Buffer.alloc(11), never()), /over scan\.clamav\.maxBytes/);
    assert.equal(fake.requests.length, before);
    assert.equal(small.maxBytes, 10);
  });

  it('answers PING with PONG', async () => {
    fake.behaviour = (_req, socket) => socket.end('PONG\0');
    await client.ping(never());
    assert.equal(fake.requests.at(-1)?.command, 'zPING');
  });

  it('rejects a zero or negative limit instead of switching it off', () => {
    assert.throws(() => new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 0, maxBytes: 10 }), RangeError);
    assert.throws(() => new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 10, maxBytes: 0 }), RangeError);
  });
});

describe('ClamdClient failures and unix sockets', () => {
  it('rejects when nothing listens on the port', async () => {
    const server = createServer();
    await listen(server, 0);
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 2000, maxBytes: 100 });
    await assert.rejects(client.scan(Buffer.from('x'), never()), /connection failed \(ECONNREFUSED\)/);
  });

  it('speaks INSTREAM over a unix socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-clamd-'));
    const fake = fakeClamd();
    try {
      const path = join(dir, 'clamd.sock');
      await listen(fake.server, path);
      fake.behaviour = (_req, socket) => socket.end('stream: Unix.Test FOUND\0');
      const client = new ClamdClient({ address: { kind: 'unix', path }, timeoutMs: 2000, maxBytes: 100 });
      assert.deepEqual(await client.scan(Buffer.from('abc'), never()), { infected: true, signature: 'Unix.Test' });
      assert.deepEqual(fake.requests.at(-1)?.stream, Buffer.from('abc'));
    } finally {
      await new Promise<void>((resolve) => fake.server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('instreamFrames', () => {
  it('splits into 64 KiB chunks with big-endian lengths and ends with four zero bytes', () => {
    const frames = instreamFrames(Buffer.alloc(65536 + 3, 1));
    assert.equal(Buffer.from(frames[0] as Uint8Array).toString('latin1'), 'zINSTREAM\0');
    assert.deepEqual(Buffer.from(frames[1] as Uint8Array), Buffer.from([0, 1, 0, 0]));
    assert.equal((frames[2] as Uint8Array).length, 65536);
    assert.deepEqual(Buffer.from(frames[3] as Uint8Array), Buffer.from([0, 0, 0, 3]));
    assert.deepEqual(Buffer.from(frames.at(-1) as Uint8Array), Buffer.alloc(4));
    assert.equal(frames.length, 6);
  });
});

describe('scan.clamav.address in the configuration', () => {
  const address = (value: string): unknown => configSchema.parse({ scan: { clamav: { address: value } } }).scan.clamav?.address;

  it('reads tcp://host:port, tcp://[v6]:port and unix socket paths, with the defaults', () => {
    assert.deepEqual(address('tcp://127.0.0.1:3310'), { kind: 'tcp', host: '127.0.0.1', port: 3310 });
    assert.deepEqual(address('tcp://[::1]:3310'), { kind: 'tcp', host: '::1', port: 3310 });
    assert.deepEqual(address('/run/clamav/clamd.ctl'), { kind: 'unix', path: '/run/clamav/clamd.ctl' });
    assert.deepEqual(address('unix:/run/clamav/clamd.ctl'), { kind: 'unix', path: '/run/clamav/clamd.ctl' });
    const clamav = configSchema.parse({ scan: { clamav: { address: '/s' } } }).scan.clamav;
    assert.equal(clamav?.timeoutMs, 15000);
    assert.equal(clamav?.maxBytes, 25 * 1024 * 1024);
    assert.equal(configSchema.parse({}).scan.clamav, undefined);
  });

  it('refuses relative paths, missing or out-of-range ports and zero limits', () => {
    for (const bad of ['clamd.sock', 'tcp://127.0.0.1', 'tcp://127.0.0.1:0', 'tcp://127.0.0.1:70000', 'http://x:1']) {
      assert.throws(() => address(bad), /expected tcp:\/\/host:port/, bad);
    }
    assert.throws(() => configSchema.parse({ scan: { clamav: { address: '/s', maxBytes: 0 } } }));
    assert.throws(() => configSchema.parse({ scan: { clamav: { address: '/s', timeoutMs: 0 } } }));
  });
});
