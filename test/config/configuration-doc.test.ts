// docs/configuration.md is checked against the schema: every key the schema accepts must be
// documented there as `key`, so the reference cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

function keys(schema: JsonSchema | undefined, prefix: string, out: Set<string>): Set<string> {
  if (!schema) return out;
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) keys(alt, prefix, out);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    out.add(key);
    keys(child, key, out);
  }
  if (schema.items) keys(schema.items, `${prefix}[]`, out);
  return out;
}

test('every configuration key is documented in docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const all = keys(schema, '', new Set());
  assert.ok(all.size > 50, `walked only ${all.size} keys`);
  const missing = [...all].filter((key) => !doc.includes(`\`${key}\``));
  assert.deepEqual(missing, []);
});
