/**
 * The messages between the main thread and the delivery thread (deliver/delivery-thread.ts and
 * deliver/delivery-worker.ts). Both ends are Portcullis's own code in one process; messages
 * are structured clones, so they hold data only (a configuration, a spool record, a body copy).
 */
import type { Config } from '../config/schema.js';
import type { MessageSummary, TrackingEvent } from '../observe/tracking-event.js';
import type { SpoolRecord } from '../spool/spool-store.js';

/** What the worker is started with (workerData). */
export interface DeliveryWorkerData {
  readonly config: Config;
  /** The main thread's logger level: the thread logs what the main logger would. */
  readonly logLevel: string;
}

/** A tracking row of the main thread, for the thread's tracking writer (events carry their time). */
export type TrackingRow = { readonly kind: 'event'; readonly event: TrackingEvent & { readonly at: number } } | { readonly kind: 'message'; readonly summary: MessageSummary };

export type ToDeliveryWorker =
  | { readonly type: 'enqueue'; readonly id: number; readonly queueId: string; readonly record: SpoolRecord; readonly body: Uint8Array | undefined }
  | { readonly type: 'recover'; readonly id: number }
  | { readonly type: 'start' }
  | { readonly type: 'track'; readonly rows: readonly TrackingRow[] }
  | { readonly type: 'reconfigure'; readonly config: Config; readonly logLevel: string }
  | { readonly type: 'stop'; readonly id: number };

/** What the worker reports; figures and log lines of one turn of its event loop travel together. */
export type FromDeliveryWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'reply'; readonly id: number; readonly value?: number; readonly error?: string }
  | {
      readonly type: 'report';
      /** Attempt outcomes counted since the last report. */
      readonly attempts: Readonly<Record<string, number>>;
      readonly queueSize: number | undefined;
      /** Log lines (JSON, newline-terminated) for the main thread's log destination. */
      readonly logLines: readonly string[];
    };
