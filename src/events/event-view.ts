import type { EventFailureDetails, EventSuccess } from '../../workflows/contracts';
import { statusCodes } from '../../workflows/status-codes';
import type { AttemptRecord, QueuePlace } from '../../workflows/pool-contracts';

/** SCF's event statuses. */
export type EventStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'ABORTED';

/** Temporal's workflow execution status names, as the client reports them. */
export type WorkflowStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNSPECIFIED'
  | 'UNKNOWN';

/** Temporal's status is the event status: the one mapping, used by every API. */
export function eventStatusOf(workflowStatus: WorkflowStatusName): EventStatus {
  switch (workflowStatus) {
    case 'COMPLETED':
      return 'FINISHED';
    case 'FAILED':
    case 'TIMED_OUT':
      return 'FAILED';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'ABORTED';
    default:
      return 'RUNNING';
  }
}

/**
 * The event's SCF status code: 0 while it runs; once ended, what the workflow recorded in its search
 * attribute, or, when it never could (terminated from outside), the code of its Temporal status.
 */
export function statusCodeOf(workflowStatus: WorkflowStatusName, recorded: number | undefined): number {
  if (eventStatusOf(workflowStatus) === 'RUNNING') return statusCodes.running;
  return recorded || fallbackStatusCode(workflowStatus);
}

/** The status code when the workflow recorded none (terminated from outside, or before it could). */
function fallbackStatusCode(workflowStatus: WorkflowStatusName): number {
  switch (workflowStatus) {
    case 'COMPLETED':
      return statusCodes.success;
    case 'FAILED':
      return statusCodes.internalError;
    case 'TIMED_OUT':
      return statusCodes.timeout;
    case 'CANCELLED':
    case 'TERMINATED':
      return statusCodes.cancelled;
    default:
      return statusCodes.running;
  }
}

export interface EventError {
  type: string;
  message: string;
  stack?: string;
}

/** What names an event and says where it stands: shared by the full view and list entries. */
export interface EventHeadline {
  requestId: string;
  namespace: string;
  functionName: string;
  qualifier: string;
  invokeType: string;
  status: EventStatus;
  statusCode: number;
}

/** One event as every API shows it. */
export interface EventView extends EventHeadline {
  startTime: string;
  endTime: string | null;
  durationMs: number | null;
  memUsageBytes: number | null;
  result?: unknown;
  error?: EventError;
  /** The last few KB of the function's output (the log store has all of it). */
  logTail?: string;
  /** While it runs: the attempt running now (1 unless a platform failure retried it). */
  attempt?: number;
  /** While it runs: the function's last progress report (context.reportProgress), or null. */
  progress?: { value: number; message: string; updatedAt: string } | null;
  /** While RUNNING (beyond SCF): QUEUED while it waits for a concurrency slot, then RUNNING. */
  phase?: 'QUEUED' | 'RUNNING';
  /** While QUEUED: its place in its pool's line and how long it has waited. */
  queue?: QueuePlace & { poolId: string; since: string; waitedMs: number };
  /** The attempts that failed before the last one (RetryNum retries, and platform retries between them). */
  attempts?: AttemptRecord[];
}

/** What a closed workflow's history says about how the event ended. */
export type EventOutcome =
  | { kind: 'success'; success: EventSuccess }
  | { kind: 'failure'; details: EventFailureDetails | undefined; message: string; type: string }
  | { kind: 'aborted'; details: Partial<EventFailureDetails> | undefined; message: string }
  | { kind: 'running' };

export function outcomeFields(outcome: EventOutcome): Partial<EventView> {
  switch (outcome.kind) {
    case 'success':
      return {
        result: outcome.success.result,
        durationMs: outcome.success.durationMs,
        memUsageBytes: outcome.success.memUsageBytes,
        logTail: outcome.success.logTail,
      };
    case 'failure':
      return {
        error: { type: outcome.details?.errorType ?? outcome.type, message: outcome.message, stack: outcome.details?.stack },
        durationMs: outcome.details?.durationMs ?? null,
        memUsageBytes: outcome.details?.memUsageBytes ?? null,
        logTail: outcome.details?.logTail,
      };
    case 'aborted':
      return {
        error: { type: 'Aborted', message: outcome.message },
        durationMs: outcome.details?.durationMs ?? null,
        memUsageBytes: outcome.details?.memUsageBytes ?? null,
        logTail: outcome.details?.logTail,
      };
    default:
      return {};
  }
}
