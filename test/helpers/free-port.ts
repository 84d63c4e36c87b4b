/**
 * A TCP port free on 127.0.0.1 at the time of asking (the kernel picks it; the listener is closed
 * again), for servers started as other processes that cannot report a port 0 back: Postfix's
 * smtp-sink and smtpd in the relay benchmark, clamd in the ClamAV evaluation. Another process may
 * take it in between; callers start their server at once.
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
