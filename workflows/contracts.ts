/**
 * Pure types shared by the workflow, its activity and the client side. Nothing here runs: it is safe to
 * import from the workflow sandbox.
 */

import type { ConcurrencyTicket } from './pool-contracts';

/** What identifies the code an event runs, snapshotted at invocation so a worker runs exactly that. */
export interface FunctionSnapshot {
  accountId: string;
  namespace: string;
  functionName: string;
  /** `$LATEST` or a published version number. */
  version: string;
  runtime: string;
  handler: string;
  codeSha256: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** The SCF logset and topic the event's output goes to; without one the event has no real-time log. */
  logDestination?: { logsetId: string; topicId: string };
}

/** The workflow's argument: one event of one function. */
export interface EventInput {
  /** The RequestId; equal to the workflow id, repeated here so the runtime context can carry it. */
  requestId: string;
  fn: FunctionSnapshot;
  invokeType: string;
  async: boolean;
  /** The event as the caller sent it (JSON). */
  payload: unknown;
  /** How long the activity may go without a heartbeat before Temporal retries it elsewhere. */
  heartbeatTimeoutSeconds: number;
  /** Default grace between SIGTERM and SIGKILL for a graceful terminate. */
  terminateGraceSeconds: number;
  /** The pool the event waits in for a slot; absent in events accepted before pools existed. */
  concurrency?: ConcurrencyTicket;
  /** SCF's RetryNum (user errors retried that many times) and MsgTTL (how long it may wait to start). */
  retry?: { retryNum: number; msgTtlSeconds: number };
  /** Attempts this event ran before this activity call (user-error retries): log attempts number on from it. */
  attemptBase?: number;
}

export type TerminateMode = 'forced' | 'graceful';

export interface TerminateRequest {
  mode: TerminateMode;
  /** For graceful: how long the process has after SIGTERM before it is killed. */
  graceSeconds: number;
}

/** What one run of the user code produced, as the activity reports it. */
export interface RunReport {
  statusCode: number;
  durationMs: number;
  /** Peak resident memory of the function's process, in bytes (0 when unknown). */
  memUsageBytes: number;
  /** The tail of the function's output, for quick debugging; the log store has all of it. */
  logTail: string;
  attempt: number;
}

/** A finished event's result. */
export interface EventSuccess extends RunReport {
  result: unknown;
}

/** Carried as the details of a failed event's ApplicationFailure. */
export interface EventFailureDetails extends RunReport {
  errorType: string;
  errorMessage: string;
  stack?: string;
}

/** What a running event's activity heartbeats: its process, and what the function reported (beyond SCF). */
export interface HeartbeatDetails {
  pid?: number;
  /** The function's last progress report, shown in the event's status and the Temporal Web UI. */
  progress?: { value: number; message: string; updatedAt: string };
  /** The function's last checkpoint (small JSON); Temporal hands it to the next attempt after a failure. */
  checkpoint?: unknown;
}

/** Memo key under which a terminated event keeps its run report. */
export const abortReportMemo = 'abortReport';

/** ApplicationFailure types the activity throws; user-caused ones are never retried. */
export const failureTypes = {
  /** The handler threw or rejected. */
  userError: 'UserCodeError',
  /** The function outlived its timeout. */
  timeout: 'FunctionTimeout',
  /** The handler named in the config does not exist in the code. */
  handlerNotFound: 'HandlerNotFound',
  /** The process exited or was killed before answering. */
  processExited: 'ProcessExited',
  /** The result could not be sent back (not JSON, too large). */
  badResult: 'InvalidResult',
  /** The function's processes used more memory than its memory size. */
  memoryLimit: 'MemoryLimitExceeded',
  /** The worker is going away: retried on another one. */
  platformInterrupted: 'PlatformInterrupted',
  /** The event waited for a slot longer than its MsgTTL and never ran. */
  eventExpired: 'EventExpired',
} as const;

export const nonRetryableFailureTypes: string[] = [
  failureTypes.userError,
  failureTypes.timeout,
  failureTypes.handlerNotFound,
  failureTypes.processExited,
  failureTypes.badResult,
];

/**
 * What RetryNum retries: failures of the user's code. A missing handler is a configuration error that a
 * retry cannot fix, and an expired event must not run at all.
 */
export const userRetryableFailureTypes: string[] = [
  failureTypes.userError,
  failureTypes.timeout,
  failureTypes.processExited,
  failureTypes.badResult,
  failureTypes.memoryLimit,
];
