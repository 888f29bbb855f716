import { LonghaulError, type ErrorCode } from '../errors';
import { parseListEvents, parseOverview } from '../api/event-requests';
import { formatScfTime, parseScfTime } from '../events/scf-time';
import * as rules from '../registry/function-rules';
import type { ScfActions, ScfContext } from './action';
import { type Params, functionNameOf, namespaceOf } from './params';

type Query = Record<string, string | string[] | undefined>;

/** A checked integer parameter as the query-string text the shared parser reads. */
const numberText = (value: unknown) => (typeof value === 'number' ? String(value) : undefined);

/** The function (and, when given, the version, which must exist) an event action is about. */
export function target(c: ScfContext, p: Params) {
  const namespace = namespaceOf(p);
  const name = functionNameOf(p);
  const fn = c.deps.registry.get(c.accountId, namespace, name);
  const qualifier = p.Qualifier === undefined ? undefined : rules.validateQualifier(p.Qualifier);
  if (qualifier !== undefined) c.deps.registry.get(c.accountId, namespace, name, qualifier);
  return { fn, qualifier };
}

/**
 * An SCF time interval {Start, End} (`YYYY-MM-DD HH:MM:SS` in the configured zone) as the REST query's
 * ISO 8601 bounds, which the shared parser then validates (Start before End and so on).
 */
function intervalQuery(value: unknown, prefix: 'startTime' | 'endTime', timeZone: string): Query {
  if (value === undefined) return {};
  const name = prefix === 'startTime' ? 'StartTimeInterval' : 'EndTimeInterval';
  const code: ErrorCode =
    prefix === 'startTime'
      ? 'InvalidParameterValue.StartTimeInterval'
      : 'InvalidParameterValue.EndTimeInterval';
  const interval = value as { Start?: unknown; End?: unknown };
  const extra = Object.keys(interval).filter((k) => k !== 'Start' && k !== 'End');
  if (extra.length > 0) throw new LonghaulError('UnknownParameter', `${name} takes only Start and End`);
  const bound = (raw: unknown, which: string) => {
    if (raw === undefined) return undefined;
    const date = typeof raw === 'string' ? parseScfTime(raw, timeZone) : undefined;
    if (!date)
      throw new LonghaulError(
        code,
        `${name}.${which} must be a time such as 2026-12-03 08:00:00 (${timeZone})`,
      );
    return date.toISOString();
  };
  return { [`${prefix}From`]: bound(interval.Start, 'Start'), [`${prefix}To`]: bound(interval.End, 'End') };
}

function eventOfFunction(c: ScfContext, p: Params) {
  const { fn } = target(c, p);
  return async (requestId: string) => {
    const event = await c.deps.gateway.get(c.accountId, requestId);
    if (event.namespace !== fn.namespace || event.functionName !== fn.name) {
      throw new LonghaulError('ResourceNotFound.AsyncEvent', `Function ${fn.name} has no event ${requestId}`);
    }
    return event;
  };
}

/** Status tracking: read, list, count and terminate async events, over the gateway and event queries. */
export const asyncEventActions: ScfActions = {
  GetAsyncEventStatus: {
    readOnly: true,
    params: { InvokeRequestId: 'string*' },
    async run(c, p) {
      const event = await c.deps.gateway.get(c.accountId, p.InvokeRequestId as string);
      return {
        Result: { Status: event.status, StatusCode: event.statusCode, InvokeRequestId: event.requestId },
      };
    },
  },

  ListAsyncEvents: {
    readOnly: true,
    params: {
      FunctionName: 'string*',
      Namespace: 'string',
      Qualifier: 'string',
      InvokeType: 'string[]',
      Status: 'string[]',
      StartTimeInterval: 'object',
      EndTimeInterval: 'object',
      Order: 'string',
      Orderby: 'string',
      Offset: 'integer',
      Limit: 'integer',
      InvokeRequestId: 'string',
    },
    async run(c, p) {
      const { fn, qualifier } = target(c, p);
      const query: Query = {
        invokeType: p.InvokeType as string[] | undefined,
        status: p.Status as string[] | undefined,
        ...intervalQuery(p.StartTimeInterval, 'startTime', c.timeZone),
        ...intervalQuery(p.EndTimeInterval, 'endTime', c.timeZone),
        order: p.Order as string | undefined,
        orderBy: p.Orderby as string | undefined,
        offset: numberText(p.Offset),
        limit: numberText(p.Limit),
        requestId: p.InvokeRequestId as string | undefined,
      };
      const { totalCount, events } = await c.deps.queries.list(parseListEvents(fn, qualifier, query));
      return {
        TotalCount: totalCount,
        EventList: events.map((e) => ({
          InvokeRequestId: e.requestId,
          InvokeType: e.invokeType,
          Qualifier: e.qualifier,
          Status: e.status,
          StartTime: formatScfTime(e.startTime, c.timeZone),
          EndTime: e.endTime ? formatScfTime(e.endTime, c.timeZone) : '',
        })),
      };
    },
  },

  TerminateAsyncEvent: {
    params: {
      FunctionName: 'string*',
      InvokeRequestId: 'string*',
      Namespace: 'string',
      GraceShutdown: 'boolean',
    },
    async run(c, p) {
      const event = await eventOfFunction(c, p)(p.InvokeRequestId as string);
      await c.deps.gateway.terminate(c.accountId, event.requestId, {
        mode: p.GraceShutdown === true ? 'graceful' : 'forced',
      });
      return {};
    },
  },

  // Named by Tencent but never specified; longhaul's definition: counts per status and the total.
  GetAsyncEventOverview: {
    readOnly: true,
    params: {
      FunctionName: 'string*',
      Namespace: 'string',
      Qualifier: 'string',
      StartTimeInterval: 'object',
    },
    async run(c, p) {
      const { fn, qualifier } = target(c, p);
      const filter = parseOverview(
        fn,
        qualifier,
        intervalQuery(p.StartTimeInterval, 'startTime', c.timeZone),
      );
      const { total, counts } = await c.deps.queries.overview(filter);
      return { TotalCount: total, StatusCounts: { ...counts } };
    },
  },
};
