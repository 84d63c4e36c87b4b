/**
 * xz, decoded in memory by xz-decompress (xz-embedded compiled to WebAssembly, the module
 * inlined in the package: nothing is read from disk or fetched). The decoder is a web
 * ReadableStream that yields chunks of at most 64 KiB; each chunk is metered before it is kept
 * and the stream is cancelled at the first refusal, so a bomb never decodes past one chunk
 * over its limit.
 */
import xzDecompress from 'xz-decompress';
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { derivedMemberName } from './derived-member-name.js';

export async function readXz(data: Uint8Array, ctx: ArchiveReadContext): Promise<ArchiveReadResult> {
  const entryRefused = ctx.budget.takeEntry(ctx.where);
  if (entryRefused) return { members: [], findings: [entryRefused] };
  const meter = ctx.budget.meter(ctx.where, data.length);
  const findings: Finding[] = [];
  const chunks: Uint8Array[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
  const reader = new xzDecompress.XzReadableStream(source).getReader();
  try {
    for (;;) {
      if (ctx.signal.aborted) {
        await reader.cancel();
        findings.push(finding('SCAN_LIMIT_TIME', `${ctx.where}: time budget spent while decoding xz`));
        return { members: [], findings };
      }
      const { done, value } = await reader.read();
      if (done) break;
      const refused = meter.add(value.length);
      if (refused) {
        await reader.cancel();
        return { members: [], findings: [refused] };
      }
      chunks.push(value.slice());
    }
  } catch (err) {
    findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: xz stream is damaged (${describe(err)}); only what decoded before the damage was scanned`));
  }
  const content = Buffer.concat(chunks);
  const member = {
    path: derivedMemberName(ctx.name, 'xz'),
    names: [],
    namedByArchive: false,
    ...(content.length > 0 ? { content } : {}),
  };
  return { members: [member], findings };
}

/** xz-decompress reports `get_next_output failed with error code N`: a code, never content. */
function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 100);
}
