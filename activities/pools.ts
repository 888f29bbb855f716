import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PoolJoin } from '../workflows/pool-contracts';
import { joinPool as joinPoolOf } from '../src/events/pool-join';

export interface PoolActivityDeps {
  /** A client on the worker's own connection: pools are workflows on the worker's task queue. */
  client: Client;
}

/** RequestIds are UUIDs; only such text goes into a visibility query, anything else is described one by one. */
const requestIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Visibility queries stay short: this many ids per query. */
const idsPerQuery = 100;

/** Joins the event's pool from its workflow (see src/events/pool-join.ts); retried as a local activity. */
export async function joinPool(deps: PoolActivityDeps, poolId: string, join: PoolJoin): Promise<void> {
  await joinPoolOf(deps.client, Context.current().info.taskQueue, poolId, join);
}

/** The events among these that are no longer running; visibility lags by about a second, which a sweep can afford. */
export async function findEndedEvents(deps: PoolActivityDeps, requestIds: string[]): Promise<string[]> {
  const running = new Set<string>();
  const queryable = requestIds.filter((id) => requestIdPattern.test(id));
  for (let i = 0; i < queryable.length; i += idsPerQuery) {
    const ids = queryable.slice(i, i + idsPerQuery).map((id) => `'${id}'`).join(', ');
    for await (const execution of deps.client.workflow.list({ query: `WorkflowId IN (${ids}) AND ExecutionStatus = 'Running'` })) {
      running.add(execution.workflowId);
    }
  }
  for (const id of requestIds.filter((r) => !requestIdPattern.test(r))) {
    const description = await deps.client.workflow.getHandle(id).describe().catch(() => undefined);
    if (description?.status.name === 'RUNNING') running.add(id);
  }
  return requestIds.filter((id) => !running.has(id));
}
