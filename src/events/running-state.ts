import type { WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { HeartbeatDetails } from '../../workflows/contracts';

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
