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
export async function joinPool(client: Client, taskQueue: string, poolId: string, join: PoolJoin): Promise<void> {
  await client.workflow.signalWithStart('concurrencyPoolWorkflow', {
    workflowId: poolId,
    taskQueue,
    args: [],
    signal: joinPoolSignal,
    signalArgs: [join],
    staticSummary: `concurrency pool ${poolId}`,
  });
}
