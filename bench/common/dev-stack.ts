/**
 * The pieces of the real stack that every bench starts the same way: the Temporal dev server (the pinned
 * CLI), the real workflow bundle, and a worker running the real runFunction activity. What differs (the
 * stores, wrappers, the API) stays in each bench's own stack.ts.
 */
import {
  NativeConnection,
  type WorkflowBundleWithSourceMap,
  bundleWorkflowCode,
} from '@temporalio/worker';
import pino from 'pino';
import type { LonghaulConfig } from '../../src/config';
import type { LogStore } from '../../src/logs/log-store';
import type { CodeStore } from '../../src/registry/code-store';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server';
import { type FunctionWorker, createFunctionWorker, workflowsPath } from '../../src/worker/create-worker';
import { freePort } from './ports';

/** The API's and the worker's logger: their lines would interleave with the report. */
export const quiet = pino({ level: 'silent' });

/**
 * A dev server on free ports of 127.0.0.1 with its SQLite under `dataDir`; no UI, nobody looks at it. With
 * `visibility`, the namespace is prepared and its visibility indexed as `npm start` does (see
 * src/temporal/visibility-indexes.ts; the first start on a dir restarts the server once).
 */
export async function startBenchDevServer(
  cli: string,
  dataDir: string,
  visibility?: { namespace: string; retentionHours: number },
): Promise<DevServer> {
  return startDevServer({
    cli,
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    ui: false,
    ...(visibility ? { visibilityIndexes: { ...visibility, log: (line: string) => console.log(line) } } : {}),
  });
}

/** The real workflow code, bundled once per run (webpack's progress lines silenced). */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
  });
}

export interface FunctionWorkerSetup {
  devServer: Pick<DevServer, 'address'>;
  config: Pick<LonghaulConfig, 'temporalNamespace' | 'taskQueue' | 'logLimits'>;
  codeStore: CodeStore;
  /** Events run at once (maxConcurrentActivityTaskExecutions). */
  concurrency: number;
  logStore: LogStore;
  bundle: WorkflowBundleWithSourceMap;
}

/**
 * The worker as `npm start` creates it, running; `onCleanup` gets its shutdown (waited for) and its
 * connection's close, which must come after.
 */
export async function startFunctionWorker(
  setup: FunctionWorkerSetup,
  onCleanup: (step: () => unknown) => void,
): Promise<FunctionWorker> {
  const connection = await NativeConnection.connect({ address: setup.devServer.address });
  onCleanup(() => connection.close());
  const worker = await createFunctionWorker({
    connection,
    namespace: setup.config.temporalNamespace,
    taskQueue: setup.config.taskQueue,
    codeStore: setup.codeStore,
    logger: quiet,
    concurrency: setup.concurrency,
    logStore: setup.logStore,
    logLimits: setup.config.logLimits,
    workflowBundle: setup.bundle,
  });
  const run = worker.run();
  onCleanup(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await run;
  });
  return worker;
}
