/**
 * The Bayes model's snapshot file: how the model reaches sandbox processes, which cannot open
 * the database (no native addons under the permission model). The database holds the model
 * (store/migrations/0007-bayes.ts); every training writes this file from it, atomically
 * (core/snapshot-file.ts), so a reader sees the old model or the new one, never half of one.
 *
 * Format: JSON `{"format":"portcullis-bayes/1","spamMessages":N,"hamMessages":N,"tokens":[[token,spam,ham],...]}`.
 * A sandbox reads it with BayesSnapshotReader, once at start and again when its modification
 * time or size changes (checked at most once per core/snapshot-file.ts RECHECK_MS). A missing file is "no model"; a
 * malformed one is "no model" too, reported by `error` (the analyzer says BAYES_UNTRAINED with it).
 *
 * Writing runs in the main process only (the train command, the learning service).
 */
import { join } from 'node:path';
import { SnapshotReader, writeFileAtomic } from '../../core/snapshot-file.js';
import { BayesModel, type TokenCounts } from './bayes-model.js';

export const SNAPSHOT_FORMAT = 'portcullis-bayes/1';

/** Where the snapshot of a data directory lives. */
export function bayesSnapshotPath(dataDir: string): string {
  return join(dataDir, 'bayes', 'model.json');
}

export function serializeModel(model: BayesModel): string {
  const tokens = [...model.tokens].map(([token, c]) => [token, c.spam, c.ham]);
  return JSON.stringify({ format: SNAPSHOT_FORMAT, spamMessages: model.spamMessages, hamMessages: model.hamMessages, tokens });
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Parses a snapshot; throws an Error naming what is wrong (never content beyond a token index). */
export function parseModel(text: string): BayesModel {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || value.format !== SNAPSHOT_FORMAT) throw new Error(`not a ${SNAPSHOT_FORMAT} snapshot`);
  if (!isCount(value.spamMessages) || !isCount(value.hamMessages) || !Array.isArray(value.tokens)) throw new Error('snapshot counts are malformed');
  const tokens = new Map<string, TokenCounts>();
  for (const [index, entry] of (value.tokens as unknown[]).entries()) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isCount(entry[1]) || !isCount(entry[2])) throw new Error(`snapshot token ${index} is malformed`);
    tokens.set(entry[0], { spam: entry[1], ham: entry[2] });
  }
  return new BayesModel(value.spamMessages, value.hamMessages, tokens);
}

/** Writes the snapshot atomically (core/snapshot-file.ts). */
export function writeSnapshot(path: string, model: BayesModel): void {
  writeFileAtomic(path, serializeModel(model));
}

/** The model as the sandbox sees it: read lazily, re-read when the file changes. */
export interface BayesModelSource {
  /** The current model, or undefined when there is none (no file, or a malformed one). */
  current(now?: number): BayesModel | undefined;
  /** Why the last read failed, when it did. */
  readonly error?: string;
}

export class BayesSnapshotReader implements BayesModelSource {
  private readonly reader: SnapshotReader<BayesModel>;

  constructor(path: string) {
    this.reader = new SnapshotReader(path, parseModel, 'bayes snapshot');
  }

  current(now = Date.now()): BayesModel | undefined {
    return this.reader.current(now);
  }

  get error(): string | undefined {
    return this.reader.error;
  }
}

/** A fixed model (tests, the cross-validation): no file involved. */
export function fixedModelSource(model: BayesModel): BayesModelSource {
  return { current: () => model };
}
