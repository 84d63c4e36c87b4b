import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlTextsOf, readHtmlText } from '../../../src/scan/bayes/html-text.js';

test('visible text without script or style; absolute link URLs', () => {
  const html = '<html><head><style>p{}</style><title>t</title></head><body><p>Hello <b>world</b></p><script>var x="secret"</script>' +
    '<a href="https://example.com/a">link</a><a href="/relative">r</a><img src="//cdn.example.net/i.png" alt="picture"></body></html>';
  const text = readHtmlText(html);
  assert.match(text.text, /Hello\s+world/);
  assert.match(text.text, /picture/);
  assert.doesNotMatch(text.text, /secret|p\{\}/);
  assert.deepEqual(text.urls, ['https://example.com/a', '//cdn.example.net/i.png']);
  assert.equal(text.hiddenChars, 0);
});

test('hidden text: display:none, visibility:hidden, tiny fonts, white text, hidden attribute', () => {
  for (const open of ['<div style="display: none">', '<span style="visibility:hidden">', '<p style="font-size:1px">', '<font color="#ffffff">', '<span style="color:#fff">', '<div hidden>', '<font size="1">']) {
    const text = readHtmlText(`<body>shown ${open}poison words here</div></span></p></font> after</body>`);
    assert.equal(text.hiddenChars, 'poisonwordshere'.length, open);
    assert.doesNotMatch(text.text, /poison/, open);
    assert.match(text.text, /after/, open);
  }
});

test('white text on a chosen background is visible', () => {
  const text = readHtmlText('<span style="color:#fff;background:#000">visible</span>');
  assert.equal(text.hiddenChars, 0);
  assert.match(text.text, /visible/);
});

test('htmlTextsOf reads each message once', () => {
  const message = { htmlBodies: ['<p>a</p>'] };
  assert.equal(htmlTextsOf(message), htmlTextsOf(message));
});
