import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { searchAttributes as sa } from '../../workflows/search-attributes';
import { type EventHeadline, type EventStatus, type WorkflowStatusName, eventStatusOf, statusCodeOf } from './event-view';
import { BoundaryMemory, type Comparison, type WindowStore, pageOf } from './exact-window';
import { type EventFilter, type SortKey, msBound, visibilityQuery } from './visibility-query';

/** One event as lists and exports show it. */
export interface EventSummary extends EventHeadline {
  startTime: Date;
  endTime: Date | null;
}

export interface ListEventsRequest {
  /** Must carry `trackedSince`: it bounds the time search from below. */
  filter: EventFilter & { trackedSince: Date };
  orderBy: 'StartTime' | 'EndTime';
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
}

export type StatusCounts = Record<EventStatus, number>;

/**
 * Keys are never later than now plus this much clock skew between the API and Temporal. Kept small: the
 * search interpolates over [tracking start, now + skew], and an empty future slows it down.
 */
const clockSkewMs = 60 * 1000;
/** A window larger than this means the page sits in a pile of events with one timestamp: refuse, do not OOM. */
const maxWindowItems = 20000;

interface SegmentShape {
  /** Conditions besides the filter's (which events of the filter the segment holds). */
  extra: string[];
  key: SortKey;
}

interface Segment extends SegmentShape {
  size: number;
}

const withSizes = (shapes: SegmentShape[], sizes: number[]): Segment[] =>
  shapes.map((shape, i) => ({ ...shape, size: sizes[i] ?? 0 }));

/** Filters whose last segment sizes are kept (a few numbers each). */
const maxRememberedFilters = 256;

export interface EventQueriesOptions {
  /**
   * Whether longhaul's indexes are in the visibility store (the embedded stack built them in the dev
   * server's SQLite file, see src/temporal/visibility-indexes.ts). It decides how StartTime windows are
   * bounded (see windowBound); answers are the same either way.
   */
  visibilityIndexed?: boolean;
}

/**
 * Status tracking's reads, all on Temporal visibility, always scoped by account: exact lists (any filter,
 * order and offset), counts per status, and streamed exports.
 */
export class EventQueries {
  /** First guesses for the window searches, from earlier requests (guesses only: answers stay exact). */
  private readonly boundaries = new BoundaryMemory();
  /** The segment sizes the last list of each recent filter and order saw. */
  private readonly recentSizes = new Map<string, number[]>();

  private readonly boundExecutionTime: boolean;

  constructor(
    private readonly client: Client,
    options: EventQueriesOptions = {},
  ) {
    this.boundExecutionTime = !options.visibilityIndexed;
  }

  /**
   * The exact page and total. The counts behind the total run alongside paging on the sizes the previous
   * list of the same filter and order saw; when the fresh counts agree, that page is the answer (it was
   * computed for exactly these sizes), and the request costs the slower of the two instead of their sum.
   * When they differ (events came or went), the page is computed again on the fresh sizes.
   */
  async list(request: ListEventsRequest): Promise<{ totalCount: number; events: EventSummary[] }> {
    const shapes = this.segmentShapes(request);
    const key = `${request.orderBy} ${request.order} ${visibilityQuery(request.filter)}`;
    const remembered = this.recentSizes.get(key);
    const [sizes, speculative] = await Promise.all([
      this.segmentSizes(request, shapes),
      remembered && this.page(request, withSizes(shapes, remembered)).catch(() => undefined),
    ]);
    this.rememberSizes(key, sizes);
    const totalCount = sizes.reduce((sum, size) => sum + size, 0);
    const agreed = speculative && remembered!.every((size, i) => size === sizes[i]);
    return { totalCount, events: agreed ? speculative : await this.page(request, withSizes(shapes, sizes)) };
  }

  private async page(request: ListEventsRequest, segments: Segment[]): Promise<EventSummary[]> {
    const events: EventSummary[] = [];
    let offset = request.offset;
    let remaining = request.limit;
    for (const segment of segments) {
      if (remaining === 0) break;
      if (offset >= segment.size) {
        offset -= segment.size;
        continue;
      }
      const page = await pageOf(this.store(request.filter, segment), {
        total: segment.size,
        offset,
        limit: remaining,
        descending: request.order === 'DESC',
        minKey: request.filter.trackedSince.getTime(),
        maxKey: Date.now() + clockSkewMs,
        seeds: this.boundaries.book(`${segment.key} ${visibilityQuery(request.filter, segment.extra)}`),
      });
      events.push(...page.map(toSummary));
      remaining -= page.length;
      offset = 0;
    }
    return events;
  }

  private rememberSizes(key: string, sizes: number[]): void {
    this.recentSizes.delete(key);
    this.recentSizes.set(key, sizes);
    if (this.recentSizes.size > maxRememberedFilters) this.recentSizes.delete(this.recentSizes.keys().next().value!);
  }

  /** How many events of the filter are in each status, from one GROUP BY count. */
  async overview(filter: EventFilter): Promise<{ total: number; counts: StatusCounts }> {
    const counts: StatusCounts = { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 };
    const result = await this.client.workflow.count(`${visibilityQuery(filter)} GROUP BY ExecutionStatus`);
    for (const group of result.groups) {
      const name = String(group.groupValues[0]);
      counts[eventStatusOf(temporalStatusName(name))] += group.count;
    }
    return { total: result.count, counts };
  }

  /** Every event of the filter, in visibility's own order, a page at a time (memory stays flat). */
  async *export(filter: EventFilter): AsyncIterable<EventSummary> {
    for await (const execution of this.client.workflow.list({ query: visibilityQuery(filter), pageSize: 1000 })) {
      yield toSummary(execution);
    }
  }

  /**
   * Ordered by StartTime, all events are one segment. Ordered by EndTime, running events (no end time)
   * count as ending after every ended one: last in ASC, first in DESC, among themselves by StartTime.
   */
  private segmentShapes(request: ListEventsRequest): SegmentShape[] {
    if (request.orderBy === 'StartTime') return [{ extra: [], key: 'StartTime' }];
    const running: SegmentShape = { extra: [`ExecutionStatus = 'Running'`], key: 'StartTime' };
    const ended: SegmentShape = { extra: [`ExecutionStatus != 'Running'`], key: 'CloseTime' };
    return request.order === 'ASC' ? [ended, running] : [running, ended];
  }

  /** The segments' sizes, in their order, from one count. */
  private async segmentSizes(request: ListEventsRequest, shapes: SegmentShape[]): Promise<number[]> {
    const base = visibilityQuery(request.filter);
    if (request.orderBy === 'StartTime') return [(await this.client.workflow.count(base)).count];
    const { count, groups } = await this.client.workflow.count(`${base} GROUP BY ExecutionStatus`);
    const running = groups.find((g) => String(g.groupValues[0]) === 'Running')?.count ?? 0;
    return shapes.map((shape) => (shape.key === 'StartTime' ? running : count - running));
  }

  private store(filter: EventFilter, segment: Segment): WindowStore<WorkflowExecutionInfo> {
    // The window's bounds merge with the filter's own (one lower and one upper bound per column).
    const query = (window: [Comparison, number][]) => {
      const bounds = window.map(([op, t]) => windowBound(segment.key, op, t, this.boundExecutionTime));
      const extra = [...segment.extra, ...bounds.flatMap((b) => b.extra)];
      return visibilityQuery(filter, extra, bounds.map((b) => b.bound));
    };
    return {
      count: async (op: Comparison, t: number) => (await this.client.workflow.count(query([[op, t]]))).count,
      list: async (lower, upper) => {
        const window: [Comparison, number][] = [];
        if (lower !== undefined) window.push(['>=', lower]);
        if (upper !== undefined) window.push(['<=', upper]);
        const items: WorkflowExecutionInfo[] = [];
        for await (const execution of this.client.workflow.list({ query: query(window), pageSize: 1000 })) {
          items.push(execution);
          if (items.length > maxWindowItems) {
            throw new Error(`more than ${maxWindowItems} events share the page's timestamps (${filter.namespace})`);
          }
        }
        return items;
      },
      compare: (a, b) => compareNanos(keyNanos(a, segment.key), keyNanos(b, segment.key)) || compareText(a.workflowId, b.workflowId),
    };
  }
}

/**
 * `key op t`, and for StartTime windows on an unindexed store the same bound on ExecutionTime. Events start
 * without delay, cron or workflow retry (see start-options.ts), so an event's ExecutionTime equals its
 * StartTime and the extra bound never changes which events match; it only steers SQLite's plan.
 *
 * Measured through the dev server on 99,938 events of one function (2026-12-03, counts, median ms):
 * - without longhaul's indexes, the ExecutionTime bound lets SQLite walk its ExecutionTime index over just
 *   the window: a window of 900 events 6 to 9 ms with it, 49 to 74 without; a window of half the events or
 *   more about the same either way (250 to 390 ms: every row is read to test the function).
 * - with them, it is the other way round: SQLite then prefers the ExecutionTime index to the composite one,
 *   and a window of half the events costs 217 to 350 ms with the bound, 19 to 22 ms without; 900 events
 *   6 to 7 ms with it, 2 to 3 without.
 * So it is sent only when the stack did not build the indexes. CloseTime windows need neither: their bound
 * ranges over the function's own index.
 */
function windowBound(key: SortKey, op: Comparison, t: number, boundExecutionTime: boolean) {
  const at = new Date(t);
  const extra = key === 'StartTime' && boundExecutionTime ? [`ExecutionTime ${op} '${at.toISOString()}'`] : [];
  return { bound: msBound(key, op, at), extra };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The key at full precision (Temporal keeps nanoseconds; a Date keeps milliseconds). */
function keyNanos(execution: WorkflowExecutionInfo, key: SortKey): bigint {
  const ts = key === 'StartTime' ? execution.raw.startTime : execution.raw.closeTime;
  if (!ts) return 0n;
  return BigInt(String(ts.seconds ?? 0)) * 1_000_000_000n + BigInt(ts.nanos ?? 0);
}

function compareNanos(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Visibility's GROUP BY speaks in the query language's names (Completed, Canceled...). */
function temporalStatusName(name: string): WorkflowStatusName {
  const names: Record<string, WorkflowStatusName> = {
    Running: 'RUNNING',
    Completed: 'COMPLETED',
    Failed: 'FAILED',
    Canceled: 'CANCELLED',
    Terminated: 'TERMINATED',
    TimedOut: 'TIMED_OUT',
    ContinuedAsNew: 'CONTINUED_AS_NEW',
  };
  return names[name] ?? 'UNKNOWN';
}

function toSummary(execution: WorkflowExecutionInfo): EventSummary {
  const attrs = execution.typedSearchAttributes;
  const status = eventStatusOf(execution.status.name);
  return {
    requestId: execution.workflowId,
    namespace: attrs.get(sa.namespace) ?? '',
    functionName: attrs.get(sa.functionName) ?? '',
    qualifier: attrs.get(sa.version) ?? '',
    invokeType: attrs.get(sa.invokeType) ?? '',
    status,
    statusCode: statusCodeOf(execution.status.name, attrs.get(sa.statusCode)),
    startTime: execution.startTime,
    endTime: execution.closeTime ?? null,
  };
}
