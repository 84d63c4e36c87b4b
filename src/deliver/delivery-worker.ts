/**
 * The delivery thread's entry point (a worker_threads Worker started by deliver/delivery-thread.ts):
 * the delivery queue with its own database connection, spool view, tracking writer and SMTP
 * client, so that delivery runs on the second core beside the SMTP sessions on the first. Its
 * tracking writer also writes the SMTP side's rows, so that the relay path has one database
 * writer (two connections writing in turn waited on each other's locks and re-read each other's
 * pages).
 *
 * It holds no state the files and the database do not: the spool and the queue rows are the
 * truth, so a replacement thread picks up where a failed one stopped (recover, then poll).
 * Log lines and metric updates go to the main thread, which owns the log destination and the
 * registry /metrics serves; those of one turn of the event loop travel in one message.
 *
 * Trust: messages come from the main thread of the same process (Portcullis's own code).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryWorkerData, FromDeliveryWorker, ToDeliveryWorker } from './delivery-thread-protocol.js';
import { DeliveryQueue, type DeliveryMetrics } from './delivery-queue.js';
import { createLogger } from '../observe/logger.js';
import { TrackingLog } from '../observe/tracking.js';
import { DkimKeyStore } from '../service/dkim-service.js';
import { SpoolStore, spoolDirectory } from '../spool/spool-store.js';
import { openDatabase } from '../store/database.js';

if (!parentPort) throw new Error('delivery-worker.js runs only as a worker thread (deliver/delivery-thread.ts starts it)');
const port = parentPort;
const { config, logLevel } = workerData as DeliveryWorkerData;

let logLines: string[] = [];
let attempts: Record<string, number> = {};
let queueSize: number | undefined;
let reportScheduled = false;

function report(): void {
  reportScheduled = false;
  const message: FromDeliveryWorker = { type: 'report', attempts, queueSize, logLines };
  logLines = [];
  attempts = {};
  queueSize = undefined;
  port.postMessage(message);
}

function scheduleReport(): void {
  if (reportScheduled) return;
  reportScheduled = true;
  setImmediate(report);
}

const logger = createLogger({
  level: logLevel,
  destination: {
    write(line: string): void {
      logLines.push(line);
      scheduleReport();
    },
  },
});
const metrics: DeliveryMetrics = {
  attempted(outcome) {
    attempts[outcome] = (attempts[outcome] ?? 0) + 1;
    scheduleReport();
  },
  queueSize(recipients) {
    queueSize = recipients;
    scheduleReport();
  },
};

// The main thread opened the database (and migrated it) and recovered the spool before starting
// this thread; recovering the spool again here could delete a message being received.
const db = await openDatabase({ dataDir: config.dataDir });
const tracking = new TrackingLog(db, { logger });
const spool = await SpoolStore.open(spoolDirectory(config), { fsync: config.spool.fsync, logger, recover: false });
const queue = new DeliveryQueue({ db, spool, config, logger, tracking, metrics, dkim: new DkimKeyStore(db, config.dataDir) });

async function stop(): Promise<void> {
  await queue.stop();
  await tracking.close();
  await db.destroy();
}

async function handle(message: ToDeliveryWorker): Promise<void> {
  switch (message.type) {
    case 'enqueue': {
      const { id, queueId, record, body } = message;
      spool.remember(queueId, { record, body: body && Buffer.from(body.buffer, body.byteOffset, body.byteLength) });
      await reply(id, () => queue.enqueue(queueId, record));
      return;
    }
    case 'recover':
      await reply(message.id, () => queue.recover());
      return;
    case 'start':
      queue.start();
      return;
    case 'track':
      for (const row of message.rows) {
        if (row.kind === 'event') tracking.event(row.event);
        else tracking.message(row.summary);
      }
      return;
    case 'reconfigure':
      queue.reconfigure(message.config);
      logger.level = message.logLevel;
      return;
    case 'stop':
      await reply(message.id, stop);
      report();
      port.close();
      return;
  }
}

async function reply(id: number, work: () => Promise<number | void>): Promise<void> {
  let message: FromDeliveryWorker;
  try {
    const value = await work();
    message = typeof value === 'number' ? { type: 'reply', id, value } : { type: 'reply', id };
  } catch (err) {
    message = { type: 'reply', id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(message);
}

port.on('message', (message: ToDeliveryWorker) => void handle(message));
port.postMessage({ type: 'ready' } satisfies FromDeliveryWorker);
