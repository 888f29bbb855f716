/**
 * The whole stack as `npm start` runs it, for the benches that drive it over HTTP: a dev server (the pinned
 * CLI), the stores on a fresh data dir with the SQLite log store, the REST API, and one worker with the real
 * workflows and activities, all in this process. Everything started is registered with the caller's cleanup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LonghaulConfig, loadConfig } from '../../src/config';
import { openSqliteLogStore } from '../../src/logs/sqlite-log-store';
import type { LogStore } from '../../src/logs/log-store';
import { type RunningApi, startApi } from '../../src/main/components';
import { type Stores, connectClient, openStores } from '../../src/main/services';
import { ensureFirstAccount } from '../../src/registry/first-account';
import type { DevServer } from '../../src/temporal/dev-server';
import { type ApiAnswer, apiCaller, basicAuthorization } from './api';
import { bundleWorkflows, quiet, startBenchDevServer, startFunctionWorker } from './dev-stack';

export interface ApiStack {
  tmp: string;
  devServer: DevServer;
  temporal: Awaited<ReturnType<typeof connectClient>>;
  config: LonghaulConfig;
  logStore: LogStore;
  stores: Stores;
  account: ReturnType<typeof ensureFirstAccount>;
  api: RunningApi;
  authorization: string;
  call: (method: string, route: string, body?: unknown) => Promise<ApiAnswer>;
}

export async function startApiStack(
  cli: string,
  options: { name: string; workerConcurrency: number; env?: Record<string, string> },
  onCleanup: (step: () => unknown) => void,
): Promise<ApiStack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `longhaul-bench-${options.name}-`));
  onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const dataDir = path.join(tmp, 'data');
  const devServer = await startBenchDevServer(cli, path.join(tmp, 'dev-server'));
  onCleanup(() => devServer.stop());
  const temporal = await connectClient(devServer.address, 'default');
  onCleanup(() => temporal.connection.close());
  const config = loadConfig({
    LONGHAUL_DATA_DIR: dataDir,
    LONGHAUL_PORT: '0',
    LONGHAUL_TASK_QUEUE: `longhaul-bench-${options.name}`,
    ...options.env,
  });
  const logStore = openSqliteLogStore({ file: path.join(dataDir, 'logs.sqlite') });
  onCleanup(() => logStore.close());
  const stores = openStores(dataDir, logStore, config.accountConcurrencyMb);
  onCleanup(() => stores.db.close());
  const account = ensureFirstAccount(config, stores.accounts, stores.namespaces);
  const api = await startApi(config, stores, temporal, quiet);
  onCleanup(() => api.close());
  const bundle = await bundleWorkflows();
  const { codeStore } = stores;
  await startFunctionWorker({ devServer, config, codeStore, concurrency: options.workerConcurrency, logStore, bundle }, onCleanup);
  const authorization = basicAuthorization(account);
  return { tmp, devServer, temporal, config, logStore, stores, account, api, authorization, call: apiCaller(api.url, authorization) };
}
