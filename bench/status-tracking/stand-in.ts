import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { FunctionActivities } from '../../activities/types';
import {
  type EventFailureDetails,
  type EventInput,
  type EventSuccess,
  type RunReport,
  failureTypes,
} from '../../workflows/contracts';
import { statusCodes } from '../../workflows/status-codes';
import type { BenchPayload } from './mix';

/** What the stand-in tells the bench (it runs in the bench's own process). */
export interface StandInHooks {
  /** An `abort` event's activity has started: the bench cancels its workflow, as a terminate would. */
  onAbortStarted(workflowId: string): void;
}

export interface StandIn {
  /** Bench events carry no concurrency ticket (eventInputOf without limits), so they never join a pool. */
  activities: Pick<FunctionActivities, 'runFunction'>;
  /** How many activity attempts have started in this process. */
  activitiesRun(): number;
}

function report(statusCode: number, startedAt: number): RunReport {
  return {
    statusCode,
    durationMs: Date.now() - startedAt,
    memUsageBytes: 0,
    logTail: '',
    attempt: Context.current().info.attempt,
  };
}

function userFailure(seq: number, startedAt: number): ApplicationFailure {
  const details: EventFailureDetails = {
    ...report(statusCodes.userError, startedAt),
    errorType: 'Error',
    errorMessage: `bench failure ${seq}`,
  };
  return ApplicationFailure.create({
    type: failureTypes.userError,
    message: details.errorMessage,
    nonRetryable: true,
    details: [details],
  });
}

/** Heartbeats until cancelled: ABORTED when the bench cancelled it, a retryable failure when the worker stops. */
async function waitForCancel(payload: BenchPayload, startedAt: number, hooks: StandInHooks): Promise<never> {
  const ctx = Context.current();
  ctx.heartbeat({ seq: payload.seq });
  // The worker throttles what reaches the server (0.8 × the heartbeat timeout, see the fill's worker).
  const timer = setInterval(
    () => ctx.heartbeat({ seq: payload.seq }),
    payload.bench === 'abort' ? 1000 : 60_000,
  );
  if (payload.bench === 'abort') hooks.onAbortStarted(ctx.info.workflowExecution!.workflowId);
  try {
    await ctx.cancelled;
    throw new Error('unreachable');
  } catch (err) {
    if (err instanceof CancelledFailure && ctx.cancellationDetails?.cancelRequested) {
      throw new CancelledFailure('Terminated on request', [report(statusCodes.cancelled, startedAt)]);
    }
    throw ApplicationFailure.retryable(
      'The worker stopped while the function ran',
      failureTypes.platformInterrupted,
    );
  } finally {
    clearInterval(timer);
  }
}

/**
 * BENCH STAND-IN for `runFunction`: no process, no code package. `finish` returns at once, `fail` throws the
 * non-retryable failure the real activity throws for a handler error, `abort` heartbeats until the bench
 * cancels it, `run` heartbeats and waits until the bench ends.
 */
export function createStandIn(hooks: StandInHooks): StandIn {
  let started = 0;
  const runFunction = async (input: EventInput): Promise<EventSuccess> => {
    const startedAt = Date.now();
    const payload = input.payload as BenchPayload;
    started += 1;
    switch (payload.bench) {
      case 'finish':
        return { ...report(statusCodes.success, startedAt), result: { ok: true, seq: payload.seq } };
      case 'fail':
        throw userFailure(payload.seq, startedAt);
      case 'abort':
      case 'run':
        return waitForCancel(payload, startedAt, hooks);
    }
  };
  return { activities: { runFunction }, activitiesRun: () => started };
}
