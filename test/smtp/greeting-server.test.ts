/**
 * GreetingSmtpServer: the 220 greeting comes after `greetPauseMs` (none by default), a client
 * that talks before it is refused, and smtp-server's own connection limit still applies. These
 * tests also guard the part of smtp-server's start-up the class replaces (pinned version).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { GreetingSmtpServer } from '../../src/smtp/greeting-server.js';
import { connectRawSmtp } from '../helpers/raw-smtp.js';

async function started(greetPauseMs: number, maxClients = 10): Promise<{ server: GreetingSmtpServer; port: number }> {
  const server = new GreetingSmtpServer({ logger: false, disableReverseLookup: true, maxClients, authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'] }, greetPauseMs);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { server, port: (server.server.address() as AddressInfo).port };
}

/** Connects, optionally writes at once, and collects what the server sends until it closes or `quietMs` passes. */
async function talk(port: number, early: string | undefined, quietMs: number): Promise<{ text: string; firstByteMs: number }> {
  const socket = connect(port, '127.0.0.1');
  const start = performance.now();
  let firstByteMs = -1;
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (firstByteMs < 0) firstByteMs = performance.now() - start;
    text += chunk;
  });
  await once(socket, 'connect');
  if (early !== undefined) socket.write(early);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, quietMs);
    socket.once('close', () => (clearTimeout(timer), resolve()));
  });
  socket.destroy();
  return { text, firstByteMs };
}

describe('GreetingSmtpServer', () => {
  const servers: GreetingSmtpServer[] = [];
  after(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  it('greets without a pause by default and serves a normal session', async () => {
    const { server, port } = await started(0);
    servers.push(server);
    const client = await connectRawSmtp('127.0.0.1', port);
    assert.equal(client.greeting.code, 220);
    assert.equal((await client.command('EHLO client.test')).code, 250);
    client.close();
    // smtp-server alone waits 100 ms before greeting: the fastest of three greetings must come
    // before that (the minimum, so one slow moment of a loaded machine does not decide).
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { text, firstByteMs } = await talk(port, undefined, 300);
      assert.match(text, /^220 /);
      times.push(firstByteMs);
    }
    assert.ok(Math.min(...times) < 90, `greetings after ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  });

  it('with a pause, greets only after it and refuses a client that talks first', async () => {
    const { server, port } = await started(400);
    servers.push(server);
    const patient = await talk(port, undefined, 1500);
    assert.match(patient.text, /^220 /);
    assert.ok(patient.firstByteMs >= 395, `greeting after ${patient.firstByteMs.toFixed(1)} ms`);
    const early = await talk(port, 'EHLO too.soon\r\n', 1500);
    assert.match(early.text, /^421 .*You talk too soon/m);
  });

  it('keeps smtp-server\'s limit on connected clients', async () => {
    const { server, port } = await started(0, 1);
    servers.push(server);
    const first = await connectRawSmtp('127.0.0.1', port);
    const second = await talk(port, undefined, 1000);
    assert.match(second.text, /^421 .*Too many connected clients/);
    first.close();
  });
});
