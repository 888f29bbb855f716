import { LonghaulError, type ErrorCode } from '../errors';
import type { EventStatus } from '../events/event-view';
import { invokeTypes } from '../events/gateway';
import type { ListEventsRequest } from '../events/event-queries';
import { type EventFilter, type TimeInterval, canonicalInstant } from '../events/visibility-query';
import { validateRequestId } from '../events/request-id';
import type { FunctionView } from '../registry/functions';

type Query = Record<string, string | string[] | undefined>;

const statuses: EventStatus[] = ['RUNNING', 'FINISHED', 'FAILED', 'ABORTED'];
const isoPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** A list parameter given as repeated keys (`status=A&status=B`) or comma-separated (`status=A,B`). */
function many(query: Query, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function one(query: Query, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

function oneOf<T extends string>(values: string[] | undefined, allowed: readonly T[], code: ErrorCode, name: string): T[] | undefined {
  const wrong = values?.filter((v) => !(allowed as readonly string[]).includes(v));
  if (wrong?.length) throw new LonghaulError(code, `${name} must be among ${allowed.join(', ')}; got ${wrong.join(', ')}`);
  return values as T[] | undefined;
}

/** Date.parse rolls 2026-02-31 over into March and takes 24:00: refuse what is not on the calendar. */
function realCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const hour = Number(iso.slice(11, 13));
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day && hour <= 23;
}

/** A time bound at the caller's full precision (up to nanoseconds), as a canonical UTC string. */
export function time(query: Query, name: string, code: ErrorCode): string | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  const match = isoPattern.exec(raw);
  const whole = match ? new Date(`${match[1]}${match[3]}`) : undefined;
  if (!match || !whole || Number.isNaN(whole.getTime()) || !realCalendarDate(raw)) {
    throw new LonghaulError(code, `${name} must be an ISO 8601 time with a zone, such as 2026-12-03T08:00:00Z`);
  }
  return canonicalInstant(whole, match[2] ?? '');
}

function interval(query: Query, prefix: 'startTime' | 'endTime'): TimeInterval | undefined {
  const code = prefix === 'startTime' ? 'InvalidParameterValue.StartTimeInterval' : 'InvalidParameterValue.EndTimeInterval';
  const from = time(query, `${prefix}From`, code);
  const to = time(query, `${prefix}To`, code);
  if (from && to && from >= to) throw new LonghaulError(code, `${prefix}From must be before ${prefix}To`);
  return from || to ? { from, to } : undefined;
}

export function wholeNumber(query: Query, name: string, fallback: number, min: number, max: number, code: ErrorCode): number {
  const raw = one(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new LonghaulError(code, `${name} must be a whole number from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  }
  return value;
}

/** The filter every status read of one function starts from: its account, name and tracking start. */
export function functionFilter(fn: FunctionView): EventFilter & { trackedSince: Date } {
  if (!fn.traceEnable || !fn.traceEnabledAt) {
    throw new LonghaulError(
      'UnsupportedOperation.StatusTracking',
      `Status tracking is off for function ${fn.name}: turn it on with traceEnable to record its events`,
    );
  }
  return { accountId: fn.accountId, namespace: fn.namespace, functionName: fn.name, trackedSince: new Date(fn.traceEnabledAt) };
}

/** Parses a list request's query string; every value is validated before it can reach a query. */
export function parseListEvents(fn: FunctionView, qualifier: string | undefined, query: Query): ListEventsRequest {
  const requestId = one(query, 'requestId');
  const filter = {
    ...functionFilter(fn),
    qualifier,
    invokeTypes: oneOf(many(query, 'invokeType'), invokeTypes, 'InvalidParameterValue.InvokeType', 'invokeType'),
    statuses: oneOf(many(query, 'status'), statuses, 'InvalidParameterValue.Status', 'status'),
    startTime: interval(query, 'startTime'),
    endTime: interval(query, 'endTime'),
    requestId: requestId === undefined ? undefined : validateRequestId(requestId),
  };
  const [orderBy] = oneOf([one(query, 'orderBy') ?? 'StartTime'], ['StartTime', 'EndTime'] as const, 'InvalidParameterValue.OrderBy', 'orderBy')!;
  const [order] = oneOf([(one(query, 'order') ?? 'DESC').toUpperCase()], ['ASC', 'DESC'] as const, 'InvalidParameterValue.Order', 'order')!;
  return {
    filter,
    orderBy: orderBy!,
    order: order!,
    offset: wholeNumber(query, 'offset', 0, 0, Infinity, 'InvalidParameterValue.Offset'),
    limit: wholeNumber(query, 'limit', 20, 1, 100, 'InvalidParameterValue.Limit'),
  };
}

/** The overview's and export's filter: a function's (or a namespace's) events, optionally by version and start time. */
export function parseOverview(fn: FunctionView, qualifier: string | undefined, query: Query): EventFilter {
  return { ...functionFilter(fn), qualifier, startTime: parseStartTime(query) };
}

export function parseStartTime(query: Query): TimeInterval | undefined {
  return interval(query, 'startTime');
}
