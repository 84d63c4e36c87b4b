import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/mime/parse-message.js';
import { MAX_TOKENS_PER_MESSAGE, registeredDomain, tokenizeMessage } from '../../../src/scan/bayes/tokenize-message.js';
import { crlf } from '../analyzer-context.js';

const tokens = (raw: string): ReadonlySet<string> => tokenizeMessage(parseMessage(Buffer.from(raw)).message);

test('header, body and URL tokens carry their prefixes', () => {
  const set = tokens(crlf(
    'Received: from mx.sender.example.co.uk (mx.sender.example.co.uk [192.0.2.1]) by gw.example.org; Mon, 1 Jan 2024 00:00:00 +0000',
    'From: "Cheap Pills" <sales@shop.example.com>',
    'Subject: =?utf-8?Q?Great_offer?=',
    'Message-ID: <abc@mail.shop.example.com>',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Buy now at https://www.shop.example.com/deals/today?id=5 it is CHEAP.',
  ));
  for (const t of ['subject:great', 'subject:offer', 'from:sales@shop.example.com', 'from:@example.com', 'from-name:cheap', 'message-id:@example.com',
    'received:example.co.uk', 'content-type:text/plain', 'charset:utf-8', 'header:subject', 'buy', 'cheap', 'url:example.com', 'url:shop.example.com', 'url-path:deals']) {
    assert.ok(set.has(t), t);
  }
  assert.ok(!set.has('it'), 'words under 3 characters are dropped');
});

test('HTML visible words are tokens, hidden text is one marker token', () => {
  const set = tokens(crlf('From: a@example.com', 'Content-Type: text/html', '', '<p>Visible words</p><div style="display:none">poisonous filler</div>'));
  assert.ok(set.has('visible'));
  assert.ok(!set.has('poisonous'));
  assert.ok(set.has('html:hidden-text'));
  assert.ok(set.has('body:html-only'));
});

test('long runs become a long: token; a message never yields more than the cap', () => {
  const words = Array.from({ length: MAX_TOKENS_PER_MESSAGE * 2 }, (_, i) => `word${i}`).join(' ');
  const set = tokens(crlf('From: a@example.com', '', `${'x'.repeat(45)} ${words}`));
  assert.equal(set.size, MAX_TOKENS_PER_MESSAGE);
  assert.ok(set.has('long:xxx:4'));
});

test('registeredDomain keeps two labels, three under short country second levels', () => {
  assert.equal(registeredDomain('a.b.example.com'), 'example.com');
  assert.equal(registeredDomain('mail.example.co.uk'), 'example.co.uk');
  assert.equal(registeredDomain('Example.COM.'), 'example.com');
});

test('subject word pairs, capitals and the message shape are tokens', () => {
  const raw = crlf(
    'From: Shop <deals@shop.example>',
    'Reply-To: <claims@other.example>',
    'Return-Path: <bounce@shop.example>',
    'Message-ID: <1@mailer.example>',
    'Received: from a.example by b.example; Mon, 1 Jan 2024 00:00:00 +0000',
    'Subject: Act Now today',
    'Content-Type: text/html',
    '',
    '<p>FREE offer</p><img src="https://img.example/a.png"><a href="https://x.example/">go</a>',
  );
  const tokens = tokenizeMessage(parseMessage(Buffer.from(raw)).message);
  for (const t of ['subject2:act now', 'subject2:now today', 'caps:free', 'free', 'shape:received:1', 'shape:urls:1', 'shape:images:1', 'shape:attachments:0', 'agree:reply-to:other', 'agree:return-path:same', 'agree:message-id:other']) {
    assert.ok(tokens.has(t), t);
  }
  assert.ok(!tokens.has('caps:now'), 'a capitalised word is not shouting');
  assert.ok([...tokens].some((t) => t.startsWith('shape:html-ratio:')));
});
