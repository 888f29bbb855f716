// `npm run accounts -- <command>`: manage accounts and their keys in the data dir (LONGHAUL_DATA_DIR).
// The API reads keys from the same database on every request, so a revocation takes effect at once.
import { loadConfig } from '../config';
import { openStores } from './services';

const usage = `usage: npm run accounts -- <command>
  list                      every account and its keys (SecretIds only; secret keys are never shown again)
  create-account <name>     a new account with its default namespace and a first key (printed once)
  add-key <accountId>       one more key for an account (printed once)
  revoke <secretId>         revoke a key, at once`;

function main(argv: string[]): number {
  const [command, arg] = argv;
  const stores = openStores(loadConfig().dataDir);
  try {
    switch (command) {
      case 'list':
        console.log(JSON.stringify(stores.accounts.list(), null, 2));
        return 0;
      case 'create-account': {
        if (!arg) break;
        const accountId = stores.accounts.createAccount(arg);
        stores.namespaces.ensureDefault(accountId);
        console.log(JSON.stringify({ accountId, ...stores.accounts.addKey(accountId) }, null, 2));
        return 0;
      }
      case 'add-key':
        if (!arg) break;
        if (!stores.accounts.exists(arg)) {
          console.error(`no account ${arg}`);
          return 1;
        }
        console.log(JSON.stringify({ accountId: arg, ...stores.accounts.addKey(arg) }, null, 2));
        return 0;
      case 'revoke':
        if (!arg) break;
        if (!stores.accounts.revokeKey(arg)) {
          console.error(`no active key ${arg}`);
          return 1;
        }
        console.log(`revoked ${arg}`);
        return 0;
    }
    console.error(usage);
    return 2;
  } finally {
    stores.db.close();
  }
}

process.exitCode = main(process.argv.slice(2));
