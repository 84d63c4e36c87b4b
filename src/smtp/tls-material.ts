/**
 * The certificate STARTTLS presents: the configured cert and key files, else a self-signed
 * certificate generated on first start and kept in <dataDir>/tls (key file mode 0600). The
 * generated one lets opportunistic TLS work out of the box; operators are told to configure a
 * real one (the log says so at start).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { PortcullisError } from '../core/errors.js';

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly selfSigned: boolean;
}

export async function loadTlsMaterial(
  configured: { cert: string; key: string } | undefined,
  dataDir: string,
  hostname: string,
): Promise<TlsMaterial> {
  if (configured) {
    try {
      return { cert: readFileSync(configured.cert), key: readFileSync(configured.key), selfSigned: false };
    } catch (err) {
      throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `smtp.tls: cannot read certificate or key: ${(err as Error).message}`, { cause: err });
    }
  }
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'self-signed.crt');
  const keyPath = join(dir, 'self-signed.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pems = await generate([{ name: 'commonName', value: hostname }], {
      // RSA: EC generation fails here because mailauth pins an older @peculiar/asn1-schema
      // beside the one @peculiar/x509 needs (test/smtp/tls-material.test.ts covers this).
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] }],
    });
    // Written under temporary names and renamed, so a crash never leaves half a key.
    writeFileSync(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
    writeFileSync(`${certPath}.tmp`, pems.cert, { mode: 0o644 });
    renameSync(`${keyPath}.tmp`, keyPath);
    renameSync(`${certPath}.tmp`, certPath);
  }
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), selfSigned: true };
}
