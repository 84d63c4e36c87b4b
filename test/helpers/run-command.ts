/**
 * Runs a commander command in-process (`portcullis <command> ARGS`) and returns what it printed
 * with console.log, one entry per line. Errors thrown by the action reject the promise.
 */
import type { Command } from 'commander';

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

/** Commander copies exitOverride only to sub-commands created after it: set it on every level. */
function exitOverrideAll(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
  return command;
}
