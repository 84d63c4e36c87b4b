/**
 * Office active content in every file of the scan (attachments and members found so far): VBA
 * macros in OLE documents and in OOXML packages (auto-exec entry points, suspicious calls),
 * Excel 4 macro sheets, remote templates and external relationships, DDE fields, encrypted
 * documents, and RTF embedded objects. Files found inside (RTF objects, packaged files) are
 * appended to `ctx.facts.files` and inspected in turn, so a macro document inside an RTF is seen.
 *
 * Trusts nothing: all parsing is in office/ with its own limits; this file only routes each file
 * by its leading bytes (never by its name) and publishes what was found.
 */
import { createHash } from 'node:crypto';
import type { Analyzer } from '../analyzer.js';
import { inspectEachFile } from '../content-inspection.js';
import { inspectOle, isOleFile } from '../office/ole-document.js';
import { inspectOoxml, readOoxmlDirectory } from '../office/ooxml-document.js';
import { inspectRtf, isRtf } from '../office/rtf-document.js';

export const officeMacros: Analyzer = {
  name: 'office-macros',
  directions: ['inbound', 'outbound'],
  dependsOn: ['archive-contents'],
  async analyze(ctx) {
    // An OLE part already inspected inside its package (vbaProject.bin) is not reported twice
    // when archive-contents also lists it as a member.
    const inspected = new Set<string>();
    return inspectEachFile(ctx, (file, label, report) => {
      if (inspected.has(file.sha256)) return false;
      const bytes = file.content;
      if (isOleFile(bytes)) {
        inspectOle(bytes, label, report);
      } else if (isRtf(bytes)) {
        inspectRtf(bytes, label, report);
      } else {
        const directory = readOoxmlDirectory(bytes);
        if (directory === undefined) return false;
        for (const part of inspectOoxml(bytes, directory, label, report)) inspected.add(createHash('sha256').update(part).digest('hex'));
      }
      return true;
    });
  },
};
