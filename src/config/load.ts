/**
 * Loads the configuration: finds the file (--config, else $PORTCULLIS_CONFIG, else
 * config/portcullis.yaml if it exists, else the embedded defaults), parses YAML, validates it
 * against config/schema.ts, applies $PORTCULLIS_DATA_DIR, and resolves secrets from files or
 * environment variables. Relative paths are relative to the working directory.
 * Errors name the key and the reason, one per line, and carry PORTCULLIS_ERR_CONFIG.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PortcullisError } from '../core/errors.js';
import { configSchema, type Config, type SecretRef } from './schema.js';

export const DEFAULT_CONFIG_PATH = 'config/portcullis.yaml';

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or undefined for the embedded defaults. */
  readonly path?: string;
}

/** Which file to read, by the documented order; undefined means the embedded defaults. */
export function locateConfig(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) return resolve(explicit);
  if (env.PORTCULLIS_CONFIG) return resolve(env.PORTCULLIS_CONFIG);
  return existsSync(DEFAULT_CONFIG_PATH) ? resolve(DEFAULT_CONFIG_PATH) : undefined;
}

export function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = locateConfig(explicit, env);
  let raw: unknown = {};
  if (path !== undefined) {
    if (!existsSync(path)) {
      throw new PortcullisError('PORTCULLIS_ERR_CONFIG_NOT_FOUND', `configuration file ${path} does not exist`);
    }
    raw = parseYaml(readFileSync(path, 'utf8'), path);
  }
  const config = parseConfig(raw ?? {}, path ?? '(embedded defaults)');
  const dataDir = env.PORTCULLIS_DATA_DIR || config.dataDir;
  return { config: { ...config, dataDir: resolve(dataDir) }, ...(path ? { path } : {}) };
}

function parseYaml(text: string, path: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `  ${e.message.split('\n')[0]}`);
    throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${path} is not valid YAML:\n${lines.join('\n')}`);
  }
  // YAML is data: aliases are expanded with a cap so a billion-laughs file cannot exhaust memory.
  return doc.toJS({ maxAliasCount: 100 });
}

/** Validates a parsed document; the error lists every bad key with its reason. */
export function parseConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${source} is invalid:\n${formatIssues(result.error.issues)}`);
  }
  checkCrossFieldRules(result.data, source);
  return result.data;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        return `  ${issue.keys.map((k) => (issue.path.length ? `${key}.${k}` : k)).join(', ')}: unknown key`;
      }
      return `  ${key}: ${issue.message}`;
    })
    .join('\n');
}

function checkCrossFieldRules(config: Config, source: string): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.domains.forEach((d, i) => {
    if (seen.has(d.name)) problems.push(`  domains.${i}.name: ${d.name} is listed twice`);
    seen.add(d.name);
  });
  const { tag, quarantine, reject } = config.policy.thresholds;
  if (!(tag <= quarantine && quarantine <= reject)) {
    problems.push(`  policy.thresholds: expected tag <= quarantine <= reject, got ${tag}, ${quarantine}, ${reject}`);
  }
  if (config.delivery.retryDelaySeconds > config.delivery.maxRetryDelaySeconds) {
    problems.push('  delivery.retryDelaySeconds: must not exceed delivery.maxRetryDelaySeconds');
  }
  if (problems.length > 0) {
    throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${source} is invalid:\n${problems.join('\n')}`);
  }
}

/** Resolves a secret reference; the error names the key but never the secret. */
export function resolveSecret(ref: SecretRef, key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('file' in ref) {
    try {
      return readFileSync(ref.file, 'utf8').trim();
    } catch (err) {
      throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${key}: cannot read secret file ${ref.file}: ${(err as Error).message}`);
    }
  }
  const value = env[ref.env];
  if (value === undefined || value === '') {
    throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${key}: environment variable ${ref.env} is not set`);
  }
  return value;
}
