/**
 * What the SQLite and PostgreSQL log stores share: the row shapes of their (logically identical) schemas,
 * the mapping from rows to the LogStore types, and the cleaning of what goes in. Pure; no driver here.
 */
import type { AttemptRecord, LogKey, LogLine, LogStream } from './log-store';

/** One row of `log_attempts`; both drivers return integers as JS numbers (PG's int8 is parsed). */
export interface AttemptRow {
  account_id: string;
  request_id: string;
  attempt: number;
  namespace: string;
  function_name: string;
  qualifier: string;
  logset_id: string;
  topic_id: string;
  started_at_ms: number;
  ended_at_ms: number | null;
  status_code: number | null;
  message: string | null;
  duration_ms: number | null;
  billed_duration_ms: number | null;
  mem_usage_bytes: number | null;
  line_count: number;
}

/** One row of `log_lines` as read back (the key columns are the query's own). */
export interface LineRow {
  attempt: number;
  seq: number;
  stream: string;
  time_ms: number;
  text: string;
}

/** The columns of an AttemptRow, qualified by the alias the search queries give the table. */
export const attemptColumns = [
  'account_id',
  'request_id',
  'attempt',
  'namespace',
  'function_name',
  'qualifier',
  'logset_id',
  'topic_id',
  'started_at_ms',
  'ended_at_ms',
  'status_code',
  'message',
  'duration_ms',
  'billed_duration_ms',
  'mem_usage_bytes',
  'line_count',
]
  .map((column) => `a.${column}`)
  .join(', ');

export function toAttemptRecord(row: AttemptRow): AttemptRecord {
  return {
    accountId: row.account_id,
    requestId: row.request_id,
    attempt: row.attempt,
    namespace: row.namespace,
    functionName: row.function_name,
    qualifier: row.qualifier,
    logsetId: row.logset_id,
    topicId: row.topic_id,
    startedAtMs: row.started_at_ms,
    // ended_at_ms is the one column endAttempt always sets, so it alone says whether the attempt ended.
    end:
      row.ended_at_ms === null
        ? null
        : {
            endedAtMs: row.ended_at_ms,
            statusCode: row.status_code ?? 0,
            message: row.message ?? '',
            durationMs: row.duration_ms ?? 0,
            billedDurationMs: row.billed_duration_ms ?? 0,
            memUsageBytes: row.mem_usage_bytes ?? 0,
          },
    lineCount: row.line_count,
  };
}

export function toLogLine(row: LineRow): LogLine {
  return {
    attempt: row.attempt,
    seq: row.seq,
    stream: row.stream as LogStream,
    timeMs: row.time_ms,
    text: row.text,
  };
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what these find
const unstorable = /[\u0000\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- as above
const nulOrLoneSurrogate = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Any JS string made storable: NUL (which PostgreSQL's text rejects) and lone surrogates (which are not
 * UTF-8) become U+FFFD. Both stores apply it to every string they write or look up, so they agree on what
 * comes back. The capture layer already cleans output; this keeps the store safe whoever calls it.
 */
export function storableText(text: string): string {
  return unstorable.test(text) ? text.replace(nulOrLoneSurrogate, '\uFFFD') : text;
}

/** A key as both stores write and look it up. */
export function storableKey(key: LogKey): LogKey {
  return { accountId: storableText(key.accountId), requestId: storableText(key.requestId) };
}

/**
 * The identity of an event's log among the waiters of one store, and the payload of PostgreSQL's
 * notifications. JSON, so that no account or request id can be mistaken for another pair.
 */
export function logKeyId(key: LogKey): string {
  return JSON.stringify([key.accountId, key.requestId]);
}

/** Epoch milliseconds and byte counts are whole numbers in both schemas; a fraction must not fail only on PG. */
export function wholeNumber(value: number): number {
  return Math.round(value);
}

/**
 * A batch as it is stored: cleaned text, whole times, and the first of lines that repeat an (attempt, seq)
 * within the batch, the rule that also holds against lines already stored.
 */
export function storableLines(lines: readonly LogLine[]): LogLine[] {
  const seen = new Set<string>();
  const batch: LogLine[] = [];
  for (const line of lines) {
    const position = `${line.attempt}:${line.seq}`;
    if (seen.has(position)) continue;
    seen.add(position);
    batch.push({ ...line, timeMs: wholeNumber(line.timeMs), text: storableText(line.text) });
  }
  return batch;
}

/** A page size or offset taken as a count: whole, not negative, and an integer both databases accept. */
export function asCount(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.max(0, Math.trunc(value)), Number.MAX_SAFE_INTEGER);
}
