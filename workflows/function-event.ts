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
} from './contracts';
import { terminateRequestQuery, terminateSignal } from './definitions';
import { searchAttributes } from './search-attributes';
import { statusCodes } from './status-codes';

/**
 * The activity enforces the function's timeout itself (it kills the process and reports 433); Temporal's
 * start-to-close timeout is the backstop a few seconds later, for a worker that could not.
 */
const backstopSlackSeconds = 30;

/** Attempts for platform failures only (a lost or stopping worker); user errors are never retried here. */
const platformAttempts = 5;

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

  try {
    const success = await runFunction(input);
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
  }
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
