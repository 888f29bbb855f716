/**
 * The real stack, in this process as `npm start` runs it: a Temporal dev server (the pinned CLI), the stores
 * on a fresh data dir, the REST API over HTTP, and one worker running the real workflows (event and pool)
 * and the real activities (runFunction: user code in real child processes, as root each event as its own
 * uid under prlimit; joinPool). The QPS throttle's burst is an hour of the rate
 * (LONGHAUL_INVOKE_BURST_SECONDS=3600), so that the burst of part 2 is accepted, not refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { type LonghaulConfig } from '../../src/config';
import { eventInputOf, eventStartOptions } from '../../src/events/start-options';
import { requestIdFor } from '../../src/events/request-id';
import { accountPoolKey, functionPoolKey, poolWorkflowId } from '../../src/registry/function-limits';
import { sandboxAvailable } from '../../src/runtime/sandbox';
import type { DevServer } from '../../src/temporal/dev-server';
import { type ApiAnswer, createBenchFunction } from '../common/api';
import { Cleanup } from '../common/cleanup';
import { startApiStack } from '../common/api-stack';
import { hiNow } from '../common/clock';
import { zipFiles } from '../common/zip';
import { type EventSteps, type PoolRun, poolRunOf, stepsOf } from './history';

/** Every bench function's memory size: an event takes this much of its pool. */
export const memoryMb = 128;

/** Returns at once, or after `holdMs` when the event asks. */
const handler = `'use strict';
exports.main = async (event) => {
  if (event && event.holdMs) await new Promise((resolve) => setTimeout(resolve, event.holdMs));
  return { ok: true };
};
`;

export interface Invoked {
  requestId: string;
  /** Just before the invoke request was sent, and when its 202 came back (hi-res epoch ms). */
  sentHi: number;
  acceptedHi: number;
  /** 429 answers (throttled) before it was accepted. */
  refused: number;
}

export interface BenchStack {
  devServer: DevServer;
  config: LonghaulConfig;
  tmp: string;
  sandbox: boolean;
  workerConcurrency: number;
  client: Client;
  call(method: string, url: string, body?: unknown): Promise<ApiAnswer>;
  /** Creates and deploys a bench function (Nodejs18.15, 128 MB) through the API. */
  createFunction(name: string): Promise<void>;
  /** An async invocation over HTTP, as a client makes it: the event joins its pool. */
  invoke(functionName: string, event: unknown): Promise<Invoked>;
  /** The event's workflow started through the Temporal client without a concurrency ticket: it skips the pools. */
  startWithoutPool(functionName: string, event: unknown): Promise<string>;
  /** Waits until the event's workflow has closed, however. */
  waitForEnd(requestId: string): Promise<void>;
  steps(requestId: string): Promise<EventSteps>;
  accountPoolId: string;
  functionPoolId(functionName: string): string;
  /** The pool workflow's runs, newest first: the current one, then those it continued as new from. */
  poolRuns(poolId: string): Promise<PoolRun[]>;
  stop(): Promise<void>;
}

export async function startStack(cli: string, workerConcurrency: number): Promise<BenchStack> {
  const { add: onCleanup, run: stop } = new Cleanup();
  try {
    const { tmp, devServer, temporal, config, stores, account, api, authorization, call } = await startApiStack(
      cli,
      { name: 'concurrency', workerConcurrency, env: { LONGHAUL_INVOKE_BURST_SECONDS: '3600' } },
      onCleanup,
    );
    const { client } = temporal;
    const zipFile = await zipFiles([{ name: 'index.js', text: handler }]);
    const createFunction = (functionName: string) =>
      createBenchFunction(api.url, authorization, {
        functionName,
        runtime: 'Nodejs18.15',
        handler: 'index.main',
        zipFile,
        memorySize: memoryMb,
      });

    const invoke = async (functionName: string, event: unknown): Promise<Invoked> => {
      for (let refused = 0; ; refused++) {
        const sentHi = hiNow();
        const { status, body } = await call(
          'POST',
          `/v1/namespaces/default/functions/${functionName}/invocations`,
          event,
        );
        const acceptedHi = hiNow();
        if (status === 202 && typeof body.requestId === 'string')
          return { requestId: body.requestId, sentHi, acceptedHi, refused };
        if (status !== 429) throw new Error(`invoke failed: ${status} ${JSON.stringify(body)}`);
        await sleep(100);
      }
    };

    const startWithoutPool = async (functionName: string, event: unknown): Promise<string> => {
      const fn = stores.registry.get(account.accountId, 'default', functionName, '$LATEST');
      const requestId = requestIdFor({
        accountId: fn.accountId,
        namespace: fn.namespace,
        functionName,
        functionCreatedAt: fn.addTime,
      });
      // No `limits` argument: no concurrency ticket (and no retry settings), as bench/status-tracking starts events.
      const input = eventInputOf(requestId, fn, 'API', event, config);
      await client.workflow.start('functionEventWorkflow', eventStartOptions(input, config.taskQueue));
      return requestId;
    };

    const waitForEnd = async (requestId: string) => {
      await client.workflow
        .getHandle(requestId)
        .result()
        .catch(() => undefined); // a failed event has ended too; its history says how
    };

    const steps = async (requestId: string) =>
      stepsOf(requestId, (await client.workflow.getHandle(requestId).fetchHistory()).events ?? []);

    const poolRuns = async (poolId: string): Promise<PoolRun[]> => {
      const runs: PoolRun[] = [];
      let runId: string | undefined;
      do {
        const handle = client.workflow.getHandle(poolId, runId);
        const description = await handle.describe();
        const events = (await handle.fetchHistory()).events ?? [];
        runs.push(poolRunOf(description.runId, description.status.name, events));
        // A run that continued as new names the run before it in its first event.
        runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      } while (runId);
      return runs;
    };

    return {
      devServer,
      config,
      tmp,
      sandbox: sandboxAvailable(),
      workerConcurrency,
      client,
      call,
      createFunction,
      invoke,
      startWithoutPool,
      waitForEnd,
      steps,
      accountPoolId: poolWorkflowId(config.taskQueue, accountPoolKey(account.accountId)),
      functionPoolId: (name) =>
        poolWorkflowId(config.taskQueue, functionPoolKey(account.accountId, 'default', name)),
      poolRuns,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
