// The bearer token and the TLS certificate, made on first start and kept in the state directory.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { makePrivateDirectory } from './store.js';

export interface Credentials {
  readonly token: string;
  readonly tokenFile: string;
  readonly key: string;
  readonly cert: string;
  /** The certificate is its own CA: clients trust this PEM. */
  readonly caFile: string;
}

function ensureToken(stateDir: string): { token: string; tokenFile: string } {
  const tokenFile = join(stateDir, 'token');
  if (!existsSync(tokenFile)) {
    try {
      // 'wx': when two processes start on a new state directory, one token wins.
      writeFileSync(tokenFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  chmodSync(tokenFile, 0o600);
  return { token: readFileSync(tokenFile, 'utf8').trim(), tokenFile };
}

async function ensureCertificate(stateDir: string): Promise<{ key: string; cert: string; caFile: string }> {
  const dir = join(stateDir, 'tls');
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'ca.pem');
  if (!existsSync(keyFile) || !existsSync(caFile)) {
    makePrivateDirectory(dir);
    const now = new Date();
    const pems = await generate([{ name: 'commonName', value: 'vmbackup emulator' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 86_400_000),
      notAfterDate: new Date(now.getTime() + 10 * 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
      ],
    });
    const suffix = `.${process.pid}.tmp`;
    writeFileSync(keyFile + suffix, pems.private, { mode: 0o600 });
    writeFileSync(caFile + suffix, pems.cert, { mode: 0o644 });
    // Key first: a reader that sees the CA file also finds its key.
    renameSync(keyFile + suffix, keyFile);
    renameSync(caFile + suffix, caFile);
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8'), caFile };
}

export async function ensureCredentials(stateDir: string): Promise<Credentials> {
  makePrivateDirectory(stateDir);
  const { token, tokenFile } = ensureToken(stateDir);
  const { key, cert, caFile } = await ensureCertificate(stateDir);
  return { token, tokenFile, key, cert, caFile };
}
