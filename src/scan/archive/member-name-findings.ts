/**
 * Analyses archive member names: the lesson of CVE-2023-2868, where Barracuda's ESG passed
 * .tar member names to a shell (Perl qx) and a name such as
 * '`echo <base64>|base64 -d|sh`.tar' ran as the product. Portcullis never hands a name to a
 * shell; this module reports names built to attack anything downstream that might.
 *
 * - ARCHIVE_MEMBER_SHELL_METACHARS (decisive): command substitution (a pair of backticks,
 *   `$(...)`, `${...}`, `$IFS`), a command after a separator (`;`, `&&`, `|`, `||`, a line
 *   break), redirection to a path or descriptor, `base64 -d`, curl/wget of a URL,
 *   /dev/tcp, /bin/sh, `sh -c`.
 * - ARCHIVE_MEMBER_PATH_TRAVERSAL: a `..` segment, an absolute path, a drive letter or a UNC
 *   path (zip-slip), with `/` and `\` both taken as separators.
 * - ARCHIVE_MEMBER_CONTROL_CHARS: C0/C1 control characters or DEL.
 *
 * Ordinary names must stay quiet: `Q&A.pdf`, `Report (final).docx`, `~$draft.docx` (Office lock
 * files), `Tom & Jerry.txt`, `50% off!.png`, `price $5.txt`. So a lone `&`, parentheses, `$`
 * before a letter or digit, a single backtick (an apostrophe typed badly; unpaired, a shell
 * would refuse it) and a separator followed by ordinary words are not findings; the tests list
 * the benign names this is held to. Pure function of the name; the name is never executed,
 * only matched against fixed regular expressions without nested quantifiers.
 */

export type MemberNameFindingId = 'ARCHIVE_MEMBER_SHELL_METACHARS' | 'ARCHIVE_MEMBER_PATH_TRAVERSAL' | 'ARCHIVE_MEMBER_CONTROL_CHARS';

export interface MemberNameProblem {
  readonly id: MemberNameFindingId;
  /** What was seen, in words (never the name itself). */
  readonly reason: string;
}

/**
 * Programs an attack runs after a separator. Common English words (cat, find, id, echo, sleep)
 * are left out on purpose: after `;` or `|` they are caught by the argument shape below instead.
 */
const COMMANDS =
  'sh|bash|zsh|dash|ksh|csh|tcsh|busybox|curl|wget|tftp|nc|ncat|netcat|socat|telnet|python[23]?|perl|ruby|php|lua|node|base64|' +
  'chmod|chown|rm|mkfifo|mknod|whoami|uname|nohup|setsid|crontab|xxd|openssl|powershell|pwsh|cmd|certutil|mshta|rundll32|regsvr32|bitsadmin|wscript|cscript';

/**
 * After a separator: a listed program, a path (`/bin/sh`, `./x`), an expansion, or any word
 * followed by an argument that is a path, an option or an expansion (`touch /tmp/x`, `cat -v`);
 * `Smith; Jones - notes` is not one.
 */
const COMMAND_AFTER = `\\s*(?:(?:${COMMANDS})(?![\\w.-])|\\.{0,2}\\/|[$\`]|[A-Za-z_][\\w.-]*[ \\t]+(?:-[A-Za-z-]|\\/|~\\/|\\$))`;

const SHELL_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/`[^`]*`/, 'backtick command substitution'],
  [/\$\([^)]*\)/, '$(...) command substitution'],
  [/\$\{[^}]*\}/, '${...} parameter expansion'],
  [/\$IFS\b/, '$IFS word splitting'],
  [new RegExp(`(?:;|&&|\\|\\|?|[\\n\\r])${COMMAND_AFTER}`, 'i'), 'a command after a shell separator'],
  [/(?:\d?>>?|<)\s*(?:&\d|\/|~\/|\$|\()/, 'shell redirection'],
  [/\bbase64\s+(?:-d|-D|--decode)\b/i, 'base64 decoding'],
  [/\b(?:curl|wget|tftp)\s+(?:-\S+\s+)*(?:[a-z][a-z0-9+.-]*:\/\/|\d{1,3}(?:\.\d{1,3}){3})/i, 'a download command with a URL'],
  [/\/dev\/(?:tcp|udp)\//i, 'a /dev/tcp network redirection'],
  [/\/bin\/(?:ba|z|da|k|c)?sh\b/i, 'a shell path'],
  [/\b(?:ba|z|da|k)?sh\s+-c\b/i, 'sh -c'],
];

// Matching control characters is the point here: they hide parts of a member name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function memberNameProblems(name: string): readonly MemberNameProblem[] {
  const problems: MemberNameProblem[] = [];
  const shell = SHELL_RULES.filter(([pattern]) => pattern.test(name)).map(([, reason]) => reason);
  if (shell.length > 0) problems.push({ id: 'ARCHIVE_MEMBER_SHELL_METACHARS', reason: shell.join(', ') });
  const traversal = traversalReason(name);
  if (traversal !== undefined) problems.push({ id: 'ARCHIVE_MEMBER_PATH_TRAVERSAL', reason: traversal });
  if (CONTROL.test(name)) problems.push({ id: 'ARCHIVE_MEMBER_CONTROL_CHARS', reason: 'control characters' });
  return problems;
}

function traversalReason(name: string): string | undefined {
  if (/^[\\/]{2}/.test(name)) return 'a UNC path';
  if (/^[\\/]/.test(name)) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a drive letter';
  if (name.split(/[\\/]/).some((segment) => segment.trim() === '..')) return 'a ".." segment';
  return undefined;
}
