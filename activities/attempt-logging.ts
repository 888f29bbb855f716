import fs from 'node:fs';
import { ApplicationFailure, CancelledFailure, type Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { AttemptLog, type LogLimits } from '../src/logs/attempt-log';
import type { LogStore } from '../src/logs/log-store';
import type { AttemptSummary } from '../src/logs/platform-lines';
import type { ProcessOutcome } from '../src/runtime/launcher';
import type { SandboxIdentity } from '../src/runtime/sandbox';
import type { EventInput, RunReport } from '../workflows/contracts';
import { failureTypes } from '../workflows/contracts';
import { statusCodes } from '../workflows/status-codes';

/** What the activity learns about the process while it runs, for the report line. */
export interface ProcessWatch {
  outcome?: ProcessOutcome;
  /** Highest resident memory seen while the process ran (its VmHWM, or its whole group's), in bytes. */
  sampledPeakRssBytes: number;
  /** The user the attempt runs as, when sandboxed. */
  identity?: SandboxIdentity;
}

/** Reads the process's peak resident memory from /proc; 0 once it is gone. */
export function sampleRss(pid: number, watch: ProcessWatch): void {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    watch.sampledPeakRssBytes = Math.max(watch.sampledPeakRssBytes, kb * 1024);
  } catch {
    // the process has exited between two samples
  }
}

/**
 * The event's attempt number: Temporal counts the platform retries of this activity call, and the workflow
 * passes how many attempts earlier calls (user-error retries) ran, so attempts number on across both.
 */
export function eventAttempt(ctx: Context, input: EventInput): number {
  return (input.attemptBase ?? 0) + ctx.info.attempt;
}

/**
 * Opens the attempt's log when the function has a log destination and a store is configured; without one
 * there is no real-time log (as in SCF) and the event still runs and is tracked.
 */
export async function openAttemptLog(
  store: LogStore | undefined,
  limits: LogLimits,
  ctx: Context,
  input: EventInput,
  logger: Logger,
  onPressure: (high: boolean) => void,
): Promise<AttemptLog | undefined> {
  const destination = input.fn.logDestination;
  if (!store || !destination) return undefined;
  const log = new AttemptLog(
    store,
    {
      accountId: input.fn.accountId,
      requestId: input.requestId,
      attempt: eventAttempt(ctx, input),
      namespace: input.fn.namespace,
      functionName: input.fn.functionName,
      qualifier: input.fn.version,
      logsetId: destination.logsetId,
      topicId: destination.topicId,
      startedAtMs: Date.now(),
    },
    limits,
    logger,
    onPressure,
  );
  try {
    await log.begin();
  } catch (err) {
    // The store is down: hand the event back to Temporal (retried with backoff) rather than run it blind.
    logger.error({ err }, 'log store unavailable at the start of an attempt');
    throw ApplicationFailure.retryable(`The log store is unavailable: ${String(err)}`, failureTypes.platformInterrupted);
  }
  return log;
}

function exitOf(outcome: ProcessOutcome | undefined): string {
  if (!outcome) return 'not started';
  return outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.exitCode}`;
}

/** The summary of an attempt from what the activity returns or throws. */
export function summaryOf(input: EventInput, watch: ProcessWatch, ending: { result?: RunReport; error?: unknown }): AttemptSummary {
  let report: Partial<RunReport> | undefined = ending.result;
  let message = '';
  let statusCode: number = statusCodes.success;
  const { error } = ending;
  if (error instanceof ApplicationFailure) {
    report = error.details?.[0] as RunReport | undefined;
    message = error.message;
    statusCode = report?.statusCode ?? statusCodes.internalError;
  } else if (error instanceof CancelledFailure) {
    report = error.details?.[0] as RunReport | undefined;
    message = error.message;
    statusCode = report?.statusCode ?? statusCodes.cancelled;
  } else if (error !== undefined) {
    message = error instanceof Error ? error.message : JSON.stringify(error);
    statusCode = statusCodes.internalError;
  }
  return {
    statusCode,
    message,
    durationMs: report?.durationMs ?? watch.outcome?.durationMs ?? 0,
    memUsageBytes: Math.max(report?.memUsageBytes ?? 0, watch.sampledPeakRssBytes),
    memorySizeMb: input.fn.memoryMb,
    exit: exitOf(watch.outcome),
  };
}

/** Ends the attempt's log; a store failure here is the worker's problem, never the event's outcome. */
export async function closeAttemptLog(log: AttemptLog | undefined, summary: AttemptSummary, logger: Logger): Promise<void> {
  if (!log) return;
  try {
    await log.end(summary);
  } catch (err) {
    logger.error({ err }, 'could not record the end of an attempt in the log store');
  }
}
