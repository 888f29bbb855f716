import * as wf from '@temporalio/workflow';
import type { FunctionActivities } from '../activities/types';
import {
  type EventFailureDetails,
  type EventInput,
  type EventSuccess,
  type RunReport,
  abortReportMemo,
  type TerminateRequest,
  failureTypes,
  nonRetryableFailureTypes,
  userRetryableFailureTypes,
} from './contracts';
import { terminateRequestQuery, terminateSignal } from './definitions';
import { type AttemptRecord, type ConcurrencyTicket, type QueueMemo, attemptsMemo, queueMemo } from './pool-contracts';
import { leavePoolSignal, slotGrantedSignal } from './pool-definitions';
import { searchAttributes } from './search-attributes';
import { statusCodes } from './status-codes';

/**
 * The activity enforces the function's timeout itself (it kills the process and reports 433); Temporal's
 * start-to-close timeout is the backstop a few seconds later, for a worker that could not.
 */
const backstopSlackSeconds = 30;

/** Attempts for platform failures only (a lost or stopping worker); user errors are retried by RetryNum. */
const platformAttempts = 5;

/** Backoff between retries of a user error: 2 s, 4 s, ... at most a minute. */
const userRetryInitialMs = 2_000;
const userRetryMaxMs = 60_000;

/** SCF's default MsgTTL (6 h), for an input that carries none. */
const defaultMsgTtlSeconds = 21_600;

/** The marker of the workflow version with concurrency pools and RetryNum (see wf.patched). */
const poolsAndRetriesPatch = 'concurrency-pools-and-retries';

/**
 * The marker of the version that joins its pool itself only when no grant came within selfJoinGraceMs.
 * 10 s: the join is needed only when the API died between starting the workflow and joining; a shorter
 * grace made every event of a long line join twice (bench/concurrency.ts saw 480 such joins in a burst).
 */
const joinAfterGracePatch = 'pool-join-after-grace';
const selfJoinGraceMs = 10_000;

/**
 * One event of one function: a single heartbeating activity runs the user code. The workflow's own
 * status is the event status (Completed = FINISHED, Failed = FAILED, Canceled/Terminated = ABORTED).
 */
export async function functionEventWorkflow(input: EventInput): Promise<EventSuccess> {
  let terminateRequest: TerminateRequest | null = null;
  wf.setHandler(terminateSignal, (request) => {
    terminateRequest ??= request;
  });
  wf.setHandler(terminateRequestQuery, () => terminateRequest);

  const { fn } = input;
  const { runFunction } = wf.proxyActivities<FunctionActivities>({
    startToCloseTimeout: `${fn.timeoutSeconds + backstopSlackSeconds}s`,
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds}s`,
    // Without this the workflow could close while the child process still runs.
    cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: platformAttempts,
      nonRetryableErrorTypes: nonRetryableFailureTypes,
    },
    summary: `run ${fn.namespace}/${fn.functionName}:${fn.version}`,
  });

  // Events accepted before pools and retries existed replay without them (their histories have no marker).
  const current = wf.patched(poolsAndRetriesPatch);
  const ticket = current ? input.concurrency : undefined;
  try {
    if (ticket) await waitForSlot(input, ticket);
    const success = await runWithRetries(input, runFunction, current ? (input.retry?.retryNum ?? 0) : 0);
    recordStatusCode(statusCodes.success);
    return success;
  } catch (err) {
    if (wf.isCancellation(err)) {
      const report = cancelReport(err);
      recordStatusCode(report?.statusCode ?? statusCodes.cancelled);
      // A cancelled workflow's close event carries no details: the memo keeps how the process ended.
      if (report) wf.upsertMemo({ [abortReportMemo]: report });
      throw err;
    }
    const failure = toEventFailure(err);
    recordStatusCode(failure.details?.[0] ? (failure.details[0] as EventFailureDetails).statusCode : 500);
    throw failure;
  } finally {
    // However the event ended, its slot (or its place in line) goes back; a pool already gone has nothing to free.
    if (ticket) {
      await wf.CancellationScope.nonCancellable(() =>
        wf
          .getExternalWorkflowHandle(ticket.poolId)
          .signal(leavePoolSignal, { requestId: input.requestId })
          .catch(() => undefined),
      );
    }
  }
}

/**
 * Runs the user code, and again after a user error as many times as the function's RetryNum says, with
 * backoff. Platform failures are retried by Temporal inside each call (the activity's retry policy); the
 * attempts number on across both, and each finished one is kept in the memo for the event's detail.
 */
async function runWithRetries(
  input: EventInput,
  runFunction: FunctionActivities['runFunction'],
  retryNum: number,
): Promise<EventSuccess> {
  const attempts: AttemptRecord[] = [];
  let attemptBase = 0;
  for (let retry = 0; ; retry++) {
    try {
      return await runFunction(attemptBase === 0 ? input : { ...input, attemptBase });
    } catch (err) {
      if (retryNum === 0 || wf.isCancellation(err)) throw err;
      const failure = toEventFailure(err);
      const details = failure.details?.[0] as EventFailureDetails;
      attemptBase = Math.max(attemptBase + 1, details.attempt);
      attempts.push({
        attempt: attemptBase,
        statusCode: details.statusCode,
        errorType: details.errorType,
        message: details.errorMessage,
        endedAt: new Date().toISOString(),
      });
      wf.upsertMemo({ [attemptsMemo]: attempts });
      if (retry >= retryNum || !userRetryableFailureTypes.includes(failure.type ?? '')) throw failure;
      await wf.sleep(Math.min(userRetryInitialMs * 2 ** retry, userRetryMaxMs));
    }
  }
}

/**
 * Waits in the function's pool (or the account's) for a run slot, in arrival order. The wait counts
 * toward MsgTTL from the invocation: an event that has not started by then fails with 432. A terminate while
 * waiting cancels the wait; the caller's `finally` gives the place in line back.
 */
async function waitForSlot(input: EventInput, ticket: ConcurrencyTicket): Promise<void> {
  let granted = false;
  wf.setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  const arrivedAtMs = ticket.arrivedAtMs ?? wf.workflowInfo().startTime.getTime();
  const { joinPool } = wf.proxyLocalActivities<FunctionActivities>({
    startToCloseTimeout: '10s',
    retry: { maximumInterval: '5s' },
  });
  const join = () =>
    joinPool(ticket.poolId, { requestId: input.requestId, weightMb: input.fn.memoryMb, arrivedAtMs, capacityMb: ticket.capacityMb });
  const queued = () =>
    wf.upsertMemo({ [queueMemo]: { poolId: ticket.poolId, since: new Date(arrivedAtMs).toISOString() } satisfies QueueMemo });
  if (wf.patched(joinAfterGracePatch)) {
    // The gateway joined the pool already: the grant is usually on its way. Joining again at once (a round
    // trip) is only needed when the API died before it joined, so it waits a grace first.
    queued();
    if (!(await wf.condition(() => granted, selfJoinGraceMs))) await join();
  } else {
    await join();
    if (granted) return;
    queued();
  }
  const msgTtlMs = (input.retry?.msgTtlSeconds ?? defaultMsgTtlSeconds) * 1000;
  const started = granted || (await wf.condition(() => granted, Math.max(1, msgTtlMs - (Date.now() - arrivedAtMs))));
  wf.upsertMemo({ [queueMemo]: undefined });
  if (started) return;
  const errorMessage = `The event did not start within its MsgTTL (${msgTtlMs / 1000} s): the function's concurrency was in use`;
  const details: EventFailureDetails = {
    statusCode: statusCodes.concurrencyQuota,
    errorType: failureTypes.eventExpired,
    errorMessage,
    durationMs: 0,
    memUsageBytes: 0,
    logTail: '',
    attempt: 0,
  };
  throw wf.ApplicationFailure.create({ type: failureTypes.eventExpired, message: errorMessage, nonRetryable: true, details: [details] });
}

function recordStatusCode(code: number): void {
  wf.upsertSearchAttributes([{ key: searchAttributes.statusCode, value: code }]);
}

/**
 * The activity's report of a terminated process (its status code: 439 for a process that died of a SIGTERM
 * it did not handle, otherwise 499), when the activity ran far enough to send one.
 */
function cancelReport(err: unknown): RunReport | undefined {
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  if (!(cause instanceof wf.CancelledFailure)) return undefined;
  const detail = cause.details?.[0] as RunReport | undefined;
  return typeof detail?.statusCode === 'number' ? detail : undefined;
}

/** Turns whatever ended the activity into the event's failure, with an SCF status code in its details. */
function toEventFailure(err: unknown): wf.ApplicationFailure {
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  if (cause instanceof wf.ApplicationFailure && cause.details?.[0]) {
    return wf.ApplicationFailure.create({
      message: cause.message,
      type: cause.type ?? failureTypes.userError,
      nonRetryable: true,
      details: cause.details,
    });
  }
  const timedOut = cause instanceof wf.TimeoutFailure;
  const details: EventFailureDetails = {
    statusCode: timedOut && cause.timeoutType === 'START_TO_CLOSE' ? statusCodes.timeout : statusCodes.internalError,
    errorType: timedOut ? `Timeout.${cause.timeoutType ?? 'UNKNOWN'}` : 'PlatformError',
    errorMessage: timedOut
      ? cause.timeoutType === 'HEARTBEAT'
        ? 'The worker running the function was lost too many times'
        : 'The function did not finish within its timeout'
      : (cause as Error | undefined)?.message ?? 'The function could not be run',
    durationMs: 0,
    memUsageBytes: 0,
    logTail: '',
    attempt: 0,
  };
  return wf.ApplicationFailure.create({
    message: details.errorMessage,
    type: details.errorType,
    nonRetryable: true,
    details: [details],
  });
}
