/**
 * `portcullis user add NAME`, `user passwd NAME`, `user remove NAME`, `user list [--json]`: the
 * accounts that may authenticate on the submission listener. Changes go through
 * service/user-service.ts (authorised, audited, argon2id).
 *
 * The password never appears on the command line (where `ps` and shell history would show it):
 * it comes from --password-file, from the environment variable named by --password-env, from a
 * prompt without echo on a terminal, or from the first line of standard input.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import { PortcullisError } from '../core/errors.js';
import { addUser, listUsers, removeUser, setUserPassword, MAX_PASSWORD_LENGTH } from '../service/user-service.js';
import { withCliContext } from './context.js';

interface PasswordOptions {
  config?: string;
  passwordFile?: string;
  passwordEnv?: string;
}

export interface UserCommandIo {
  /** Where a password is read from when no option names one (process.stdin by default). */
  readonly stdin?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

export function userCommand(io: UserCommandIo = {}): Command {
  const stdin = io.stdin ?? process.stdin;
  const user = new Command('user').description('manage the accounts allowed to authenticate (SMTP AUTH)');
  const withPasswordOptions = (command: Command): Command =>
    command
      .option('-c, --config <file>', 'configuration file')
      .option('--password-file <file>', 'read the password from the first line of this file')
      .option('--password-env <var>', 'read the password from this environment variable');
  withPasswordOptions(user.command('add <name>').description('add an account (name like alice or alice@example.org)')).action(
    (name: string, opts: PasswordOptions) =>
      withCliContext(opts, async (ctx) => {
        const password = await readPassword(opts, stdin);
        const added = await addUser(ctx, ctx.actor, { username: name, password });
        console.log(`user ${added.username} added`);
      }),
  );
  withPasswordOptions(user.command('passwd <name>').description("replace an account's password")).action((name: string, opts: PasswordOptions) =>
    withCliContext(opts, async (ctx) => {
      const password = await readPassword(opts, stdin);
      await setUserPassword(ctx, ctx.actor, { username: name, password });
      console.log(`password of ${name.toLowerCase()} replaced`);
    }),
  );
  user
    .command('remove <name>')
    .description('remove an account')
    .option('-c, --config <file>', 'configuration file')
    .action((name: string, opts: { config?: string }) =>
      withCliContext(opts, async (ctx) => {
        await removeUser(ctx, ctx.actor, name);
        console.log(`user ${name.toLowerCase()} removed`);
      }),
    );
  user
    .command('list')
    .description('list accounts')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per account')
    .action((opts: { config?: string; json?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const users = await listUsers(ctx);
        if (opts.json) {
          for (const u of users) console.log(JSON.stringify(u));
        } else if (users.length === 0) {
          console.log('no users');
        } else {
          for (const u of users) console.log(`${u.username.padEnd(40)}  added ${new Date(u.createdAt).toISOString()}`);
        }
      }),
    );
  return user;
}

async function readPassword(opts: PasswordOptions, stdin: NonNullable<UserCommandIo['stdin']>): Promise<string> {
  if (opts.passwordFile !== undefined && opts.passwordEnv !== undefined) {
    throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', 'give either --password-file or --password-env, not both');
  }
  if (opts.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.passwordFile, 'utf8');
    } catch (err) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `cannot read --password-file ${opts.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return firstLine(text);
  }
  if (opts.passwordEnv !== undefined) {
    const value = process.env[opts.passwordEnv];
    if (value === undefined || value === '') {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `environment variable ${opts.passwordEnv} is not set`);
    }
    return value;
  }
  if (stdin.isTTY && stdin.setRawMode) {
    const first = await promptHidden(stdin, 'Password: ');
    const second = await promptHidden(stdin, 'Password again: ');
    if (first !== second) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', 'the passwords do not match');
    return first;
  }
  return firstLine(await readLimited(stdin));
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** Reads standard input up to the first newline or a bound, so a stray pipe cannot fill memory. */
async function readLimited(stdin: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > MAX_PASSWORD_LENGTH * 4) break;
  }
  return text;
}

/** Reads one line from a terminal without echoing it. */
function promptHidden(stdin: NonNullable<UserCommandIo['stdin']>, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', 'cancelled'));
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}
