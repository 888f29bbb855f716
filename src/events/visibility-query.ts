import { searchAttributes as sa } from '../../workflows/search-attributes';
import type { EventStatus } from './event-view';

/**
 * A half-open time interval [from, to): closed at its start, open at its end, as SCF's intervals are. Bounds
 * are canonical UTC ISO strings with nine fraction digits (see `canonicalInstant`): Temporal keeps sub-ms
 * times, and a Date would cut a caller's bound to the millisecond.
 */
export interface TimeInterval {
  from?: string;
  to?: string;
}

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: fixed width, so such strings compare as their instants do. */
export function canonicalInstant(secondsPrecision: Date, fractionDigits: string): string {
  return `${secondsPrecision.toISOString().slice(0, 19)}.${fractionDigits.padEnd(9, '0')}Z`;
}

/** Which events a list, count or export covers. Every value is validated before it gets here. */
export interface EventFilter {
  accountId: string;
  namespace: string;
  functionName?: string;
  qualifier?: string;
  invokeTypes?: string[];
  statuses?: EventStatus[];
  startTime?: TimeInterval;
  endTime?: TimeInterval;
  requestId?: string;
  /** Status tracking was (re)enabled then: earlier events are not listed. */
  trackedSince?: Date;
}

/** Temporal's execution statuses behind each SCF status. */
export const executionStatusesOf: Record<EventStatus, string[]> = {
  RUNNING: ['Running'],
  FINISHED: ['Completed'],
  FAILED: ['Failed', 'TimedOut'],
  ABORTED: ['Canceled', 'Terminated'],
};

export type SortKey = 'StartTime' | 'CloseTime';

/**
 * A value written into a query. Callers validate every value against a strict pattern first; this is the
 * second line: a quote or backslash can never reach the query, whatever a caller forgot.
 */
function literal(value: string): string {
  if (/['"\\\n\r]/.test(value)) throw new Error(`refusing to put ${JSON.stringify(value)} into a visibility query`);
  return `'${value}'`;
}

const list = (values: string[]) => `(${values.map(literal).join(', ')})`;

/** `column op at`, `at` a canonical instant (see canonicalInstant). */
export interface TimeBound {
  column: SortKey;
  op: '>' | '>=' | '<' | '<=';
  at: string;
}

/** A bound at a Date (millisecond precision), for tracking starts and the lister's windows. */
export function msBound(column: SortKey, op: TimeBound['op'], at: Date): TimeBound {
  return { column, op, at: canonicalInstant(at, at.toISOString().slice(20, 23)) };
}

function intervalBounds(column: SortKey, range: TimeInterval | undefined): TimeBound[] {
  return [
    ...(range?.from ? [{ column, op: '>=' as const, at: range.from }] : []),
    ...(range?.to ? [{ column, op: '<' as const, at: range.to }] : []),
  ];
}

const nanosOf = (at: string) =>
  BigInt(Date.parse(`${at.slice(0, 19)}Z`)) * 1_000_000n + BigInt(at.slice(20, 29));

/**
 * The one of two bounds on the same side of the same column that implies the other, or undefined when that
 * is not safe to tell. Only told for whole milliseconds or bounds at least 1 ms apart: Temporal keeps times
 * at a finer but not nanosecond precision, so two bounds that differ below the millisecond might meet after
 * its conversion, where their strictness would decide.
 */
function tighter(a: TimeBound, b: TimeBound): TimeBound | undefined {
  const [na, nb] = [nanosOf(a.at), nanosOf(b.at)];
  const wholeMs = na % 1_000_000n === 0n && nb % 1_000_000n === 0n;
  if (!wholeMs && (na > nb ? na - nb : nb - na) < 1_000_000n) return undefined;
  if (na === nb) return a.op.length === 1 ? a : b;
  return na > nb === a.op.startsWith('>') ? a : b;
}

/**
 * The bounds with each one that another implies left out: the same events match. SQLite visibility ranges
 * an index over one lower and one upper bound per column and tests any further one row by row, so with
 * `StartTime >= trackedSince AND StartTime > windowStart` it would walk from the tracking start instead of
 * the window's.
 */
export function tightestBounds(bounds: TimeBound[]): TimeBound[] {
  const kept: TimeBound[] = [];
  for (const bound of bounds) {
    const lower = bound.op.startsWith('>');
    const i = kept.findIndex(
      (k) => k.column === bound.column && k.op.startsWith('>') === lower && tighter(k, bound) !== undefined,
    );
    if (i < 0) kept.push(bound);
    else kept[i] = tighter(kept[i]!, bound)!;
  }
  return kept;
}

/**
 * The conditions of a filter, for Temporal's visibility query language; always scoped by account. `bounds`
 * narrow it further (the lister's windows) and are merged with the filter's own time bounds.
 */
export function filterConditions(filter: EventFilter, bounds: TimeBound[] = []): string[] {
  const conditions = [
    `${sa.account.name} = ${literal(filter.accountId)}`,
    `${sa.namespace.name} = ${literal(filter.namespace)}`,
  ];
  if (filter.functionName !== undefined) conditions.push(`${sa.functionName.name} = ${literal(filter.functionName)}`);
  if (filter.qualifier !== undefined) conditions.push(`${sa.version.name} = ${literal(filter.qualifier)}`);
  if (filter.invokeTypes?.length) conditions.push(`${sa.invokeType.name} IN ${list(filter.invokeTypes)}`);
  if (filter.statuses?.length) {
    conditions.push(`ExecutionStatus IN ${list(filter.statuses.flatMap((s) => executionStatusesOf[s]))}`);
  }
  if (filter.requestId !== undefined) conditions.push(`WorkflowId = ${literal(filter.requestId)}`);
  const time = tightestBounds([
    ...(filter.trackedSince ? [msBound('StartTime', '>=', filter.trackedSince)] : []),
    ...intervalBounds('StartTime', filter.startTime),
    ...intervalBounds('CloseTime', filter.endTime),
    ...bounds,
  ]);
  conditions.push(...time.map((b) => `${b.column} ${b.op} ${literal(b.at)}`));
  // Events without an end time cannot lie in an end-time interval.
  if (filter.endTime?.from || filter.endTime?.to) conditions.push(`ExecutionStatus != 'Running'`);
  return conditions;
}

/** A query over the filter, narrowed by window bounds, plus extra conditions. */
export function visibilityQuery(filter: EventFilter, extra: string[] = [], bounds: TimeBound[] = []): string {
  return [...filterConditions(filter, bounds), ...extra].join(' AND ');
}
