/**
 * smtp-server with a configurable pause before the 220 greeting.
 *
 * smtp-server always waits a fixed 100 ms after accepting a connection before it greets, to catch
 * clients that talk first (they get 421 "You talk too soon"). On a fast network that pause is
 * most of the time a short session takes: measured with smtp-source (20 sessions, one message
 * each) the gateway spent 100 of the 110 ms of a session waiting, which capped it at about 180
 * messages/s with the CPU half idle. Postfix's smtpd greets at once (its pregreet test belongs
 * to postscreen and is off by default), so the pause is configuration here: `smtp.greetPauseMs`,
 * default 0. The early-talker check itself stays: smtp-server refuses commands until the
 * greeting is sent, which also covers the time the connect-time blocklists take.
 *
 * Trust: this replaces smtp-server's SMTPServer.connect() (public in its types) with the same
 * steps and the pause as a parameter. smtp-server is pinned to an exact version and
 * test/smtp/greeting-server.test.ts checks the greeting time and the early-talker refusal, so a
 * change in smtp-server's connection start-up is caught.
 */
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';

export class GreetingSmtpServer extends SMTPServer {
  /** Milliseconds before the 220 greeting; reconfigurable at run time. */
  greetPauseMs: number;

  constructor(options: SMTPServerOptions, greetPauseMs: number) {
    super(options);
    this.greetPauseMs = greetPauseMs;
  }

  override connect(socket: Socket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new SMTPConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection._setListeners(() => {
      const { maxClients } = this.options;
      if (maxClients && this.connections.size > maxClients) {
        connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      if (this.greetPauseMs === 0) {
        connection.connectionReady();
        return;
      }
      setTimeout(() => connection.connectionReady(), this.greetPauseMs).unref();
    });
  }
}
