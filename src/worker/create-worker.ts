import path from 'node:path';
import { Client } from '@temporalio/client';
import { type NativeConnection, type State, Worker, type WorkflowBundleWithSourceMap, bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import { type LogLimits, defaultLogLimits } from '../logs/attempt-log';
import type { LogStore } from '../logs/log-store';
import type { CodeStore } from '../registry/code-store';
import { sandboxAvailable } from '../runtime/sandbox';
import { poolTaskQueueOf } from '../events/pool-join';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  codeStore: CodeStore;
  logger: Logger;
  /** How many events this worker runs at once. */
  concurrency: number;
  /** A pre-built workflow bundle (tests bundle once per file); built from workflows/ when absent. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Where per-event working directories go. */
  workRoot?: string;
  /** Where functions with a log destination send their output. */
  logStore?: LogStore;
  /** Run user code as per-event unprivileged users; by default whenever the worker can (runs as root). */
  sandbox?: boolean;
  /** Line, volume and batching limits of event logs; the defaults when absent. */
  logLimits?: LogLimits;
}

export const workflowsPath = path.resolve(__dirname, '../../workflows/index.ts');

/** A longhaul worker: the events' task queue and the pools' one, run and stopped together. */
export interface FunctionWorker {
  /** Resolves once both have shut down; if either fails, the other is shut down too. */
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

/**
 * A worker that runs function events (the workflow code plus the activity that launches user code) and, on
 * a queue of its own, the concurrency pools (see poolTaskQueueOf).
 */
export async function createFunctionWorker(deps: WorkerDeps): Promise<FunctionWorker> {
  const activities = createActivities({
    client: new Client({ connection: deps.connection, namespace: deps.namespace }),
    codeStore: deps.codeStore,
    logger: deps.logger,
    workRoot: deps.workRoot,
    logStore: deps.logStore,
    logLimits: deps.logLimits ?? defaultLogLimits,
    sandbox: deps.sandbox ?? sandboxAvailable(),
  });
  // One bundle for both workers: building it is the slow part of starting.
  const workflowBundle = deps.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger }));
  const events = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle,
    activities,
    maxConcurrentActivityTaskExecutions: deps.concurrency,
    // Cancellation reaches an activity only with a heartbeat: flush them every second so terminate is prompt.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // Events can run for a day; waiting for them on shutdown is pointless. They are handed back instead.
    shutdownGraceTime: '3s',
  });
  const pools = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: poolTaskQueueOf(deps.taskQueue),
    workflowBundle,
    // Only the pools' own local activity (findEndedEvents) runs here; no user code.
    activities,
    maxConcurrentActivityTaskExecutions: 4,
    shutdownGraceTime: '3s',
  });
  return {
    async run() {
      const stopBoth = () => {
        for (const w of [events, pools]) if (w.getState() === 'RUNNING') w.shutdown();
      };
      await Promise.all([events.run().finally(stopBoth), pools.run().finally(stopBoth)]);
    },
    shutdown() {
      for (const w of [events, pools]) if (w.getState() === 'RUNNING') w.shutdown();
    },
    getState: () => events.getState(),
  };
}

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never;
