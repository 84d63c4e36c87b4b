/**
 * `portcullis start`: runs the gateway until SIGTERM/SIGINT (drain, then exit 0).
 * SIGHUP re-reads the configuration file: a valid one is applied without dropping sessions
 * (keys that need a restart are named in the log), a bad one is logged and the old one kept.
 */
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { startGateway } from '../gateway.js';
import { createLogger } from '../observe/logger.js';

export function startCommand(): Command {
  return new Command('start')
    .description('run the gateway (SMTP and HTTP listeners, scanning, delivery)')
    .option('-c, --config <file>', 'configuration file (default: $PORTCULLIS_CONFIG, else config/portcullis.yaml, else embedded defaults)')
    .action(async (opts: { config?: string }) => {
      const loaded = loadConfig(opts.config);
      const logger = createLogger({ level: loaded.config.log.level });
      logger.info({ config: loaded.path ?? '(embedded defaults)' }, 'starting');
      const gateway = await startGateway(loaded.config, { logger });
      if (loaded.config.domains.length === 0) {
        logger.info(
          `no accepted domains configured: every recipient is accepted into the local mailbox ` +
            `(try: swaks --server ${gateway.smtp.host}:${gateway.smtp.port} --to someone@example.org; then: npx portcullis mailbox list)`,
        );
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'shutting down');
          gateway.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGHUP', () => {
          try {
            const next = loadConfig(opts.config);
            const needRestart = gateway.reload(next.config);
            logger.info({ config: next.path ?? '(embedded defaults)', ...(needRestart.length ? { needRestart } : {}) }, 'configuration reloaded');
          } catch (err) {
            logger.error({ err: (err as Error).message }, 'configuration reload failed; keeping the running configuration');
          }
        });
      });
    });
}
