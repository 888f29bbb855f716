import fs from 'node:fs';
import path from 'node:path';
import type { LonghaulConfig } from '../config';
import type { AccountStore, ApiKey } from './accounts';
import type { NamespaceRegistry } from './namespaces';

export interface FirstAccount extends ApiKey {
  accountId: string;
  /** Where the credentials came from: the environment, an earlier run's file, or made just now. */
  source: 'environment' | 'credentials-file' | 'generated';
  credentialsFile: string;
}

/**
 * Makes sure the operator has an account to start with: the one named by LONGHAUL_SECRET_ID/KEY, or the
 * one recorded in <data dir>/credentials.json, or a new one whose key is written there with mode 0600.
 */
export function ensureFirstAccount(
  config: Pick<LonghaulConfig, 'dataDir' | 'secretId' | 'secretKey'>,
  accounts: AccountStore,
  namespaces: NamespaceRegistry,
): FirstAccount {
  const credentialsFile = path.join(config.dataDir, 'credentials.json');
  const result = resolve();
  namespaces.ensureDefault(result.accountId);
  return { ...result, credentialsFile };

  function resolve(): Omit<FirstAccount, 'credentialsFile'> {
    if (config.secretId && config.secretKey) {
      const known = accounts.lookup(config.secretId);
      if (known && known.secretKey !== config.secretKey) {
        throw new Error('LONGHAUL_SECRET_KEY does not match the key already stored for LONGHAUL_SECRET_ID');
      }
      const accountId = known?.accountId ?? accounts.createAccount('first account');
      if (!known) accounts.addKey(accountId, { secretId: config.secretId, secretKey: config.secretKey });
      return { accountId, secretId: config.secretId, secretKey: config.secretKey, source: 'environment' };
    }
    const saved = readCredentials(credentialsFile);
    const known = saved && accounts.lookup(saved.secretId);
    if (saved && known?.secretKey === saved.secretKey) {
      return { accountId: known.accountId, ...saved, source: 'credentials-file' };
    }
    const accountId = accounts.createAccount('first account');
    const key = accounts.addKey(accountId);
    fs.writeFileSync(credentialsFile, JSON.stringify({ ...key, accountId }, null, 2) + '\n', { mode: 0o600 });
    fs.chmodSync(credentialsFile, 0o600);
    return { accountId, ...key, source: 'generated' };
  }
}

function readCredentials(file: string): ApiKey | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ApiKey>;
    if (typeof parsed.secretId === 'string' && typeof parsed.secretKey === 'string') {
      return { secretId: parsed.secretId, secretKey: parsed.secretKey };
    }
  } catch {
    // missing or unreadable: a new account is made
  }
  return undefined;
}
