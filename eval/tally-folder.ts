/**
 * Counts a folder's scan verdicts for the evaluation: messages per action, messages carrying each
 * finding id (once per message), and the slowest scan, for the folder and for each immediate
 * sub-folder (spamassassin's easy-ham-1 / spam-1 / hard-ham-1). Pure: reads only the lines given.
 */
import { relative, sep } from 'node:path';
import type { ScanLine } from './scan-corpus.js';

/** Files directly in the folder given, when it also has sub-folders. */
export const TOP_LEVEL = '(top level)';

export interface Tally {
  messages: number;
  readonly actions: Record<string, number>;
  readonly findings: Record<string, number>;
  slowestMs: number;
  slowestFile: string;
}

function newTally(): Tally {
  return { messages: 0, actions: {}, findings: {}, slowestMs: 0, slowestFile: '' };
}

function count(tally: Tally, line: ScanLine): void {
  tally.messages++;
  tally.actions[line.action] = (tally.actions[line.action] ?? 0) + 1;
  for (const id of new Set(line.findings.map((f) => f.id))) tally.findings[id] = (tally.findings[id] ?? 0) + 1;
  if (line.ms >= tally.slowestMs) {
    tally.slowestMs = line.ms;
    tally.slowestFile = line.file;
  }
}

/** The folder's tally and one per immediate sub-folder (empty when every file is at the top). */
export function tallyFolder(folder: string, lines: readonly ScanLine[]): { total: Tally; subfolders: Map<string, Tally> } {
  const total = newTally();
  const subfolders = new Map<string, Tally>();
  for (const line of lines) {
    count(total, line);
    const parts = relative(folder, line.file).split(sep);
    const sub = parts.length > 1 ? (parts[0] as string) : TOP_LEVEL;
    let tally = subfolders.get(sub);
    if (!tally) subfolders.set(sub, (tally = newTally()));
    count(tally, line);
  }
  // A folder without sub-folders needs no breakdown.
  if (subfolders.size === 1 && subfolders.has(TOP_LEVEL)) subfolders.clear();
  return { total, subfolders };
}
