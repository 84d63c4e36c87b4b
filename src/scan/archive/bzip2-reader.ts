/**
 * bzip2, decoded in memory by seek-bzip (pure JavaScript). seek-bzip decodes a whole stream in
 * one call and cannot be asked to stop, so it is bounded from outside: its output is a sink
 * that meters every 64 KiB and throws a private sentinel when the budget refuses more, which
 * unwinds the decoder at once. Its input is a source that throws at the end of the data
 * (seek-bzip itself would read `undefined` forever there), so a truncated stream ends too.
 *
 * Used for .bz2 streams and for zip members stored with method 12 (bzip2).
 */
import bunzip, { type BzipInput, type BzipOutput } from 'seek-bzip';
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { derivedMemberName } from './derived-member-name.js';
import type { MemberMeter } from './expansion-budget.js';

const CHUNK = 64 * 1024;

/** Thrown by the sink and the source to unwind seek-bzip; never escapes this module. */
class StopDecoding extends Error {
  constructor(readonly reason: 'limit' | 'truncated') {
    super(reason);
  }
}

export interface Bzip2Outcome {
  /** Everything decoded before a limit or damage stopped the decoder. */
  readonly content: Uint8Array;
  /** The limit finding, or why the stream is corrupt; absent when it decoded completely. */
  readonly problem?: { readonly kind: 'limit'; readonly finding: Finding } | { readonly kind: 'corrupt'; readonly reason: string };
}

/** Decodes one (possibly multi-stream) bzip2 input, metering the output. */
export function decodeBzip2(data: Uint8Array, meter: MemberMeter): Bzip2Outcome {
  const chunks: Uint8Array[] = [];
  let chunk = new Uint8Array(CHUNK);
  let filled = 0;
  let refused: Finding | undefined;
  const flush = (): void => {
    if (filled === 0) return;
    refused = meter.add(filled);
    if (refused) throw new StopDecoding('limit');
    chunks.push(chunk.subarray(0, filled));
    chunk = new Uint8Array(CHUNK);
    filled = 0;
  };
  let position = 0;
  const input: BzipInput = {
    readByte() {
      if (position >= data.length) throw new StopDecoding('truncated');
      return data[position++] as number;
    },
    read(buffer, offset, length) {
      const count = Math.max(0, Math.min(length, data.length - position));
      buffer.set(data.subarray(position, position + count), offset);
      position += count;
      return count;
    },
    seek(to) {
      position = to;
    },
    eof() {
      return position >= data.length;
    },
  };
  const output: BzipOutput = {
    writeByte(byte) {
      chunk[filled++] = byte;
      if (filled === CHUNK) flush();
    },
  };
  let problem: Bzip2Outcome['problem'];
  try {
    bunzip.decode(input, output, true);
    flush();
  } catch (err) {
    if (err instanceof StopDecoding && err.reason === 'limit' && refused) problem = { kind: 'limit', finding: refused };
    else problem = { kind: 'corrupt', reason: err instanceof StopDecoding ? 'truncated' : describe(err) };
  }
  const content = Buffer.concat(chunks);
  return problem ? { content, problem } : { content };
}

export function readBzip2(data: Uint8Array, ctx: ArchiveReadContext): ArchiveReadResult {
  const entryRefused = ctx.budget.takeEntry(ctx.where);
  if (entryRefused) return { members: [], findings: [entryRefused] };
  const outcome = decodeBzip2(data, ctx.budget.meter(ctx.where, data.length));
  if (outcome.problem?.kind === 'limit') return { members: [], findings: [outcome.problem.finding] };
  const findings =
    outcome.problem?.kind === 'corrupt'
      ? [finding('ARCHIVE_CORRUPT', `${ctx.where}: bzip2 stream is damaged (${outcome.problem.reason}); only what decoded before the damage was scanned`)]
      : [];
  const member = {
    path: derivedMemberName(ctx.name, 'bzip2'),
    names: [],
    namedByArchive: false,
    ...(outcome.content.length > 0 ? { content: outcome.content } : {}),
  };
  return { members: [member], findings };
}

/** seek-bzip's messages name the fault ("Bad stream CRC"); they never quote content. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.slice(0, 100);
}
