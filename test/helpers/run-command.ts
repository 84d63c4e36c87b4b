/**
 * Runs a commander command in-process (`portcullis <command> ARGS`) and returns what it printed
 * with console.log, one entry per line. Errors thrown by the action reject the promise.
 */
import type { Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export async function runCommand(command: Command, args: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  try {
    await exitOverrideAll(command).parseAsync([...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return lines;
}

/** Points the CLI at a fresh data directory through $PORTCULLIS_DATA_DIR; returns a restore function. */
export function useDataDir(dataDir: string): () => void {
  const saved = { config: process.env.PORTCULLIS_CONFIG, dataDir: process.env.PORTCULLIS_DATA_DIR };
  delete process.env.PORTCULLIS_CONFIG;
  process.env.PORTCULLIS_DATA_DIR = dataDir;
  return () => {
    for (const [key, value] of [['PORTCULLIS_CONFIG', saved.config], ['PORTCULLIS_DATA_DIR', saved.dataDir]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/**
 * For a test file: before its tests, a fresh directory holding a configuration file whose
 * dataDir is that directory (plus `yaml`, more top-level keys), named by $PORTCULLIS_CONFIG;
 * after them, the environment restored and the directory removed. Returns the directory.
 */
export function useConfigFile(name: string, yaml = ''): () => string {
  let dir = '';
  const saved = { ...process.env };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `portcullis-${name}-`));
    const configPath = join(dir, 'portcullis.yaml');
    await writeFile(configPath, `dataDir: ${JSON.stringify(dir)}\n${yaml}`);
    process.env.PORTCULLIS_CONFIG = configPath;
    delete process.env.PORTCULLIS_DATA_DIR;
  });
  after(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Commander copies exitOverride only to sub-commands created after it: set it on every level. */
function exitOverrideAll(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
  return command;
}
