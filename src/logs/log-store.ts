/**
 * The log store: every line an event's function printed, per attempt, plus one record per attempt that
 * says how it went. Two implementations pass the same conformance suite (test/log-store-conformance):
 * SQLite under the data dir (embedded default, shared by the API and worker processes) and PostgreSQL
 * (many workers and API replicas). Every read and write is scoped by account, so tenants never meet.
 */

/** stdout and stderr are the function's own; platform lines are longhaul's (start, end, report...). */
export type LogStream = 'stdout' | 'stderr' | 'platform';

export const logStreams: readonly LogStream[] = ['stdout', 'stderr', 'platform'];

/** Where one event's log lives: an account's request. Attempts and lines hang below it. */
export interface LogKey {
  accountId: string;
  requestId: string;
}

/** One line of output. `seq` counts from 1 within an attempt, so (attempt, seq) orders an event's log. */
export interface LogLine {
  attempt: number;
  seq: number;
  stream: LogStream;
  /** When the worker read the line, in epoch milliseconds. */
  timeMs: number;
  /** Valid UTF-8 without NUL (the capture replaces what is not), at most the configured line length. */
  text: string;
}

/** A position in an event's log: everything up to and including (attempt, seq) has been seen. */
export interface LogCursor {
  attempt: number;
  seq: number;
}

/** Written when an attempt starts; the destination is the function's SCF logset and topic. */
export interface AttemptStart extends LogKey {
  attempt: number;
  namespace: string;
  functionName: string;
  /** `$LATEST` or a version number. */
  qualifier: string;
  logsetId: string;
  topicId: string;
  startedAtMs: number;
}

/** Written when an attempt ends, however it ended (a crashed worker never writes one). */
export interface AttemptEnd extends LogKey {
  attempt: number;
  endedAtMs: number;
  /** The SCF status code of the attempt: 200 success, 4xx/5xx failures (workflows/status-codes.ts). */
  statusCode: number;
  /** Empty on success; the error message otherwise. */
  message: string;
  durationMs: number;
  billedDurationMs: number;
  memUsageBytes: number;
}

/** One attempt as the store knows it: its start, and its end once it has ended. */
export interface AttemptRecord extends AttemptStart {
  end: Omit<AttemptEnd, keyof LogKey | 'attempt'> | null;
  /** Lines stored for the attempt so far. */
  lineCount: number;
}

/** A search over one function's attempts, the shape of SCF's GetFunctionLogs. */
export interface AttemptSearch {
  accountId: string;
  namespace: string;
  functionName: string;
  qualifier?: string;
  requestId?: string;
  /** Attempts that started in [startedFromMs, startedBeforeMs). */
  startedFromMs?: number;
  startedBeforeMs?: number;
  /** Attempts with at least one line containing this text (case-sensitive substring). */
  text?: string;
  /** `success`: ended with 200; `failure`: ended with anything else. Running attempts match neither. */
  outcome?: 'success' | 'failure';
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
}

export interface AttemptPage {
  /** Every attempt that matches, not only this page's. */
  totalCount: number;
  attempts: AttemptRecord[];
}

export interface PurgeResult {
  lines: number;
  attempts: number;
}

export interface LogStore {
  /** Records an attempt's start. Repeating it for the same attempt changes nothing. */
  beginAttempt(start: AttemptStart): Promise<void>;
  /**
   * Stores lines of one event in one transaction. A line whose (attempt, seq) is already stored is ignored,
   * so a batch retried after an unclear failure is not stored twice.
   */
  appendLines(key: LogKey, lines: readonly LogLine[]): Promise<void>;
  /** Records how an attempt ended. */
  endAttempt(end: AttemptEnd): Promise<void>;
  /** Lines after `after` (from the start when omitted) in (attempt, seq) order, at most `limit`. */
  readLines(key: LogKey, after: LogCursor | undefined, limit: number): Promise<LogLine[]>;
  /** An event's attempts in attempt order. */
  attempts(key: LogKey): Promise<AttemptRecord[]>;
  searchAttempts(search: AttemptSearch): Promise<AttemptPage>;
  /**
   * Resolves when lines may have been added to this event's log since the call, or after `maxWaitMs`,
   * or when `signal` aborts. It may resolve early (callers re-read); it never throws on abort.
   */
  waitForLines(key: LogKey, maxWaitMs: number, signal?: AbortSignal): Promise<void>;
  /** Deletes lines written before the cutoff and attempts that ended (or, never ended, started) before it. */
  purgeBefore(cutoffMs: number): Promise<PurgeResult>;
  close(): Promise<void>;
}
