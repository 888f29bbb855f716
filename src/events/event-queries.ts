import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { searchAttributes as sa } from '../../workflows/search-attributes';
import { type EventHeadline, type EventStatus, type WorkflowStatusName, eventStatusOf, statusCodeOf } from './event-view';
import { type Comparison, type WindowStore, pageOf } from './exact-window';
import { type EventFilter, type SortKey, timeCondition, visibilityQuery } from './visibility-query';

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

interface Segment {
  conditions: string[];
  key: SortKey;
  size: number;
}

/**
 * Status tracking's reads, all on Temporal visibility, always scoped by account: exact lists (any filter,
 * order and offset), counts per status, and streamed exports.
 */
export class EventQueries {
  constructor(private readonly client: Client) {}

  async list(request: ListEventsRequest): Promise<{ totalCount: number; events: EventSummary[] }> {
    const segments = await this.segments(request);
    const totalCount = segments.reduce((sum, s) => sum + s.size, 0);
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
      });
      events.push(...page.map(toSummary));
      remaining -= page.length;
      offset = 0;
    }
    return { totalCount, events };
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
  private async segments(request: ListEventsRequest): Promise<Segment[]> {
    const base = visibilityQuery(request.filter);
    if (request.orderBy === 'StartTime') {
      return [{ conditions: [base], key: 'StartTime', size: (await this.client.workflow.count(base)).count }];
    }
    const { count, groups } = await this.client.workflow.count(`${base} GROUP BY ExecutionStatus`);
    const running = groups.find((g) => String(g.groupValues[0]) === 'Running')?.count ?? 0;
    const runningSegment: Segment = { conditions: [base, `ExecutionStatus = 'Running'`], key: 'StartTime', size: running };
    const endedSegment: Segment = { conditions: [base, `ExecutionStatus != 'Running'`], key: 'CloseTime', size: count - running };
    return request.order === 'ASC' ? [endedSegment, runningSegment] : [runningSegment, endedSegment];
  }

  private store(filter: EventFilter, segment: Segment): WindowStore<WorkflowExecutionInfo> {
    const query = (extra: string[]) => [...segment.conditions, ...extra].join(' AND ');
    return {
      count: async (op: Comparison, t: number) =>
        (await this.client.workflow.count(query([timeCondition(segment.key, op, new Date(t))]))).count,
      list: async (lower, upper) => {
        const bounds = [
          ...(lower === undefined ? [] : [timeCondition(segment.key, '>=', new Date(lower))]),
          ...(upper === undefined ? [] : [timeCondition(segment.key, '<=', new Date(upper))]),
        ];
        const items: WorkflowExecutionInfo[] = [];
        for await (const execution of this.client.workflow.list({ query: query(bounds), pageSize: 1000 })) {
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
