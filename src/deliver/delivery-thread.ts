/**
 * The delivery queue in a worker thread, as the main thread sees it. The main thread's event
 * loop carries the SMTP sessions, the spool writes and the sandbox traffic; delivery (the SMTP
 * client, the queue rows, the spool removals) was about a third of its work, and on a busy
 * gateway that one loop was the limit while the second core stood partly idle. In its own
 * thread, delivery runs beside the sessions (docs/performance.md has the figures).
 *
 * What crosses: each committed message's record and its in-memory body copy (takeRecent, so the
 * thread need not read back what was just written), the configuration on reload, and the
 * thread's log lines and metric counts back, written to this thread's log destination and
 * registry. The spool and the queue rows stay the truth on both sides.
 *
 * If the thread fails, its pending calls are rejected (an enqueue failure is logged by the
 * SMTP side and the 250 stands, as the message is spooled), and a new thread is started after a
 * pause; it recovers the queue from the spool and the database, as after a restart.
 *
 * Trust: the worker runs Portcullis's own code (deliver/delivery-worker.ts).
 */
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { PortcullisError } from '../core/errors.js';
import { deliveryAttempts, queueSize } from '../observe/metrics.js';
import type { TrackingSink } from '../observe/tracking-event.js';
import type { SpoolRecord, SpoolStore } from '../spool/spool-store.js';
import type { DeliveryWorkerData, FromDeliveryWorker, ToDeliveryWorker, TrackingRow } from './delivery-thread-protocol.js';

/** Pause before a failed delivery thread is replaced, so a thread that fails at once does not spin. */
const RESTART_DELAY_MS = 1_000;
/**
 * The thread's young generation, kept small. Delivering large messages allocates a 64 KB buffer
 * per read of the spool file and little else, and those buffers are freed only when the
 * collector finds their small wrapper objects dead: with V8's default young generation (up to
 * 48 MB) the thread kept tens of MB of dead buffers, and 20 concurrent 25 MB messages grew the
 * process by 75-97 MB instead of the 53-61 MB without the thread (bench:relay --memory-only;
 * the target is < 64 MB). At 1 MB: 52-74 MB, with no measurable cost in relay throughput.
 */
const YOUNG_GENERATION_MB = 1;
/** How long a stopping thread may take to exit after it has recorded its last attempts. */
const STOP_EXIT_WAIT_MS = 5_000;

/**
 * The body as bytes that own their whole ArrayBuffer, so that it can be moved to the thread
 * rather than copied: a small Buffer is usually a slice of Node's shared 8 KB pool, which must
 * be neither detached nor cloned whole, so it is copied out first.
 */
function ownedBytes(body: Buffer | undefined): { readonly bytes: Uint8Array; readonly buffer: ArrayBuffer } | undefined {
  if (!body) return undefined;
  const { buffer } = body;
  if (buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength) return { bytes: new Uint8Array(buffer), buffer };
  const copy = new ArrayBuffer(body.byteLength);
  const bytes = new Uint8Array(copy);
  bytes.set(body);
  return { bytes, buffer: copy };
}

export interface DeliveryThreadOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The SMTP side's spool, whose in-memory copies of committed messages are handed over. */
  readonly spool: Pick<SpoolStore, 'takeRecent'>;
  /** The main thread's own tracking writer, for rows that arrive while no thread runs. */
  readonly tracking: TrackingSink;
}

interface PendingCall {
  readonly resolve: (value: number | undefined) => void;
  readonly reject: (err: Error) => void;
}

export class DeliveryThread {
  private worker!: Worker;
  /** Resolves when the current worker has exited. */
  private exited: Promise<void> = Promise.resolve();
  /** Whether the current worker is ready and has not exited. */
  private alive = false;
  private config: Config;
  private readonly logger: Logger;
  private readonly logDestination: { write(line: string): unknown };
  private readonly pending = new Map<number, PendingCall>();
  private nextCallId = 1;
  private started = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private trackingRows: TrackingRow[] = [];
  private trackingScheduled = false;

  /**
   * Tracking for the SMTP side: rows go to the thread's tracking writer (those of one turn of
   * the event loop in one message), so the relay path has a single database writer; while no
   * thread runs they go to the main thread's own writer. Events are stamped when they happen.
   */
  readonly tracking: TrackingSink = {
    event: (event) => this.track({ kind: 'event', event: { ...event, at: event.at ?? Date.now() } }),
    message: (summary) => this.track({ kind: 'message', summary }),
  };

  private constructor(private readonly options: DeliveryThreadOptions) {
    this.config = options.config;
    this.logger = options.logger;
    // The thread's lines are complete JSON log lines already: they go to the same destination as this thread's.
    this.logDestination = (options.logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym] ?? { write: () => undefined };
  }

  /** Starts the thread and resolves when it has opened the database and the spool. */
  static async start(options: DeliveryThreadOptions): Promise<DeliveryThread> {
    const thread = new DeliveryThread(options);
    try {
      await thread.spawn();
    } catch (err) {
      // A thread that cannot start fails the start-up; it is not replaced behind the caller's back.
      thread.stopping = true;
      clearTimeout(thread.restartTimer);
      throw err;
    }
    return thread;
  }

  /** Whether a delivery thread is running now (false while a failed one is being replaced). */
  get running(): boolean {
    return this.alive;
  }

  enqueue(queueId: string, record: SpoolRecord): Promise<void> {
    const body = ownedBytes(this.options.spool.takeRecent(queueId)?.body);
    return this.call((id) => ({ type: 'enqueue', id, queueId, record, body: body?.bytes }), body ? [body.buffer] : []).then(() => undefined);
  }

  /** Queues committed messages that have no queue rows (after a crash); resolves with their number. */
  async recover(): Promise<number> {
    return (await this.call((id) => ({ type: 'recover', id }))) ?? 0;
  }

  start(): void {
    this.started = true;
    this.post({ type: 'start' });
  }

  /** Applies a reloaded configuration, and the main logger's level as it is now. */
  reconfigure(config: Config): void {
    this.config = config;
    this.post({ type: 'reconfigure', config, logLevel: this.logger.level });
  }

  /** No new attempts; resolves when the attempts in flight are recorded and the thread has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    // Rows of this turn go first, so that the thread writes them before it closes its writer.
    this.sendTracking();
    if (this.alive) {
      try {
        await this.call((id) => ({ type: 'stop', id }));
        await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, STOP_EXIT_WAIT_MS).unref())]);
      } catch (err) {
        this.logger.error({ err }, 'delivery thread did not stop cleanly');
      }
    }
    // Resolves at once for a thread that has exited; ends one that is still starting or stuck.
    await this.worker.terminate();
    await this.exited;
  }

  private spawn(): Promise<void> {
    const workerData: DeliveryWorkerData = { config: this.config, logLevel: this.logger.level };
    const worker = new Worker(new URL('./delivery-worker.js', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker = worker;
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromDeliveryWorker) => {
        if (message.type !== 'ready') {
          this.receive(message);
        } else {
          this.alive = true;
          resolve();
        }
      });
      worker.once('error', (err) => {
        reject(err);
        this.logger.error({ err }, 'delivery thread failed');
      });
      worker.once('exit', (code) => {
        this.alive = false;
        reject(new PortcullisError('PORTCULLIS_ERR_DELIVERY_THREAD', `delivery thread exited with code ${code} before it was ready`));
        this.failPending(`delivery thread exited (code ${code})`);
        if (!this.stopping) this.scheduleRestart();
      });
    });
  }

  private scheduleRestart(): void {
    this.logger.error({ inMs: RESTART_DELAY_MS }, 'delivery thread stopped unexpectedly; starting a new one');
    this.restartTimer = setTimeout(() => {
      this.spawn()
        .then(async () => {
          if (this.stopping) return;
          // Messages whose enqueue failed while no thread ran are in the spool without queue rows.
          const requeued = await this.recover();
          if (requeued > 0) this.logger.warn({ requeued }, 'recovered committed messages that had no queue state');
          if (this.started) this.start();
        })
        .catch((err: unknown) => {
          // A thread that failed while starting has already scheduled its own replacement (its exit handler).
          this.logger.error({ err }, 'delivery thread could not be restarted');
        });
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  private track(row: TrackingRow): void {
    this.trackingRows.push(row);
    if (this.trackingScheduled) return;
    this.trackingScheduled = true;
    setImmediate(() => this.sendTracking());
  }

  private sendTracking(): void {
    this.trackingScheduled = false;
    const rows = this.trackingRows;
    if (rows.length === 0) return;
    this.trackingRows = [];
    if (this.alive) {
      this.post({ type: 'track', rows });
      return;
    }
    for (const row of rows) {
      if (row.kind === 'event') this.options.tracking.event(row.event);
      else this.options.tracking.message(row.summary);
    }
  }

  private receive(message: Exclude<FromDeliveryWorker, { type: 'ready' }>): void {
    if (message.type === 'reply') {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new PortcullisError('PORTCULLIS_ERR_DELIVERY_THREAD', message.error));
      else call?.resolve(message.value);
      return;
    }
    for (const line of message.logLines) this.logDestination.write(line);
    for (const [outcome, count] of Object.entries(message.attempts)) deliveryAttempts.inc({ outcome }, count);
    if (message.queueSize !== undefined) queueSize.set(message.queueSize);
  }

  private call(build: (id: number) => ToDeliveryWorker, transfer: readonly ArrayBuffer[] = []): Promise<number | undefined> {
    if (!this.alive) return Promise.reject(new PortcullisError('PORTCULLIS_ERR_DELIVERY_THREAD', 'no delivery thread is running (one is being restarted)'));
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(build(id), transfer);
    });
  }

  /** Messages to a thread that is not running are dropped: the replacement starts from the spool and the database. */
  private post(message: ToDeliveryWorker, transfer: readonly ArrayBuffer[] = []): void {
    if (this.alive) this.worker.postMessage(message, transfer);
  }

  private failPending(reason: string): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(new PortcullisError('PORTCULLIS_ERR_DELIVERY_THREAD', reason));
  }
}
