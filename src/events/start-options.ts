import type { WorkflowStartOptions } from '@temporalio/client';
import type { FunctionView } from '../registry/functions';
import type { EventInput, EventSuccess } from '../../workflows/contracts';
import type { ConcurrencyTicket } from '../../workflows/pool-contracts';
import type { InvokeConfig } from '../registry/function-limits';
import { searchAttributes as sa } from '../../workflows/search-attributes';

/** What one event's workflow is started with besides its input: the gateway's runtime settings. */
export interface EventSettings {
  heartbeatTimeoutSeconds: number;
  terminateGraceSeconds: number;
}

/** The workflow input of one event: a snapshot of the function version, so later edits do not reach it. */
export function eventInputOf(
  requestId: string,
  fn: FunctionView,
  invokeType: string,
  payload: unknown,
  settings: EventSettings,
  limits: { concurrency?: ConcurrencyTicket; retry?: InvokeConfig } = {},
): EventInput {
  return {
    requestId,
    fn: {
      accountId: fn.accountId,
      namespace: fn.namespace,
      functionName: fn.name,
      version: fn.version,
      runtime: fn.runtime,
      handler: fn.handler,
      codeSha256: fn.codeSha256,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      environment: fn.environment,
      ...(fn.logsetId && fn.topicId
        ? { logDestination: { logsetId: fn.logsetId, topicId: fn.topicId } }
        : {}),
    },
    invokeType,
    async: fn.asyncRunEnable,
    payload,
    heartbeatTimeoutSeconds: settings.heartbeatTimeoutSeconds,
    terminateGraceSeconds: settings.terminateGraceSeconds,
    ...limits,
  };
}

/**
 * How an event's workflow is started: its id is the RequestId, and the search attributes are what status
 * tracking lists and filters by. The one definition, so that everything starting events (the gateway, the
 * status-tracking bench) writes them alike.
 *
 * No start delay, cron schedule or workflow retry policy, on purpose: then an event's ExecutionTime equals its
 * StartTime, and status tracking's lister bounds its StartTime windows on ExecutionTime too when the
 * visibility store lacks longhaul's indexes (an external Temporal, or a dev server the stack did not index),
 * so that SQLite walks its ExecutionTime index (see windowBound in event-queries.ts). Adding any of them here
 * would make those lists inexact there.
 */
export function eventStartOptions(
  input: EventInput,
  taskQueue: string,
): WorkflowStartOptions<(input: EventInput) => Promise<EventSuccess>> {
  const { fn } = input;
  return {
    workflowId: input.requestId,
    taskQueue,
    args: [input],
    // Within retention a RequestId names one event forever: the same idempotency key never runs twice.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: sa.account, value: fn.accountId },
      { key: sa.namespace, value: fn.namespace },
      { key: sa.functionName, value: fn.functionName },
      { key: sa.version, value: fn.version },
      { key: sa.invokeType, value: input.invokeType },
      { key: sa.statusCode, value: 0 },
    ],
    staticSummary: `${fn.namespace}/${fn.functionName}:${fn.version} (${input.invokeType}, ${input.async ? 'async' : 'sync'})`,
    staticDetails: [
      `**Function** ${fn.namespace}/${fn.functionName}, version ${fn.version}`,
      `**Runtime** ${fn.runtime}, handler \`${fn.handler}\`, timeout ${fn.timeoutSeconds} s, ${fn.memoryMb} MB`,
      `**Code** sha256 ${fn.codeSha256}`,
    ].join('\n\n'),
  };
}
