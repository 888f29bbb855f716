import type { Client } from '@temporalio/client';
import type { PoolJoin } from '../../workflows/pool-contracts';
import { joinPoolSignal } from '../../workflows/pool-definitions';

/**
 * Puts an event in its pool's line: signal-with-start, so that the first event of a pool starts it and a pool
 * that closed while idle comes back. Sent twice for each event, on purpose: by the gateway right after the
 * event's workflow started (so sequential invocations join in the order they were accepted), and by the
 * event's workflow itself (so an event joins even when the API died in between). The pool ignores a
 * RequestId it already knows.
 */
export async function joinPool(client: Client, eventTaskQueue: string, poolId: string, join: PoolJoin): Promise<void> {
  await client.workflow.signalWithStart('concurrencyPoolWorkflow', {
    workflowId: poolId,
    taskQueue: poolTaskQueueOf(eventTaskQueue),
    args: [],
    signal: joinPoolSignal,
    signalArgs: [join],
    staticSummary: `concurrency pool ${poolId}`,
  });
}

/**
 * Pools run on a task queue of their own, polled by every worker beside the events' queue: in a burst the
 * events' queue holds hundreds of workflow tasks, and a pool's task (a grant, a freed slot) queued behind
 * them kept slots idle for seconds (measured by bench/concurrency.ts).
 */
export function poolTaskQueueOf(eventTaskQueue: string): string {
  return `${eventTaskQueue}-pools`;
}
