/**
 * The real stack, in this process as `npm start` runs it: a Temporal dev server (the pinned CLI), the stores
 * on a fresh data dir, the REST API over HTTP, and one worker running the real runFunction activity (user
 * code in real child processes; as root, each event as its own uid under prlimit). Started with the same
 * pieces as bench/log-latency/stack.ts (bench/common/dev-stack.ts), without its timing wrappers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sandboxAvailable } from '../../src/runtime/sandbox';
import type { DevServer } from '../../src/temporal/dev-server';
import { createBenchFunction } from '../common/api';
import { Cleanup } from '../common/cleanup';
import { startApiStack } from '../common/api-stack';
import { hiNow } from '../common/clock';
import { eventTimeMs } from '../common/history';
import { type BenchEvent, type BenchRuntime, benchPackage, firstLinePattern, zipPackage } from './functions';

export interface Invoked {
  requestId: string;
  /** Just before the invoke request was sent, and when its 202 came back (hi-res epoch ms). */
  sentHi: number;
  acceptedHi: number;
}

export interface Followed {
  /** The handler's own Date.now() in its first line. */
  printedMs: number;
  /** When the follower (in this process) received that line. */
  receivedHi: number;
  /** When the follow's `end` event arrived (the event has ended). */
  endedHi: number;
  endStatus: string;
}

/** When the event's workflow history says each step happened (server clock: this machine's), epoch ms. */
export interface Milestones {
  workflowStarted: number;
  /** The first workflow task picked up by the worker. */
  workflowTaskStarted: number;
  activityScheduled: number;
  /** The runFunction activity task handed to the worker. */
  activityStarted: number;
}

export interface BenchStack {
  devServer: DevServer;
  tmp: string;
  sandbox: boolean;
  concurrency: number;
  functionOf: Record<BenchRuntime, string>;
  invoke(runtime: BenchRuntime, event: BenchEvent): Promise<Invoked>;
  follow(requestId: string): Promise<Followed>;
  /**
   * The Date.now() of the event's FIRST line, read from the log store directly (no API call, no Temporal
   * describe: the density runs poll it for every event); undefined while it has none.
   */
  firstLine(requestId: string): Promise<number | undefined>;
  status(requestId: string): Promise<string>;
  milestones(requestId: string): Promise<Milestones>;
  terminate(requestId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startStack(cli: string, concurrency: number): Promise<BenchStack> {
  const { add: onCleanup, run: stop } = new Cleanup();
  try {
    const { tmp, devServer, temporal, logStore, account, api, authorization, call } = await startApiStack(
      cli,
      { name: 'runtimes', workerConcurrency: concurrency },
      onCleanup,
    );

    const functionOf = {} as Record<BenchRuntime, string>;
    for (const runtime of ['Nodejs18.15', 'Python3.9', 'CustomRuntime'] as const) {
      const pkg = benchPackage(runtime);
      const functionName = `bench-${runtime.replace(/\W/g, '').toLowerCase()}`;
      await createBenchFunction(api.url, authorization, { functionName, runtime, handler: pkg.handler, zipFile: await zipPackage(pkg), memorySize: 256 });
      functionOf[runtime] = functionName;
    }

    const invoke = async (runtime: BenchRuntime, event: BenchEvent): Promise<Invoked> => {
      const sentHi = hiNow();
      const { status, body } = await call('POST', `/v1/namespaces/default/functions/${functionOf[runtime]}/invocations`, event);
      const acceptedHi = hiNow();
      if (status !== 202 || typeof body.requestId !== 'string') throw new Error(`invoke failed: ${status} ${JSON.stringify(body)}`);
      return { requestId: body.requestId, sentHi, acceptedHi };
    };

    const follow = (requestId: string) => followFirstLine(api.url, authorization, requestId);

    const firstLine = async (requestId: string) => {
      const lines = await logStore.readLines({ accountId: account.accountId, requestId }, undefined, 20);
      for (const line of lines) {
        const match = firstLinePattern.exec(line.text);
        if (match) return Number(match[1]);
      }
      return undefined;
    };

    const status = async (requestId: string) => {
      const { status: code, body } = await call('GET', `/v1/events/${requestId}`);
      if (code !== 200) throw new Error(`event read failed: ${code} ${JSON.stringify(body)}`);
      return String(body.status);
    };

    const milestones = async (requestId: string): Promise<Milestones> => {
      const history = await temporal.client.workflow.getHandle(requestId).fetchHistory();
      const at = (key: 'workflowExecutionStartedEventAttributes' | 'workflowTaskStartedEventAttributes' | 'activityTaskScheduledEventAttributes' | 'activityTaskStartedEventAttributes') =>
        eventTimeMs(history.events?.find((e) => e[key]));
      return {
        workflowStarted: at('workflowExecutionStartedEventAttributes'),
        workflowTaskStarted: at('workflowTaskStartedEventAttributes'),
        activityScheduled: at('activityTaskScheduledEventAttributes'),
        activityStarted: at('activityTaskStartedEventAttributes'),
      };
    };

    const terminate = async (requestId: string) => (await call('POST', `/v1/events/${requestId}/terminate`, {})).status;

    return { devServer, tmp, sandbox: sandboxAvailable(), concurrency, functionOf, invoke, follow, firstLine, status, milestones, terminate, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Follows the event's log over SSE until its end event; notes when the FIRST line arrived. */
async function followFirstLine(url: string, authorization: string, requestId: string): Promise<Followed> {
  for (let tries = 0; ; tries++) {
    const response = await fetch(`${url}/v1/events/${requestId}/logs/follow`, { headers: { authorization, accept: 'text/event-stream' } });
    if (response.status !== 200) {
      const text = await response.text();
      if (tries < 20) {
        await sleep(50);
        continue;
      }
      throw new Error(`follow refused: ${response.status} ${text}`);
    }
    let printedMs = NaN;
    let receivedHi = NaN;
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const now = hiNow();
      buffered += decoder.decode(chunk, { stream: true });
      let boundary;
      while ((boundary = buffered.indexOf('\n\n')) !== -1) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((f) => f.startsWith('data: '))
          .map((f) => f.slice(6))
          .join('');
        if (event === 'line' && Number.isNaN(printedMs)) {
          const match = firstLinePattern.exec((JSON.parse(data) as { text: string }).text);
          if (match) {
            printedMs = Number(match[1]);
            receivedHi = now;
          }
        } else if (event === 'end') {
          const end = JSON.parse(data) as { status?: string };
          return { printedMs, receivedHi, endedHi: now, endStatus: String(end.status) };
        }
      }
    }
    throw new Error(`follow of ${requestId} ended without an end event`);
  }
}
