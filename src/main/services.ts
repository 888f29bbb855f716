import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import path from 'node:path';
import { type LonghaulConfig, defaultAccountConcurrencyMb } from '../config';
import { EventGateway } from '../events/gateway';
import type { LogStore } from '../logs/log-store';
import { openLogStore } from '../logs/open-log-store';
import { openSqliteLogStore } from '../logs/sqlite-log-store';
import { AccountStore } from '../registry/accounts';
import { CodeStore } from '../registry/code-store';
import { type Db, openDatabase } from '../registry/database';
import { FunctionLimits } from '../registry/function-limits';
import { FunctionRegistry } from '../registry/functions';
import { InvokeThrottle } from '../registry/invoke-throttle';
import { NamespaceRegistry } from '../registry/namespaces';

/** The stores every longhaul process opens on the data dir. */
export interface Stores {
  db: Db;
  codeStore: CodeStore;
  accounts: AccountStore;
  namespaces: NamespaceRegistry;
  registry: FunctionRegistry;
  limits: FunctionLimits;
  throttle: InvokeThrottle;
  logStore: LogStore;
}

/** Opens the stores on a data dir; the log store is `<dataDir>/logs.sqlite` unless one is given. */
export function openStores(dataDir: string, logStore?: LogStore, accountConcurrencyMb = defaultAccountConcurrencyMb): Stores {
  const db = openDatabase(dataDir);
  const codeStore = new CodeStore(dataDir);
  const registry = new FunctionRegistry(db, codeStore);
  return {
    db,
    codeStore,
    accounts: new AccountStore(db, dataDir),
    namespaces: new NamespaceRegistry(db),
    registry,
    limits: new FunctionLimits(db, registry, accountConcurrencyMb),
    throttle: new InvokeThrottle(db),
    logStore: logStore ?? openSqliteLogStore({ file: path.join(dataDir, 'logs.sqlite') }),
  };
}

/** The stores as the config says: the log store may be PostgreSQL. */
export async function openConfiguredStores(config: LonghaulConfig): Promise<Stores> {
  return openStores(config.dataDir, await openLogStore(config), config.accountConcurrencyMb);
}

export async function closeStores(stores: Stores): Promise<void> {
  await stores.logStore.close();
  stores.db.close();
}

export async function connectClient(address: string, namespace: string): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }) };
}

export function createGateway(config: LonghaulConfig, stores: Stores, client: Client, logger: Logger): EventGateway {
  return new EventGateway({
    client,
    registry: stores.registry,
    limits: stores.limits,
    throttle: stores.throttle,
    invokeBurstSeconds: config.invokeBurstSeconds,
    taskQueue: config.taskQueue,
    heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
    terminateGraceSeconds: config.terminateGraceSeconds,
    logger,
  });
}
