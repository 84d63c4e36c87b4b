/**
 * `portcullis check-config`: validates the configuration the gateway would use and exits
 * non-zero naming each bad key and why. Also checks what validation alone cannot: that secrets
 * resolve (files readable, environment variables set) and that the listen addresses are safe.
 */
import { Command } from 'commander';
import { loadConfig, resolveSecret } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { assertSafeListen } from '../gateway.js';

export function checkConfigCommand(): Command {
  return new Command('check-config')
    .description('validate the configuration file and exit non-zero if it is bad')
    .option('-c, --config <file>', 'configuration file')
    .action((opts: { config?: string }) => {
      const loaded = loadConfig(opts.config);
      resolveAllSecrets(loaded.config);
      assertSafeListen(loaded.config);
      const { config } = loaded;
      console.log(
        `${loaded.path ?? '(embedded defaults)'}: ok — SMTP ${config.smtp.listen.host}:${config.smtp.listen.port}, ` +
          `HTTP ${config.http.listen.host}:${config.http.listen.port}, ` +
          (config.domains.length ? `${config.domains.length} accepted domain(s)` : 'no accepted domains (local mailbox mode)') +
          `, data in ${config.dataDir}`,
      );
    });
}

function resolveAllSecrets(config: Config): void {
  config.domains.forEach((d, i) => {
    if (d.downstream.auth) resolveSecret(d.downstream.auth.pass, `domains.${i}.downstream.auth.pass`);
  });
  if (config.delivery.smarthost?.auth) resolveSecret(config.delivery.smarthost.auth.pass, 'delivery.smarthost.auth.pass');
}
