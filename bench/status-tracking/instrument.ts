import { performance } from 'node:perf_hooks';
import { Client, type Connection, type WorkflowExecutionInfo } from '@temporalio/client';

/** The Temporal calls one API request made, with their durations (ms). */
export interface CallLog {
  counts: number[];
  /** The counts that narrow a page's window (a time bound beyond the tracking start), a subset of counts. */
  windowCounts: number[];
  lists: number[];
  listItems: number;
}

export const emptyCallLog = (): CallLog => ({ counts: [], windowCounts: [], lists: [], listItems: 0 });

/**
 * A Temporal client for the API with count and list timed into `log()`. One request runs at a time while
 * measuring, so the bench swaps in a fresh log before each request.
 */
export function instrumentedClient(
  connection: Connection,
  namespace: string,
  trackingStart: string,
  log: () => CallLog,
): Client {
  const client = new Client({ connection, namespace });
  const wf = client.workflow;
  const count = wf.count.bind(wf);
  const list = wf.list.bind(wf);
  wf.count = async (query?: string) => {
    const t0 = performance.now();
    try {
      return await count(query);
    } finally {
      const ms = performance.now() - t0;
      log().counts.push(ms);
      // A total carries only `StartTime >= <tracking start>`; a window search bounds time otherwise too
      // (a window's lower bound replaces the tracking start when it implies it).
      const bounds = [...(query ?? '').matchAll(/\b(StartTime|CloseTime) (>=|<=|>|<) '([^']*)'/g)];
      if (bounds.some(([bound]) => bound !== `StartTime >= '${trackingStart}'`)) log().windowCounts.push(ms);
    }
  };
  wf.list = ((options?: Parameters<typeof list>[0]) => {
    const inner = list(options);
    const timed = async function* (): AsyncGenerator<WorkflowExecutionInfo> {
      const t0 = performance.now();
      try {
        for await (const item of inner) {
          log().listItems += 1;
          yield item;
        }
      } finally {
        log().lists.push(performance.now() - t0);
      }
    };
    return Object.assign(timed(), { intoHistories: inner.intoHistories.bind(inner) });
  }) as typeof wf.list;
  return client;
}
