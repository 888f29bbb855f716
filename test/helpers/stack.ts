import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type WorkflowBundleWithSourceMap, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { type LonghaulConfig, loadConfig } from '../../src/config';
import { type RunningApi, startApi } from '../../src/main/components';
import { type Stores, closeStores, openStores } from '../../src/main/services';
import type { LogStore } from '../../src/logs/log-store';
import { ensureFirstAccount } from '../../src/registry/first-account';
import { type FunctionWorker, createFunctionWorker, workflowsPath } from '../../src/worker/create-worker';
import { ApiClient } from './api-client';

/** The temporal CLI that scripts/bootstrap.mjs resolved (npm test sets it). */
export function temporalCli(): string {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli) throw new Error('LONGHAUL_TEMPORAL_CLI is not set: run the tests with `npm test`');
  return cli;
}

// The SDK's own INFO lines (worker state changes, expected activity failures) would drown the test report.
try {
  // ERROR by default: the replay test's deliberate nondeterminism would flood the report with warnings.
  Runtime.install({ logger: new DefaultLogger(process.env.LONGHAUL_TEST_SDK_LOG_LEVEL === 'WARN' ? 'WARN' : 'ERROR') });
} catch {
  // already installed by an earlier import in this test file
}

export const quietLogger = pino({ level: process.env.LONGHAUL_TEST_LOG_LEVEL ?? 'silent' });

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file and shared by its workers. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  return bundle;
}

export interface TestStack {
  env: TestWorkflowEnvironment;
  config: LonghaulConfig;
  stores: Stores;
  api: RunningApi;
  client: ApiClient;
  /** The account `client` signs in as. */
  accountId: string;
  worker: FunctionWorker;
  workerRun: Promise<void>;
  dataDir: string;
  /** Every worker started in this process, the first one included. */
  inProcessWorkers: { worker: FunctionWorker; run: Promise<void> }[];
  /** Starts a further worker in this process on the same task queue. */
  startWorker(): Promise<{ worker: FunctionWorker; run: Promise<void> }>;
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real thing for one test file: a Temporal dev server (the pinned CLI), the stores on a fresh data dir,
 * a worker and the REST API on an ephemeral port.
 */
export async function startTestStack(overrides: Record<string, string> = {}, options: { logStore?: LogStore } = {}): Promise<TestStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-test-'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCli() }, ui: false },
  });
  const config = loadConfig({
    LONGHAUL_DATA_DIR: dataDir,
    LONGHAUL_PORT: '0',
    LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS: '3',
    LONGHAUL_TERMINATE_GRACE_SECONDS: '2',
    LONGHAUL_TASK_QUEUE: `longhaul-test-${path.basename(dataDir)}`,
    ...overrides,
  });
  const stores = openStores(dataDir, options.logStore, config.accountConcurrencyMb);
  const first = ensureFirstAccount(config, stores.accounts, stores.namespaces);
  const temporal = { connection: env.connection, client: env.client };
  let api = await startApi(config, stores, temporal, quietLogger);
  const client = new ApiClient(api.url, first.secretId, first.secretKey);
  const workers: { worker: FunctionWorker; run: Promise<void> }[] = [];
  const connections: NativeConnection[] = [];

  const startWorker = async () => {
    // One connection per worker: the SDK refuses two workers of one task queue on the same connection.
    const connection = await NativeConnection.connect({ address: env.address });
    connections.push(connection);
    const worker = await createFunctionWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      codeStore: stores.codeStore,
      logger: quietLogger,
      concurrency: 20,
      logStore: stores.logStore,
      logLimits: config.logLimits,
      workflowBundle: await workflowBundle(),
    });
    const entry = { worker, run: worker.run() };
    workers.push(entry);
    return entry;
  };
  const first_ = await startWorker();

  return {
    env,
    config,
    stores,
    get api() {
      return api;
    },
    client,
    accountId: first.accountId,
    worker: first_.worker,
    workerRun: first_.run,
    dataDir,
    inProcessWorkers: workers,
    startWorker,
    async restartApi() {
      await api.close();
      api = await startApi(config, stores, temporal, quietLogger);
      client.baseUrl = api.url;
    },
    async stop() {
      for (const w of workers) {
        if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      }
      await Promise.allSettled(workers.map((w) => w.run));
      await Promise.allSettled(connections.map((c) => c.close()));
      await api.close();
      await closeStores(stores);
      await env.teardown();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
