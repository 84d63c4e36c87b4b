/**
 * The `portcullis` command: one sub-command per file in cli/. Errors from the catalogue
 * (PORTCULLIS_ERR_*) are printed as one clear message with their code and exit 1; anything
 * else is a bug and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { isPortcullisError } from '../core/errors.js';
import { auditCommand } from './audit.js';
import { checkConfigCommand } from './check-config.js';
import { dkimCommand } from './dkim.js';
import { mailboxCommand } from './mailbox.js';
import { quarantineCommand } from './quarantine.js';
import { queueCommand } from './queue.js';
import { reportSpamCommand } from './report-spam.js';
import { scanCommand } from './scan.js';
import { startCommand } from './start.js';
import { trackCommand } from './track.js';
import { trainCommand } from './train.js';
import { userCommand } from './user.js';

export function buildProgram(): Command {
  const program = new Command('portcullis')
    .description('Portcullis: an email security gateway')
    .showHelpAfterError();
  for (const command of [
    startCommand(),
    checkConfigCommand(),
    scanCommand(),
    trainCommand(),
    reportSpamCommand(),
    mailboxCommand(),
    queueCommand(),
    quarantineCommand(),
    trackCommand(),
    userCommand(),
    dkimCommand(),
    auditCommand(),
  ]) {
    program.addCommand(command);
  }
  exitOverrideEverywhere(program);
  return program;
}

/** Commander applies exitOverride only to commands created after it: set it on every level, so a bad option is an error main() reports, never a process.exit mid-command. */
function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isPortcullisError(err)) {
      console.error(`portcullis: ${err.message} (${err.code})`);
      return 1;
    }
    throw err;
  }
}
