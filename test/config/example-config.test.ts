// config/portcullis.example.yaml is what an administrator copies: it must stay valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';

test('the example configuration is valid and means what its comments say', () => {
  const path = fileURLToPath(new URL('../../../config/portcullis.example.yaml', import.meta.url));
  const { config } = loadConfig(path, {});
  assert.deepEqual(config.smtp.listen, { host: '0.0.0.0', port: 25 });
  assert.equal(config.domains[0]?.downstream.tls, 'required');
  assert.equal(config.domains[0]?.recipients.verify, 'callout');
  assert.deepEqual(config.delivery.smarthost?.auth?.pass, { file: '/etc/portcullis/secrets/smarthost-pass' });
  assert.equal(config.policy.rules.length, 2);
});
