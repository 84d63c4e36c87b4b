/**
 * What VBA source says about itself: the entry points Office runs without a click (auto-exec)
 * and the calls droppers use (shell, download, object creation, obfuscation). The lists follow
 * oletools' olevba, the reference tool analysts use, cut to what matters for a verdict.
 *
 * Trusts nothing, reads source as text: every pattern is a plain alternation with no nested
 * quantifiers, so matching stays linear in the (already bounded) source length.
 */

/** Procedures Word, Excel, PowerPoint or an ActiveX control run by themselves. */
const AUTO_EXEC = new RegExp(
  '\\b(' +
    [
      'AutoExec', 'AutoOpen', 'Auto_Open\\w*', 'AutoClose', 'Auto_Close', 'AutoNew', 'AutoExit',
      'Document_Open', 'DocumentOpen', 'Document_Close', 'DocumentBeforeClose', 'Document_BeforeClose',
      'Document_New', 'NewDocument', 'Document_ContentControlOnEnter',
      'Workbook_Open', 'Workbook_Activate', 'Workbook_Close', 'Workbook_BeforeClose', 'Workbook_Deactivate',
      'App_WorkbookOpen',
      '\\w+_Painted', '\\w+_Painting', '\\w+_GotFocus', '\\w+_LostFocus', '\\w+_MouseHover',
      '\\w+_Layout', '\\w+_Resize', '\\w+_DocumentComplete', '\\w+_BeforeNavigate2', '\\w+_NavigateComplete2',
    ].join('|') +
    ')\\b',
  'gi',
);

/** Calls and objects droppers rely on: label → pattern. */
const SUSPICIOUS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Shell', /\bShell(Execute)?\b\s*[(\s"]/i],
  ['WScript.Shell', /WScript\.Shell/i],
  ['Shell.Application', /Shell\.Application/i],
  ['CreateObject', /\bCreateObject\s*\(/i],
  ['GetObject', /\bGetObject\s*\(/i],
  ['URLDownloadToFile', /URLDownloadToFile/i],
  ['XMLHTTP', /XMLHTTP|WinHttp\.WinHttpRequest|ServerXMLHTTP/i],
  ['ADODB.Stream', /ADODB\.Stream|\.SaveToFile\b/i],
  ['Environ', /\bEnviron\$?\s*\(/i],
  ['CallByName', /\bCallByName\b/i],
  ['PowerShell', /PowerShell/i],
  ['cmd.exe', /\bcmd(\.exe)?\s+\/[ck]\b|cmd\.exe/i],
  ['ExecuteExcel4Macro', /ExecuteExcel4Macro/i],
  ['MacroOptions', /\bMacroOptions\b/i],
  ['Application.Run', /\bApplication\.Run\b/i],
  ['Declare Lib', /\bDeclare\s+(PtrSafe\s+)?(Function|Sub)\b/i],
  ['memory API', /\b(VirtualAlloc|RtlMoveMemory|CreateThread|WriteProcessMemory|EnumSystemLanguageGroups)\b/i],
  ['StrReverse', /\bStrReverse\s*\(/i],
  ['base64 decode', /bin\.base64|Base64Decode/i],
  ['file write', /\bOpen\b[^\n]{0,200}\bFor\s+(Binary|Output)\b|\bCreateTextFile\b|\bFileCopy\b/i],
  ['VBProject access', /\bVBProject\b|\bVBComponents\b|AccessVBOM/i],
  ['scheduled task', /Schedule\.Service|\bschtasks\b/i],
  ['WMI', /winmgmts:|Win32_Process/i],
];

/** Chr()/ChrW() calls this many times in one project are string building to hide literals. */
const CHR_OBFUSCATION_CALLS = 20;
const CHR_CALL = /\bChr[BW]?\$?\s*\(/gi;

export interface VbaKeywordReport {
  /** Auto-exec entry points, as written, deduplicated case-insensitively. */
  readonly autoExec: readonly string[];
  /** Labels of the suspicious calls seen. */
  readonly suspicious: readonly string[];
  /** Lines of code, not counting blank lines and `Attribute` lines every module carries. */
  readonly codeLines: number;
}

export function scanVbaSource(source: string): VbaKeywordReport {
  const code = source
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '' && !/^\s*Attribute\s+VB_/i.test(line));
  const text = code.join('\n');
  const autoExec = new Map<string, string>();
  for (const match of text.matchAll(AUTO_EXEC)) {
    const name = match[1] ?? match[0];
    if (!autoExec.has(name.toLowerCase())) autoExec.set(name.toLowerCase(), name);
  }
  const suspicious = SUSPICIOUS.filter(([, pattern]) => pattern.test(text)).map(([label]) => label);
  const chrCalls = text.match(CHR_CALL)?.length ?? 0;
  if (chrCalls >= CHR_OBFUSCATION_CALLS) suspicious.push(`Chr obfuscation (${chrCalls} calls)`);
  return { autoExec: [...autoExec.values()], suspicious, codeLines: code.length };
}
