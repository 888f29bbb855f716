import path from 'node:path';
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import { type LogLimits, defaultLogLimits } from '../logs/attempt-log';
import type { LogStore } from '../logs/log-store';
import type { CodeStore } from '../registry/code-store';
import { sandboxAvailable } from '../runtime/sandbox';

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

/** A worker that runs function events: the workflow code plus the activity that launches user code. */
export function createFunctionWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: createActivities({
      client: new Client({ connection: deps.connection, namespace: deps.namespace }),
      codeStore: deps.codeStore,
      logger: deps.logger,
      workRoot: deps.workRoot,
      logStore: deps.logStore,
      logLimits: deps.logLimits ?? defaultLogLimits,
      sandbox: deps.sandbox ?? sandboxAvailable(),
    }),
    maxConcurrentActivityTaskExecutions: deps.concurrency,
    // Cancellation reaches an activity only with a heartbeat: flush them every second so terminate is prompt.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // Events can run for a day; waiting for them on shutdown is pointless. They are handed back instead.
    shutdownGraceTime: '3s',
  });
}
