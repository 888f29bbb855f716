import type { WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { HeartbeatDetails } from '../../workflows/contracts';
import type { AttemptRecord } from '../../workflows/pool-contracts';

/** What a running event's activity says of itself: which attempt runs and the function's last progress. */
export interface RunningState {
  attempt: number;
  progress: HeartbeatDetails['progress'] | null;
}

/**
 * Read from the workflow's pending activity (describe, not visibility), so it is as fresh as the last
 * heartbeat that reached the server: about a second behind the function. Undefined before the activity
 * was scheduled.
 */
export function runningStateOf(description: WorkflowExecutionDescription): RunningState | undefined {
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0];
  let details: HeartbeatDetails | undefined;
  try {
    details = payload ? defaultPayloadConverter.fromPayload<HeartbeatDetails>(payload) : undefined;
  } catch {
    details = undefined; // not ours (an operator's tool heartbeating?): show no progress rather than fail
  }
  return { attempt: pending.attempt ?? 1, progress: details?.progress ?? null };
}

/**
 * The event's finished attempts, from the memo its workflow keeps when RetryNum retries user errors. The
 * attempts Temporal retried in between (a worker lost or stopping) are numbered but not in the memo: they are
 * filled in, so the list names every attempt the event's log shows.
 */
export function attemptsOf(memo: unknown): { attempts?: AttemptRecord[] } {
  if (!Array.isArray(memo) || memo.length === 0) return {};
  const recorded = memo as AttemptRecord[];
  const attempts: AttemptRecord[] = [];
  for (const record of recorded) {
    for (let lost = (attempts.at(-1)?.attempt ?? 0) + 1; lost < record.attempt; lost++) {
      attempts.push({
        attempt: lost,
        statusCode: 500,
        errorType: 'PlatformInterrupted',
        message: 'The worker running this attempt was lost or stopped; Temporal ran it again on a worker',
        endedAt: record.endedAt,
      });
    }
    attempts.push(record);
  }
  return { attempts };
}
