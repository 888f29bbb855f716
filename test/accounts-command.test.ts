import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { type TestStack, startTestStack } from './helpers/stack';

const root = path.join(__dirname, '..');
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs the accounts command (`npm run accounts -- ...`) against the stack's data dir. */
function accounts(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src', 'main', 'accounts.ts'), ...args],
    {
      env: { PATH: process.env.PATH, LONGHAUL_DATA_DIR: stack.dataDir },
      encoding: 'utf8',
    },
  );
}

test('accounts are created, listed and their keys revoked, and the API follows at once', async () => {
  const created = accounts('create-account', 'team-b');
  expect(created.status).toBe(0);
  const account = JSON.parse(created.stdout);
  expect(account.accountId).toMatch(/^acct-/);
  const client = stack.client.withKey(account.secretId, account.secretKey);

  // The new account works at once, and starts with its own default namespace.
  const namespaces = await client.get('/v1/namespaces');
  expect(namespaces.status).toBe(200);
  expect(namespaces.body.namespaces.map((n: { name: string }) => n.name)).toEqual(['default']);

  const second = JSON.parse(accounts('add-key', account.accountId).stdout);
  const listed = JSON.parse(accounts('list').stdout);
  const mine = listed.find((a: { id: string }) => a.id === account.accountId);
  expect(mine.keys.map((k: { secretId: string }) => k.secretId)).toEqual([account.secretId, second.secretId]);
  // A listing never shows a secret key.
  expect(JSON.stringify(listed)).not.toContain(account.secretKey);

  expect(accounts('revoke', account.secretId).status).toBe(0);
  const refused = await client.get('/v1/namespaces');
  expect(refused.status).toBe(401);
  expect(refused.body.error.code).toBe('AuthFailure.SecretIdNotFound');
  // The account's other key still works.
  expect((await stack.client.withKey(second.secretId, second.secretKey).get('/v1/namespaces')).status).toBe(
    200,
  );
});

test('bad commands say how to use the command', () => {
  const result = accounts('frobnicate');
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('usage: npm run accounts');
  expect(accounts('add-key', 'acct-none').status).toBe(1);
  expect(accounts('revoke', 'AKIDnothing').status).toBe(1);
});
