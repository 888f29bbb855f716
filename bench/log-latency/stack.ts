/**
 * The real stack for one store, in this process as test/helpers/stack.ts and `npm start` run it: the stores
 * on a fresh data dir, the REST API over HTTP, and a worker running the real runFunction activity (user
 * code in real child processes). One Temporal dev server (the pinned CLI) serves every store's stack.
 *
 * Two bench-side wrappers, no change to src/: the log store records when each batch was appended and when
 * each read ran, and the API's Temporal client records its `describe` calls (the follower's status checks).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import type { LogKey, LogLine, LogStore } from '../../src/logs/log-store';
import { openPostgresLogStore } from '../../src/logs/postgres-log-store';
import { openSqliteLogStore } from '../../src/logs/sqlite-log-store';
import { type RunningApi, startApi } from '../../src/main/components';
import { connectClient, openStores } from '../../src/main/services';
import { ensureFirstAccount } from '../../src/registry/first-account';
import type { DevServer } from '../../src/temporal/dev-server';
import { basicAuthorization, createBenchFunction } from '../common/api';
import { Cleanup } from '../common/cleanup';
import { hiNow } from '../common/clock';
import { bundleWorkflows, quiet, startBenchDevServer, startFunctionWorker } from '../common/dev-stack';
import { benchZip } from './function';

export type StoreKind = 'sqlite' | 'sqlite-split' | 'postgres';

export const storeDescriptions: Record<StoreKind, string> = {
  sqlite: 'SQLite, API and worker on one store connection (as `npm start` runs them): appends wake followers directly',
  'sqlite-split':
    'SQLite, API and worker on separate connections to one file (as separate API and worker processes): followers see appends by polling (25 ms)',
  postgres: 'PostgreSQL, API and worker on separate store instances: followers are woken by LISTEN/NOTIFY',
};

/** [start, end] of one call, hi-res epoch ms. */
export interface Span {
  startHi: number;
  endHi: number;
}

/** A store call that covered the lines firstSeq..lastSeq of one request. */
export interface SeqSpan extends Span {
  firstSeq: number;
  lastSeq: number;
}

/** One waitForLines call of a follower. */
export interface WaitSpan extends Span {
  maxWaitMs: number;
}

export interface Timings {
  appends: Map<string, SeqSpan[]>;
  reads: Map<string, SeqSpan[]>;
  waits: Map<string, WaitSpan[]>;
  describes: Span[];
}

/** Delegates to the store, recording appends and non-empty reads per request. */
function timedStore(inner: LogStore, timings: Timings): LogStore {
  const note = (map: Map<string, SeqSpan[]>, key: LogKey, lines: readonly LogLine[], startHi: number, endHi: number) => {
    if (lines.length === 0) return;
    let list = map.get(key.requestId);
    if (!list) map.set(key.requestId, (list = []));
    list.push({ startHi, endHi, firstSeq: lines[0]!.seq, lastSeq: lines[lines.length - 1]!.seq });
  };
  return {
    ...inner,
    beginAttempt: (s) => inner.beginAttempt(s),
    endAttempt: (e) => inner.endAttempt(e),
    attempts: (k) => inner.attempts(k),
    searchAttempts: (s) => inner.searchAttempts(s),
    async waitForLines(key, maxWaitMs, signal) {
      const startHi = hiNow();
      await inner.waitForLines(key, maxWaitMs, signal);
      let list = timings.waits.get(key.requestId);
      if (!list) timings.waits.set(key.requestId, (list = []));
      list.push({ startHi, endHi: hiNow(), maxWaitMs });
    },
    purgeBefore: (c) => inner.purgeBefore(c),
    close: () => inner.close(),
    async appendLines(key, lines) {
      const startHi = hiNow();
      await inner.appendLines(key, lines);
      note(timings.appends, key, lines, startHi, hiNow());
    },
    async readLines(key, after, limit) {
      const startHi = hiNow();
      const lines = await inner.readLines(key, after, limit);
      note(timings.reads, key, lines, startHi, hiNow());
      return lines;
    },
  };
}

/** The API's Temporal client, with every workflow `describe` timed. */
function timedClient(connection: Connection, namespace: string, timings: Timings): Client {
  const client = new Client({ connection, namespace });
  const getHandle = client.workflow.getHandle.bind(client.workflow);
  client.workflow.getHandle = ((...args: Parameters<typeof getHandle>) => {
    const handle = getHandle(...args);
    const describe = handle.describe.bind(handle);
    handle.describe = async () => {
      const startHi = hiNow();
      try {
        return await describe();
      } finally {
        timings.describes.push({ startHi, endHi: hiNow() });
      }
    };
    return handle;
  }) as typeof getHandle;
  return client;
}

export interface Shared {
  cli: string;
  devServer: DevServer;
  temporal: { connection: Connection; client: Client };
  bundle: WorkflowBundleWithSourceMap;
  tmp: string;
  /** Extra environment for loadConfig (e.g. LONGHAUL_LOG_FLUSH_INTERVAL_MS). */
  env: Record<string, string>;
  postgresUrl?: () => Promise<string>;
}

export async function startShared(cli: string, env: Record<string, string>): Promise<Shared> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-logs-'));
  // mkdtemp made it 0700: as root each event runs as its own uid (the sandbox), and the bench function must
  // still find its go file below it (latency.ts). Searchable, not listable.
  fs.chmodSync(tmp, 0o711);
  const devServer = await startBenchDevServer(cli, path.join(tmp, 'dev-server'));
  const temporal = await connectClient(devServer.address, 'default');
  const bundle = await bundleWorkflows();
  return { cli, devServer, temporal, bundle, tmp, env };
}

export interface BenchStack {
  kind: StoreKind;
  api: RunningApi;
  authorization: string;
  functionName: string;
  timings: Timings;
  tmp: string;
  flushIntervalMs: number;
  stop(): Promise<void>;
}

let stackCount = 0;

export async function startStack(shared: Shared, kind: StoreKind): Promise<BenchStack> {
  stackCount += 1;
  const dataDir = path.join(shared.tmp, `${kind}-${stackCount}`);
  const config = loadConfig({
    LONGHAUL_DATA_DIR: dataDir,
    LONGHAUL_PORT: '0',
    LONGHAUL_TASK_QUEUE: `longhaul-bench-logs-${stackCount}`,
    ...shared.env,
  });
  const timings: Timings = { appends: new Map(), reads: new Map(), waits: new Map(), describes: [] };
  const { add: onCleanup, run: stop } = new Cleanup();
  try {
    let workerStore: LogStore;
    let apiStore: LogStore;
    if (kind === 'postgres') {
      const url = await shared.postgresUrl!();
      workerStore = await openPostgresLogStore({ connectionString: url });
      apiStore = await openPostgresLogStore({ connectionString: url });
    } else {
      const file = path.join(dataDir, 'logs.sqlite');
      workerStore = openSqliteLogStore({ file });
      apiStore = kind === 'sqlite' ? workerStore : openSqliteLogStore({ file });
    }
    const timedWorkerStore = timedStore(workerStore, timings);
    const timedApiStore = apiStore === workerStore ? timedWorkerStore : timedStore(apiStore, timings);
    onCleanup(() => workerStore.close());
    if (apiStore !== workerStore) onCleanup(() => apiStore.close());
    const stores = openStores(dataDir, timedApiStore);
    onCleanup(() => stores.db.close());
    const account = ensureFirstAccount(config, stores.accounts, stores.namespaces);
    const client = timedClient(shared.temporal.connection, config.temporalNamespace, timings);
    const api = await startApi(config, stores, { connection: shared.temporal.connection, client }, quiet);
    onCleanup(() => api.close());

    const worker = { devServer: shared.devServer, config, codeStore: stores.codeStore, concurrency: 4, logStore: timedWorkerStore, bundle: shared.bundle };
    await startFunctionWorker(worker, onCleanup);

    const authorization = basicAuthorization(account);
    const functionName = `bench-logs-${kind}`;
    await createBenchFunction(api.url, authorization, { functionName, runtime: 'Nodejs18.15', handler: 'index.main', zipFile: await benchZip() });
    return { kind, api, authorization, functionName, timings, tmp: shared.tmp, flushIntervalMs: config.logLimits.flushIntervalMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function invoke(stack: BenchStack, event: unknown): Promise<string> {
  const response = await fetch(`${stack.api.url}/v1/namespaces/default/functions/${stack.functionName}/invocations`, {
    method: 'POST',
    headers: { authorization: stack.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const body = (await response.json()) as { requestId?: string };
  if (response.status !== 202 || !body.requestId) throw new Error(`invoke failed: ${response.status} ${JSON.stringify(body)}`);
  return body.requestId;
}
