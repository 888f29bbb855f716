import { parseLogSearch } from '../api/log-requests';
import { LonghaulError } from '../errors';
import { formatScfTime, parseScfTime } from '../events/scf-time';
import { statusCodes } from '../../workflows/status-codes';
import type { ScfActions, ScfContext } from './action';
import { target } from './async-event-actions';
import type { Params } from './params';

type Query = Record<string, string | undefined>;

function scfTimeQuery(c: ScfContext, value: unknown, name: 'StartTime' | 'EndTime'): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' ? parseScfTime(value, c.timeZone) : undefined;
  if (!date) {
    throw new LonghaulError(
      'InvalidParameterValue.StartTimeInterval',
      `${name} must be a time such as 2026-12-03 08:00:00 (${c.timeZone})`,
    );
  }
  return date.toISOString();
}

/** SCF's Filter.RetCode: `is0` (succeeded) or `not0` (failed), as the REST API's outcome. */
function outcomeOf(filter: unknown): string | undefined {
  if (filter === undefined) return undefined;
  const { RetCode, ...rest } = filter as { RetCode?: unknown };
  if (Object.keys(rest).length > 0) throw new LonghaulError('UnknownParameter', 'Filter takes only RetCode');
  if (RetCode === undefined) return undefined;
  if (RetCode === 'is0') return 'success';
  if (RetCode === 'not0') return 'failure';
  throw new LonghaulError('InvalidParameterValue.RetCode', `Filter.RetCode must be is0 or not0, got ${JSON.stringify(RetCode)}`);
}

function orderQuery(p: Params): string | undefined {
  if (p.OrderBy !== undefined && p.OrderBy !== 'start_time') {
    throw new LonghaulError('InvalidParameterValue.OrderBy', `OrderBy must be start_time, got "${p.OrderBy as string}"`);
  }
  return typeof p.Order === 'string' ? p.Order.toUpperCase() : undefined;
}

/** Real-time logs over the log store, one item per attempt (RetryNum counts the attempts before it). */
export const logActions: ScfActions = {
  GetFunctionLogs: {
    readOnly: true,
    params: {
      FunctionName: 'string*',
      Namespace: 'string',
      Qualifier: 'string',
      FunctionRequestId: 'string',
      StartTime: 'string',
      EndTime: 'string',
      Offset: 'integer',
      Limit: 'integer',
      Order: 'string',
      OrderBy: 'string',
      Filter: 'object',
    },
    async run(c, p) {
      const { fn, qualifier } = target(c, p);
      const query: Query = {
        requestId: p.FunctionRequestId as string | undefined,
        startTimeFrom: scfTimeQuery(c, p.StartTime, 'StartTime'),
        startTimeTo: scfTimeQuery(c, p.EndTime, 'EndTime'),
        offset: typeof p.Offset === 'number' ? String(p.Offset) : undefined,
        limit: typeof p.Limit === 'number' ? String(p.Limit) : undefined,
        order: orderQuery(p),
        outcome: outcomeOf(p.Filter),
      };
      const { totalCount, attempts } = await c.deps.eventLogs.search(parseLogSearch(fn, qualifier, query));
      return {
        TotalCount: totalCount,
        Data: attempts.map((a) => ({
          FunctionName: a.functionName,
          Qualifier: a.qualifier,
          RequestId: a.requestId,
          StartTime: formatScfTime(new Date(a.startedAtMs), c.timeZone),
          RetCode: a.end ? (a.end.statusCode === statusCodes.success ? 0 : a.end.statusCode) : null,
          RetMsg: a.end?.message ?? '',
          InvokeFinished: a.end ? 1 : 0,
          Duration: a.end?.durationMs ?? 0,
          BillDuration: a.end?.billedDurationMs ?? 0,
          MemUsage: a.end?.memUsageBytes ?? 0,
          Log: a.log,
          Level: a.end && a.end.statusCode !== statusCodes.success ? 'ERROR' : 'INFO',
          Source: `${a.logsetId}/${a.topicId}`,
          RetryNum: a.attempt - 1,
        })),
      };
    },
  },
};
