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

const timeLiteral = (date: Date) => literal(date.toISOString());
const list = (values: string[]) => `(${values.map(literal).join(', ')})`;

function interval(column: SortKey, range: TimeInterval | undefined): string[] {
  if (!range) return [];
  return [
    ...(range.from ? [`${column} >= ${literal(range.from)}`] : []),
    ...(range.to ? [`${column} < ${literal(range.to)}`] : []),
  ];
}

/** The conditions of a filter, for Temporal's visibility query language; always scoped by account. */
export function filterConditions(filter: EventFilter): string[] {
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
  if (filter.trackedSince) conditions.push(`StartTime >= ${timeLiteral(filter.trackedSince)}`);
  conditions.push(...interval('StartTime', filter.startTime), ...interval('CloseTime', filter.endTime));
  // Events without an end time cannot lie in an end-time interval.
  if (filter.endTime?.from || filter.endTime?.to) conditions.push(`ExecutionStatus != 'Running'`);
  return conditions;
}

/** A query over the filter plus extra conditions (the windows the lister narrows). */
export function visibilityQuery(filter: EventFilter, extra: string[] = []): string {
  return [...filterConditions(filter), ...extra].join(' AND ');
}

/** `column op time`, for the lister's windows. */
export function timeCondition(column: SortKey, op: '>' | '>=' | '<' | '<=', at: Date): string {
  return `${column} ${op} ${timeLiteral(at)}`;
}
