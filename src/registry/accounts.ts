import { createCipheriv, createDecipheriv, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LonghaulError } from '../errors';
import type { Db } from './database';

export interface ApiKey {
  secretId: string;
  secretKey: string;
}

/**
 * Accounts and their SecretId/SecretKey pairs. Secret keys are sealed with AES-256-GCM under a master key
 * kept in the data dir (mode 0600): signature schemes such as TC3 need the key itself, so it cannot be a
 * one-way hash, but a copy of the database alone does not give it away.
 */
export class AccountStore {
  private readonly masterKey: Buffer;

  constructor(
    private readonly db: Db,
    dataDir: string,
  ) {
    this.masterKey = loadMasterKey(dataDir);
  }

  createAccount(name: string): string {
    const id = `acct-${randomUUID()}`;
    this.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(id, name, new Date().toISOString());
    return id;
  }

  /** Adds a key to an account; a new random pair unless one is given. */
  addKey(accountId: string, key: ApiKey = generateKey()): ApiKey {
    this.db
      .prepare('INSERT INTO api_keys (secret_id, account_id, secret_key_sealed, created_at) VALUES (?, ?, ?, ?)')
      .run(key.secretId, accountId, this.seal(key.secretKey), new Date().toISOString());
    return key;
  }

  /** The account owning an active SecretId, with its SecretKey; undefined when unknown or revoked. */
  lookup(secretId: string): { accountId: string; secretKey: string } | undefined {
    const row = this.db
      .prepare('SELECT account_id, secret_key_sealed FROM api_keys WHERE secret_id = ? AND revoked_at IS NULL')
      .get(secretId) as { account_id: string; secret_key_sealed: string } | undefined;
    return row && { accountId: row.account_id, secretKey: this.unseal(row.secret_key_sealed) };
  }

  /** Checks a SecretId/SecretKey pair and returns its account. */
  authenticate(secretId: string, secretKey: string): string {
    const found = this.lookup(secretId);
    if (!found) throw new LonghaulError('AuthFailure.SecretIdNotFound', 'The SecretId is unknown or has been revoked');
    const a = Buffer.from(found.secretKey);
    const b = Buffer.from(secretKey);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new LonghaulError('AuthFailure.SignatureFailure', 'The SecretKey does not match the SecretId');
    }
    return found.accountId;
  }

  /** Every account with its keys; secret keys are never part of a listing. */
  list(): { id: string; name: string; createdAt: string; keys: { secretId: string; createdAt: string; revokedAt: string | null }[] }[] {
    const accounts = this.db.prepare('SELECT id, name, created_at AS createdAt FROM accounts ORDER BY created_at').all() as {
      id: string;
      name: string;
      createdAt: string;
    }[];
    const keys = this.db.prepare(
      'SELECT secret_id AS secretId, created_at AS createdAt, revoked_at AS revokedAt FROM api_keys WHERE account_id = ? ORDER BY created_at',
    );
    return accounts.map((a) => ({ ...a, keys: keys.all(a.id) as { secretId: string; createdAt: string; revokedAt: string | null }[] }));
  }

  exists(accountId: string): boolean {
    return this.db.prepare('SELECT 1 FROM accounts WHERE id = ?').get(accountId) !== undefined;
  }

  revokeKey(secretId: string): boolean {
    const { changes } = this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE secret_id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), secretId);
    return changes > 0;
  }

  accountOfKey(secretId: string): string | undefined {
    const row = this.db.prepare('SELECT account_id FROM api_keys WHERE secret_id = ?').get(secretId) as
      | { account_id: string }
      | undefined;
    return row?.account_id;
  }

  private seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  private unseal(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  }
}

/** SCF-looking credentials: a 36-character SecretId starting with AKID and a 32-character SecretKey. */
export function generateKey(): ApiKey {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
  return { secretId: `AKID${pick(32)}`, secretKey: pick(32) };
}

function loadMasterKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'master.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process wrote it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    throw err;
  }
}
