import { LonghaulError } from '../errors';
import type { AttemptRecord, AttemptSearch, LogCursor, LogLine } from '../logs/log-store';
import type { FoundAttempt } from '../logs/event-logs';
import { validateRequestId } from '../events/request-id';
import type { FunctionView } from '../registry/functions';
import { one, time, wholeNumber } from './event-requests';

type Query = Record<string, string | string[] | undefined>;

const cursorPattern = /^(\d{1,9})-(\d{1,15})$/;

/** A line's id in every API: `<attempt>-<seq>`, also the SSE event id a follower resumes from. */
export const lineId = (line: LogCursor) => `${line.attempt}-${line.seq}`;

/** A cursor from `?after=` or a `Last-Event-ID` header; absent means from the start. */
export function parseCursor(raw: string | undefined, name: string): LogCursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  const match = cursorPattern.exec(raw);
  if (!match) {
    throw new LonghaulError('InvalidParameterValue.Cursor', `${name} must be a line id such as 1-42 (attempt-seq), got "${raw}"`);
  }
  return { attempt: Number(match[1]), seq: Number(match[2]) };
}

export function lineJson(line: LogLine) {
  return { id: lineId(line), attempt: line.attempt, seq: line.seq, stream: line.stream, time: new Date(line.timeMs).toISOString(), text: line.text };
}

export function attemptJson(a: AttemptRecord | FoundAttempt) {
  return {
    requestId: a.requestId,
    attempt: a.attempt,
    qualifier: a.qualifier,
    logsetId: a.logsetId,
    topicId: a.topicId,
    startTime: new Date(a.startedAtMs).toISOString(),
    endTime: a.end ? new Date(a.end.endedAtMs).toISOString() : null,
    finished: a.end !== null,
    statusCode: a.end?.statusCode ?? null,
    message: a.end?.message ?? '',
    durationMs: a.end?.durationMs ?? null,
    billedDurationMs: a.end?.billedDurationMs ?? null,
    memUsageBytes: a.end?.memUsageBytes ?? null,
    lineCount: a.lineCount,
    ...('log' in a ? { log: a.log, logTruncated: a.logTruncated } : {}),
  };
}

function timeMs(query: Query, name: string): number | undefined {
  const canonical = time(query, name, 'InvalidParameterValue.StartTimeInterval');
  return canonical === undefined ? undefined : Date.parse(canonical);
}

/** `GET .../functions/:fn/logs`: a search over the function's attempts (the shape of GetFunctionLogs). */
export function parseLogSearch(fn: FunctionView, qualifier: string | undefined, query: Query): AttemptSearch {
  const order = (one(query, 'order') ?? 'DESC').toUpperCase();
  if (order !== 'ASC' && order !== 'DESC') {
    throw new LonghaulError('InvalidParameterValue.Order', `order must be ASC or DESC, got "${one(query, 'order')}"`);
  }
  const outcome = one(query, 'outcome');
  if (outcome !== undefined && outcome !== 'success' && outcome !== 'failure') {
    throw new LonghaulError('InvalidParameterValue.Outcome', `outcome must be success or failure, got "${outcome}"`);
  }
  const text = one(query, 'text');
  if (text !== undefined && (text.length === 0 || text.length > 256)) {
    throw new LonghaulError('InvalidParameterValue.SearchText', 'text must be 1 to 256 characters');
  }
  const requestId = one(query, 'requestId');
  if (requestId !== undefined) validateRequestId(requestId);
  const offset = wholeNumber(query, 'offset', 0, 0, 9999, 'InvalidParameterValue.Offset');
  const limit = wholeNumber(query, 'limit', 20, 1, 100, 'InvalidParameterValue.Limit');
  if (offset + limit > 10000) {
    throw new LonghaulError('InvalidParameterValue.Offset', 'offset + limit must be at most 10000');
  }
  const startedFromMs = timeMs(query, 'startTimeFrom');
  const startedBeforeMs = timeMs(query, 'startTimeTo');
  if (startedFromMs !== undefined && startedBeforeMs !== undefined && startedFromMs >= startedBeforeMs) {
    throw new LonghaulError('InvalidParameterValue.StartTimeInterval', 'startTimeFrom must be before startTimeTo');
  }
  return {
    accountId: fn.accountId,
    namespace: fn.namespace,
    functionName: fn.name,
    qualifier,
    requestId,
    startedFromMs,
    startedBeforeMs,
    text,
    outcome,
    order,
    offset,
    limit,
  };
}
