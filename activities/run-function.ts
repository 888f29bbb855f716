import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { AttemptLog, LogLimits } from '../src/logs/attempt-log';
import type { LogStore } from '../src/logs/log-store';
import { platformLines } from '../src/logs/platform-lines';
import type { CodeStore } from '../src/registry/code-store';
import { functionEnvironment } from '../src/runtime/function-env';
import { type FunctionProcess, type ProcessOutcome, launchFunction } from '../src/runtime/launcher';
import { OutputTail } from '../src/runtime/output-tail';
import type {
  EventFailureDetails,
  EventInput,
  EventSuccess,
  HeartbeatDetails,
  RunReport,
  TerminateRequest,
} from '../workflows/contracts';
import { failureTypes } from '../workflows/contracts';
import { terminateRequestQuery } from '../workflows/definitions';
import { statusCodes } from '../workflows/status-codes';
import { type ProcessWatch, closeAttemptLog, eventAttempt, openAttemptLog, sampleRss, summaryOf } from './attempt-logging';
import { prepareEventPlace } from './event-place';
import { watchGroupMemory } from '../src/runtime/group-memory';

export interface RunFunctionDeps {
  codeStore: CodeStore;
  logger: Logger;
  /** Where per-event working directories are made; each is removed when its event ends. */
  workRoot?: string;
  /** Run each attempt as its own unprivileged user (needs root; see src/runtime/sandbox.ts). */
  sandbox: boolean;
  /** Where functions with a log destination send their output; none means no real-time logs at all. */
  logStore?: LogStore;
  logLimits: LogLimits;
}

type Ending =
  | { kind: 'exited'; outcome: ProcessOutcome }
  | { kind: 'timeout' }
  | { kind: 'cancelled'; failure: CancelledFailure }
  | { kind: 'memory'; rssBytes: number };

/** Heartbeats often enough that a cancel reaches the process within about a second. */
const heartbeatIntervalMs = 1000;

/**
 * Runs one event's user code in its own process group and turns the way it ended into the activity's
 * outcome: a result, a non-retryable failure with an SCF status code, or a cancellation once the process is
 * gone. Every path ends with the whole group killed and the working directory removed.
 */
export async function runFunction(deps: RunFunctionDeps, input: EventInput): Promise<EventSuccess> {
  const ctx = Context.current();
  const attempt = eventAttempt(ctx, input);
  const { codeDir, workDir, identity, runnerDir } = await prepareEventPlace(deps, input, attempt);
  const log = deps.logger.child({ requestId: input.requestId, attempt });
  const watch: ProcessWatch = { sampledPeakRssBytes: 0, identity };
  let proc: FunctionProcess | undefined;
  const attemptLog = await openAttemptLog(deps.logStore, deps.logLimits, ctx, input, log, (high) =>
    proc?.setOutputPaused(high),
  );
  try {
    const result = await runInWorkDir(ctx, input, { codeDir, workDir, runnerDir, attemptLog, log, watch }, (p) => (proc = p));
    await closeAttemptLog(attemptLog, summaryOf(input, watch, { result }), log);
    return result;
  } catch (error) {
    await closeAttemptLog(attemptLog, summaryOf(input, watch, { error }), log);
    throw error;
  } finally {
    await fs.promises.rm(workDir, { recursive: true, force: true });
  }
}

interface Attempt {
  codeDir: string;
  workDir: string;
  runnerDir: string | undefined;
  attemptLog: AttemptLog | undefined;
  log: Logger;
  watch: ProcessWatch;
}

/** Runs the process in an existing working directory; the caller removes the directory afterwards. */
async function runInWorkDir(
  ctx: Context,
  input: EventInput,
  { codeDir, workDir, runnerDir, attemptLog, log, watch }: Attempt,
  onStarted: (proc: FunctionProcess) => void,
): Promise<EventSuccess> {
  const { fn } = input;
  const tail = new OutputTail();
  // Temporal gives a retried attempt the last heartbeat details of the one before: its checkpoint included.
  const previous = ctx.info.heartbeatDetails as HeartbeatDetails | undefined;
  const reported: HeartbeatDetails = { checkpoint: previous?.checkpoint ?? null };
  const timeLimitMs = fn.timeoutSeconds * 1000;

  const proc = await launchFunction({
    runtime: fn.runtime,
    codeDir,
    workDir,
    handler: fn.handler,
    event: input.payload,
    context: {
      requestId: input.requestId,
      functionName: fn.functionName,
      functionVersion: fn.version,
      namespace: fn.namespace,
      memoryLimitInMb: fn.memoryMb,
      timeLimitInMs: timeLimitMs,
      checkpoint: reported.checkpoint,
    },
    env: functionEnvironment(fn, input.requestId, workDir, codeDir),
    onOutput: (stream, chunk, raw) => {
      tail.push(chunk);
      attemptLog?.output(stream, chunk, raw);
    },
    identity: watch.identity,
    runnerDir,
    onReport: (report) => {
      if (report.kind === 'progress') {
        reported.progress = { value: report.value, message: report.message, updatedAt: new Date().toISOString() };
      } else {
        reported.checkpoint = report.value;
      }
      ctx.heartbeat({ ...reported }); // the SDK throttles what reaches the server
    },
  });
  reported.pid = proc.pid;
  onStarted(proc);
  void proc.outcome.then((outcome) => (watch.outcome = outcome));
  log.info({ pid: proc.pid }, 'function process started');
  ctx.heartbeat({ ...reported });
  const heartbeat = setInterval(() => {
    sampleRss(proc.pid, watch);
    ctx.heartbeat({ ...reported });
  }, heartbeatIntervalMs);
  const deadline = new AbortController();
  const memoryLimitBytes = fn.memoryMb * 1024 * 1024;
  let stopMemoryWatch = () => {};
  const overMemory = new Promise<Ending>((resolve) => {
    stopMemoryWatch = watchGroupMemory(proc.pid, (rssBytes) => {
      watch.sampledPeakRssBytes = Math.max(watch.sampledPeakRssBytes, rssBytes);
      if (rssBytes > memoryLimitBytes) resolve({ kind: 'memory', rssBytes });
    });
  });

  try {
    const ending = await Promise.race<Ending>([
      proc.outcome.then((outcome) => ({ kind: 'exited', outcome })),
      sleep(timeLimitMs, undefined, { signal: deadline.signal }).then(() => ({ kind: 'timeout' }) as const),
      ctx.cancelled.catch((failure: CancelledFailure) => ({ kind: 'cancelled', failure }) as const),
      overMemory,
    ]);
    const report = (outcome: ProcessOutcome | undefined, statusCode: number): RunReport => ({
      statusCode,
      durationMs: outcome?.durationMs ?? 0,
      memUsageBytes: Math.max(outcome?.answer?.maxRssBytes ?? 0, watch.sampledPeakRssBytes),
      logTail: tail.toString(),
      attempt: eventAttempt(ctx, input),
    });

    if (ending.kind === 'exited') return settle(ending.outcome, report);
    if (ending.kind === 'memory') {
      proc.signalGroup('SIGKILL');
      const outcome = await proc.outcome;
      const usedMb = Math.ceil(ending.rssBytes / (1024 * 1024));
      throw failure(failureTypes.memoryLimit, `The function used ${usedMb} MB, more than its ${fn.memoryMb} MB memory size`, {
        ...report(outcome, statusCodes.memoryLimit),
        memUsageBytes: ending.rssBytes,
      });
    }
    if (ending.kind === 'timeout') {
      proc.signalGroup('SIGKILL');
      const outcome = await proc.outcome;
      throw failure(failureTypes.timeout, `The function did not finish within its ${fn.timeoutSeconds} s timeout`, {
        ...report(outcome, statusCodes.timeout),
        durationMs: timeLimitMs,
      });
    }
    const platformLine = (line: string) => {
      tail.push(Buffer.from(`${line}\n`));
      attemptLog?.platform(line);
    };
    return await stopOnCancel(ctx, input, proc, ending.failure, report, log, platformLine);
  } finally {
    clearInterval(heartbeat);
    stopMemoryWatch();
    deadline.abort();
    proc.signalGroup('SIGKILL');
  }
}

/** Maps a process that ended by itself to a result or a failure. */
function settle(outcome: ProcessOutcome, report: (o: ProcessOutcome, code: number) => RunReport): EventSuccess {
  const { answer } = outcome;
  if (answer?.kind === 'result') return { ...report(outcome, statusCodes.success), result: answer.result };
  if (answer?.kind === 'error') {
    throw failure(failureTypes.userError, answer.message, {
      ...report(outcome, statusCodes.userError),
      errorType: answer.errorType,
      stack: answer.stack,
    });
  }
  if (answer?.kind === 'handler-not-found') {
    throw failure(failureTypes.handlerNotFound, answer.message, report(outcome, statusCodes.handlerNotFound));
  }
  if (answer?.kind === 'invalid-result') {
    throw failure(failureTypes.badResult, answer.message, report(outcome, statusCodes.userError));
  }
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
  throw failure(failureTypes.processExited, `The function process ${how} before returning`, {
    ...report(outcome, statusCodes.processExited),
  });
}

/**
 * A cancel came in. Asked by a user (terminate), the process is stopped as the request says; on worker
 * shutdown it is killed and the event is handed to another worker; otherwise (the workflow is gone) killed.
 */
async function stopOnCancel(
  ctx: Context,
  input: EventInput,
  proc: FunctionProcess,
  cancelled: CancelledFailure,
  report: (o: ProcessOutcome, code: number) => RunReport,
  log: Logger,
  onPlatformLine: (line: string) => void,
): Promise<never> {
  const reason = ctx.cancellationDetails;
  if (reason?.workerShutdown) {
    proc.signalGroup('SIGKILL');
    await proc.outcome;
    log.warn('worker shutting down: event handed back to Temporal for another attempt');
    throw ApplicationFailure.retryable('The worker stopped while the function ran', failureTypes.platformInterrupted);
  }
  if (!reason?.cancelRequested) {
    proc.signalGroup('SIGKILL');
    await proc.outcome;
    throw cancelled;
  }
  const request = (await terminateRequestOf(ctx, input)) ?? {
    mode: 'graceful',
    graceSeconds: input.terminateGraceSeconds,
  };
  let statusCode: number = statusCodes.cancelled;
  if (request.mode === 'graceful' && proc.signalGroup('SIGTERM')) {
    log.info({ graceSeconds: request.graceSeconds }, 'SIGTERM sent for a graceful terminate');
    onPlatformLine(platformLines.signalReceived);
    const exitedInTime = await Promise.race([
      proc.outcome.then(() => true),
      sleep(request.graceSeconds * 1000).then(() => false),
    ]);
    const outcome = exitedInTime ? await proc.outcome : undefined;
    // Unhandled SIGTERM, or ignored until the grace ran out: SCF's "user process exited while running".
    if (!exitedInTime || outcome?.signal === 'SIGTERM') statusCode = statusCodes.processExited;
  }
  proc.signalGroup('SIGKILL');
  const outcome = await proc.outcome;
  log.info({ mode: request.mode, statusCode }, 'function process terminated on request');
  throw new CancelledFailure('Terminated on request', [{ ...report(outcome, statusCode), terminate: request }]);
}

async function terminateRequestOf(ctx: Context, input: EventInput): Promise<TerminateRequest | null> {
  try {
    return await ctx.client.workflow.getHandle(input.requestId).query(terminateRequestQuery);
  } catch {
    return null; // the workflow cannot answer: fall back to the gentle default
  }
}

function failure(type: string, message: string, details: RunReport & Partial<EventFailureDetails>): ApplicationFailure {
  const full: EventFailureDetails = { errorType: type, errorMessage: message, ...details };
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [full] });
}
