import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { LonghaulError } from '../errors';
import type { FunctionRegistry, FunctionView } from '../registry/functions';
import type { FunctionLimits } from '../registry/function-limits';
import { type InvokeThrottle, asyncInvokeRate } from '../registry/invoke-throttle';
import { queuePlaceQuery, setPoolCapacitySignal } from '../../workflows/pool-definitions';
import {
  type ConcurrencyTicket,
  type QueueMemo,
  type QueuePlace,
  attemptsMemo,
  queueMemo,
} from '../../workflows/pool-contracts';
import { joinPool } from './pool-join';
import {
  type EventFailureDetails,
  type EventInput,
  type EventSuccess,
  type RunReport,
  type TerminateMode,
  abortReportMemo,
} from '../../workflows/contracts';
import { terminateSignal } from '../../workflows/definitions';
import { searchAttributes as sa } from '../../workflows/search-attributes';
import {
  type EventOutcome,
  type EventStatus,
  type EventView,
  eventStatusOf,
  outcomeFields,
  statusCodeOf,
} from './event-view';
import { requestIdFor, validateRequestId } from './request-id';
import { attemptsOf, runningStateOf } from './running-state';
import { eventInputOf, eventStartOptions } from './start-options';
import { accountPoolKey, functionPoolKey, poolWorkflowId } from '../registry/function-limits';

/** SCF's limits on the event itself: 128 KB for async invocations, 6 MB for synchronous ones. */
export const eventLimits = { asyncBytes: 128 * 1024, syncBytes: 6 * 1024 * 1024 };

/** A synchronous invocation answers within this, as SCF's do. */
const maxSyncWaitSeconds = 900;

/** Where an event came from; a closed list so that listing by it is exact. */
export const invokeTypes = ['API', 'TIMER', 'CMQ', 'CKAFKA', 'COS', 'APIGW', 'CLS', 'MPS', 'OTHERS'] as const;

export interface InvokeRequest {
  namespace: string;
  functionName: string;
  qualifier: string;
  /** The event as raw JSON text, so its size is measured exactly as sent. */
  eventText: string;
  idempotencyKey?: string;
  invokeType: string;
}

export type InvokeResponse =
  | { async: true; requestId: string; duplicate: boolean; status: EventStatus }
  | { async: false; requestId: string; event: EventView };

export interface TerminateOptions {
  mode: TerminateMode;
  graceSeconds?: number;
}

export interface EventGatewayDeps {
  client: Client;
  registry: FunctionRegistry;
  limits: FunctionLimits;
  throttle: InvokeThrottle;
  /** How many seconds of a function's async rate may arrive at once (see asyncInvokeRate). */
  invokeBurstSeconds: number;
  taskQueue: string;
  heartbeatTimeoutSeconds: number;
  terminateGraceSeconds: number;
  logger: Logger;
}

/**
 * The invocation gateway: every way in (REST now, the SCF endpoint later) starts, reads and terminates
 * events through this one class. An event is one workflow whose id is the RequestId.
 */
export class EventGateway {
  constructor(private readonly deps: EventGatewayDeps) {}

  /**
   * Starts an event. For a function with async execution it returns as soon as Temporal has durably
   * accepted the workflow; otherwise it waits for the result.
   */
  async invoke(accountId: string, request: InvokeRequest): Promise<InvokeResponse> {
    const fn = this.deps.registry.get(accountId, request.namespace, request.functionName, request.qualifier);
    const payload = parseEvent(request.eventText, fn.asyncRunEnable ? eventLimits.asyncBytes : eventLimits.syncBytes);
    if (!(invokeTypes as readonly string[]).includes(request.invokeType)) {
      throw new LonghaulError('InvalidParameterValue.InvokeType', `InvokeType must be one of ${invokeTypes.join(', ')}`);
    }
    const requestId = requestIdFor({ accountId, ...request, functionCreatedAt: fn.addTime }, request.idempotencyKey);
    const pool = this.deps.limits.poolOf(fn);
    const admission = fn.asyncRunEnable ? await this.admit(fn, pool.instances, requestId, request.idempotencyKey) : undefined;
    const input = eventInputOf(requestId, fn, request.invokeType, payload, this.deps, {
      concurrency: {
        poolId: poolWorkflowId(this.deps.taskQueue, pool.poolKey),
        capacityMb: pool.capacityMb,
        arrivedAtMs: performance.timeOrigin + performance.now(),
      },
      retry: this.deps.limits.invokeConfig(fn.accountId, fn.namespace, fn.name),
    });
    let duplicate: boolean;
    try {
      duplicate = await this.start(input);
    } catch (err) {
      admission?.refund();
      throw err;
    }
    if (duplicate) admission?.refund();
    if (fn.asyncRunEnable) {
      // A repeated key names an event that may have ended since: say where it is now.
      const status = duplicate ? (await this.read(accountId, requestId)).status : 'RUNNING';
      return { async: true, requestId, duplicate, status };
    }
    await this.settled(requestId, Math.min(fn.timeoutSeconds + 30, maxSyncWaitSeconds) * 1000);
    const event = await this.read(accountId, requestId);
    if (event.status === 'RUNNING') {
      throw new LonghaulError(
        'FailedOperation.InvokeTimeout',
        `The event is still running after ${maxSyncWaitSeconds} s (are workers up?); follow it at /v1/events/${requestId}`,
        { requestId },
      );
    }
    return { async: false, requestId, event };
  }

  /**
   * An event's status, read from the workflow itself (not visibility), so it is there at once. Refused for
   * a function whose status tracking is off.
   */
  async get(accountId: string, requestId: string): Promise<EventView> {
    const event = await this.read(accountId, requestId);
    const fn = this.deps.registry.find(accountId, event.namespace, event.functionName);
    if (fn && !fn.traceEnable) {
      throw new LonghaulError(
        'UnsupportedOperation.StatusTracking',
        `Status tracking is off for function ${fn.name}: turn it on with traceEnable to read its events`,
      );
    }
    return event;
  }

  /** An event as it is now, whatever its function's tracking (logs are read with tracking off too). */
  async read(accountId: string, requestId: string): Promise<EventView> {
    validateRequestId(requestId);
    const handle = this.deps.client.workflow.getHandle(requestId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(requestId);
      throw err;
    }
    const attrs = description.typedSearchAttributes;
    if (attrs.get(sa.account) !== accountId) throw notFound(requestId);
    const workflowStatus = description.status.name;
    const status = eventStatusOf(workflowStatus);
    const outcome =
      status === 'RUNNING'
        ? ({ kind: 'running' } as const)
        : await this.outcomeOf(requestId, description.memo?.[abortReportMemo] as RunReport | undefined);
    const startTime = description.startTime;
    const endTime = description.closeTime ?? null;
    return {
      requestId,
      namespace: attrs.get(sa.namespace) ?? '',
      functionName: attrs.get(sa.functionName) ?? '',
      qualifier: attrs.get(sa.version) ?? '',
      invokeType: attrs.get(sa.invokeType) ?? '',
      status,
      statusCode: statusCodeOf(workflowStatus, attrs.get(sa.statusCode)),
      startTime: startTime.toISOString(),
      endTime: endTime?.toISOString() ?? null,
      durationMs: endTime ? endTime.getTime() - startTime.getTime() : null,
      memUsageBytes: null,
      ...outcomeFields(outcome),
      ...(status === 'RUNNING' ? await this.runningState(requestId, description) : {}),
      ...attemptsOf(description.memo?.[attemptsMemo]),
    };
  }

  /**
   * A running event is either waiting in its pool's line (beyond SCF, which calls it RUNNING: its place and
   * how long it has waited) or running its code (attempt and progress, from the pending activity).
   */
  private async runningState(requestId: string, description: WorkflowExecutionDescription): Promise<Partial<EventView>> {
    const running = runningStateOf(description);
    const queue = description.memo?.[queueMemo] as QueueMemo | undefined;
    if (running || !queue) return { phase: 'RUNNING', ...running };
    let place: QueuePlace | null = null;
    try {
      place = await this.deps.client.workflow.getHandle(queue.poolId).query(queuePlaceQuery, requestId);
    } catch (err) {
      this.deps.logger.warn({ err, requestId, poolId: queue.poolId }, 'could not ask the pool for a place in line');
    }
    // Not in line any more: the slot was granted a moment ago and the activity is not scheduled yet.
    if (!place) return { phase: 'RUNNING' };
    const since = new Date(queue.since);
    return {
      phase: 'QUEUED',
      queue: { ...place, poolId: queue.poolId, since: since.toISOString(), waitedMs: Math.max(0, Date.now() - since.getTime()) },
    };
  }

  /**
   * Terminates a running event through workflow cancellation and returns once its process is gone and the
   * event is ABORTED. The signal sent first tells the activity whether to kill at once or SIGTERM first.
   */
  async terminate(accountId: string, requestId: string, options: TerminateOptions): Promise<EventView> {
    const before = await this.read(accountId, requestId);
    if (before.status !== 'RUNNING') {
      throw new LonghaulError('FailedOperation.AsyncEventStatus', `Event ${requestId} has already ended (${before.status})`);
    }
    const graceSeconds = options.graceSeconds ?? this.deps.terminateGraceSeconds;
    const handle = this.deps.client.workflow.getHandle(requestId);
    try {
      await handle.signal(terminateSignal, { mode: options.mode, graceSeconds });
      await handle.cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new LonghaulError('FailedOperation.AsyncEventStatus', `Event ${requestId} ended before it could be terminated`);
      }
      throw err;
    }
    await this.settled(requestId, (graceSeconds + this.deps.heartbeatTimeoutSeconds + 30) * 1000);
    return this.read(accountId, requestId);
  }

  /**
   * Tells a function's pool and its account's pool their capacity after a reservation changed, so that
   * waiting events start at once instead of at the next arrival. A pool that is not running learns it from
   * the next event that joins.
   */
  async poolCapacityChanged(accountId: string, namespace: string, functionName: string): Promise<void> {
    const fn = this.deps.registry.get(accountId, namespace, functionName, '$LATEST');
    const pool = this.deps.limits.poolOf(fn);
    const unreservedMb = this.deps.limits.unreservedMb(accountId);
    const own = { key: functionPoolKey(accountId, namespace, functionName), capacityMb: pool.reservedMb ?? unreservedMb };
    for (const { key, capacityMb } of [own, { key: accountPoolKey(accountId), capacityMb: unreservedMb }]) {
      try {
        await this.deps.client.workflow.getHandle(poolWorkflowId(this.deps.taskQueue, key)).signal(setPoolCapacitySignal, { capacityMb });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  }

  /**
   * SCF's async QPS rule: a tenth of the function's concurrency per second. Refused before anything is
   * started, so a throttled invocation leaves no trace; a repeat of an accepted idempotency key is let through
   * (it starts nothing). The token is handed back when the start turns out to be a duplicate or fails.
   */
  private async admit(fn: FunctionView, instances: number, requestId: string, idempotencyKey: string | undefined) {
    const rate = asyncInvokeRate(instances, this.deps.invokeBurstSeconds);
    const bucket = `${fn.accountId}/${fn.namespace}/${fn.name}`;
    if (this.deps.throttle.take(bucket, rate)) return { refund: () => this.deps.throttle.refund(bucket, rate) };
    if (idempotencyKey && (await this.exists(requestId))) return undefined;
    throw new LonghaulError(
      'LimitExceeded',
      `Function ${fn.name} takes at most ${rate.perSecond} async invocations per second (a tenth of its concurrency, ` +
        `${instances}), ${rate.burst} at once; retry later`,
      { perSecond: rate.perSecond, burst: rate.burst, concurrency: instances },
    );
  }

  private async exists(requestId: string): Promise<boolean> {
    try {
      await this.deps.client.workflow.getHandle(requestId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Starts the workflow; true when an event with this RequestId already exists (idempotent retry). */
  private async start(input: EventInput): Promise<boolean> {
    const { fn } = input;
    try {
      await this.deps.client.workflow.start('functionEventWorkflow', eventStartOptions(input, this.deps.taskQueue));
      this.deps.logger.info({ requestId: input.requestId, function: fn.functionName }, 'event accepted');
      if (input.concurrency) await this.joinPoolEarly(input, input.concurrency);
      return false;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return true;
      throw err;
    }
  }

  /**
   * Joins the event's pool before answering, so that invocations one after another start in that order
   * (the event's workflow joins too, later, which covers an API that dies here). A failure here is the
   * workflow's to make up for: the event is accepted already.
   */
  private async joinPoolEarly(input: EventInput, ticket: ConcurrencyTicket): Promise<void> {
    const join = { requestId: input.requestId, weightMb: input.fn.memoryMb, capacityMb: ticket.capacityMb, arrivedAtMs: ticket.arrivedAtMs ?? Date.now() };
    try {
      await joinPool(this.deps.client, this.deps.taskQueue, ticket.poolId, join);
    } catch (err) {
      this.deps.logger.warn({ err, requestId: input.requestId }, 'could not join the pool early; the event joins it itself');
    }
  }

  /** Waits until the workflow has closed, or the time is up (the caller then reads what there is). */
  private async settled(requestId: string, timeoutMs: number): Promise<void> {
    const result = this.deps.client.workflow.getHandle(requestId).result();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([result.then(() => undefined, () => undefined), timeout]);
    clearTimeout(timer);
  }

  private async outcomeOf(requestId: string, abortReport: RunReport | undefined): Promise<EventOutcome> {
    try {
      const success = (await this.deps.client.workflow.getHandle(requestId).result()) as EventSuccess;
      return { kind: 'success', success };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      const cause = err.cause;
      if (cause instanceof ApplicationFailure) {
        return {
          kind: 'failure',
          details: cause.details?.[0] as EventFailureDetails | undefined,
          message: cause.message,
          type: cause.type ?? 'Error',
        };
      }
      const message = cause instanceof CancelledFailure ? 'Terminated on request' : 'Terminated from outside longhaul';
      return { kind: 'aborted', details: abortReport, message };
    }
  }
}

function notFound(requestId: string): LonghaulError {
  return new LonghaulError('ResourceNotFound.AsyncEvent', `Event ${requestId} does not exist or is past retention`);
}

function parseEvent(text: string, maxBytes: number): unknown {
  const size = Buffer.byteLength(text);
  if (size > maxBytes) {
    throw new LonghaulError('RequestTooLarge.Event', `The event is ${size} bytes; at most ${maxBytes} bytes are allowed`, {
      sizeBytes: size,
      maxBytes,
    });
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new LonghaulError('InvalidParameterValue.Param', 'The event must be valid JSON');
  }
}
