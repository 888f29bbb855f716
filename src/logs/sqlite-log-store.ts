/**
 * The embedded log store: one SQLite file (e.g. `<dataDir>/logs.sqlite`, apart from the registry) that the
 * API and worker processes open at once. WAL lets readers run beside the one writer; busy_timeout makes a
 * writer wait its turn instead of failing. Other processes' appends are seen by polling (sqlite-store-watch.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { AttemptEnd, AttemptStart, LogKey, LogLine, LogStore, PurgeResult } from './log-store';
import {
  type AttemptRow,
  type LineRow,
  asCount,
  logKeyId,
  storableKey,
  storableLines,
  storableText,
  toAttemptRecord,
  toLogLine,
  wholeNumber,
} from './store-rows';
import { migrate } from './sqlite-store-schema';
import { watchOtherConnections } from './sqlite-store-watch';
import { buildAttemptSearch } from './store-search';
import { LineWaiters } from './store-wait';

export interface SqliteLogStoreOptions {
  file: string;
  /** How often waitForLines looks for other processes' lines; 25 ms by default (a cheap PRAGMA). */
  pollIntervalMs?: number;
}

/** Rows one purge transaction deletes at most, so the write lock is held for milliseconds, not minutes. */
const purgeBatch = 2000;
/** Attempts per purge transaction (each may still have a few lines written after the cutoff). */
const purgeAttemptBatch = 200;

export function openSqliteLogStore(options: SqliteLogStoreOptions): LogStore {
  fs.mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
  const db = new Database(options.file);
  try {
    // busy_timeout first: switching a fresh file to WAL needs a lock another opener may hold.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses at most the last commits on power loss, never consistency: right for logs.
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const sql = {
    begin: db.prepare(
      `INSERT OR IGNORE INTO log_attempts (account_id, request_id, attempt, namespace, function_name, qualifier,
         logset_id, topic_id, started_at_ms, line_count)
       VALUES (@accountId, @requestId, @attempt, @namespace, @functionName, @qualifier, @logsetId, @topicId,
         @startedAtMs, (SELECT count(*) FROM log_lines
                        WHERE account_id = @accountId AND request_id = @requestId AND attempt = @attempt))`,
    ),
    insertLine: db.prepare(
      `INSERT OR IGNORE INTO log_lines (account_id, request_id, attempt, seq, stream, time_ms, text)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    addToLineCount: db.prepare(
      'UPDATE log_attempts SET line_count = line_count + ? WHERE account_id = ? AND request_id = ? AND attempt = ?',
    ),
    // An attempt never begun has nowhere to record its end (and no scope to be found by): nothing happens.
    end: db.prepare(
      `UPDATE log_attempts SET ended_at_ms = @endedAtMs, status_code = @statusCode, message = @message,
         duration_ms = @durationMs, billed_duration_ms = @billedDurationMs, mem_usage_bytes = @memUsageBytes
       WHERE account_id = @accountId AND request_id = @requestId AND attempt = @attempt`,
    ),
    readLines: db.prepare(
      `SELECT attempt, seq, stream, time_ms, text FROM log_lines
       WHERE account_id = ? AND request_id = ? AND (attempt, seq) > (?, ?)
       ORDER BY attempt, seq LIMIT ?`,
    ),
    attempts: db.prepare(
      'SELECT a.* FROM log_attempts a WHERE account_id = ? AND request_id = ? ORDER BY attempt',
    ),
    // Changes whenever a line is added to the log (the last position, or the counts of begun attempts).
    signature: db.prepare(
      `SELECT (SELECT attempt || ':' || seq FROM log_lines WHERE account_id = @accountId AND request_id = @requestId
               ORDER BY attempt DESC, seq DESC LIMIT 1) AS last_line,
              (SELECT total(line_count) FROM log_attempts
               WHERE account_id = @accountId AND request_id = @requestId) AS counted`,
    ),
    expiredLines: db.prepare(
      'SELECT rowid, account_id, request_id, attempt FROM log_lines WHERE time_ms < ? LIMIT ?',
    ),
    deleteLine: db.prepare('DELETE FROM log_lines WHERE rowid = ?'),
    expiredAttempts: db.prepare(
      `SELECT account_id, request_id, attempt FROM log_attempts
       WHERE coalesce(ended_at_ms, started_at_ms) < ? LIMIT ?`,
    ),
    deleteAttemptLines: db.prepare(
      'DELETE FROM log_lines WHERE account_id = ? AND request_id = ? AND attempt = ?',
    ),
    deleteAttempt: db.prepare(
      'DELETE FROM log_attempts WHERE account_id = ? AND request_id = ? AND attempt = ?',
    ),
  };

  const appendBatch = db.transaction((key: LogKey, lines: LogLine[]) => {
    const added = new Map<number, number>();
    for (const line of lines) {
      const row = [key.accountId, key.requestId, line.attempt, line.seq, line.stream, line.timeMs, line.text];
      if (sql.insertLine.run(row).changes > 0) added.set(line.attempt, (added.get(line.attempt) ?? 0) + 1);
    }
    for (const [attempt, lineCount] of added)
      sql.addToLineCount.run(lineCount, key.accountId, key.requestId, attempt);
  });

  const purgeLineBatch = db.transaction((cutoffMs: number): number => {
    const doomed = sql.expiredLines.all(cutoffMs, purgeBatch) as (AttemptKeyRow & { rowid: number })[];
    const perAttempt = new Map<string, { row: AttemptKeyRow; lines: number }>();
    for (const line of doomed) {
      sql.deleteLine.run(line.rowid);
      const id = JSON.stringify([line.account_id, line.request_id, line.attempt]);
      const entry = perAttempt.get(id) ?? { row: line, lines: 0 };
      entry.lines += 1;
      perAttempt.set(id, entry);
    }
    for (const { row, lines } of perAttempt.values()) {
      sql.addToLineCount.run(-lines, row.account_id, row.request_id, row.attempt);
    }
    return doomed.length;
  });

  const purgeAttemptsBatch = db.transaction((cutoffMs: number): PurgeResult => {
    const doomed = sql.expiredAttempts.all(cutoffMs, purgeAttemptBatch) as AttemptKeyRow[];
    let lines = 0;
    for (const row of doomed) {
      lines += sql.deleteAttemptLines.run(row.account_id, row.request_id, row.attempt).changes;
      sql.deleteAttempt.run(row.account_id, row.request_id, row.attempt);
    }
    return { lines, attempts: doomed.length };
  });

  const waiters = new LineWaiters();
  const watch = watchOtherConnections(db, waiters, options.pollIntervalMs ?? 25, (key) =>
    JSON.stringify(sql.signature.get(key)),
  );
  const searchStatements = new Map<string, Database.Statement>();
  const prepareSearch = (text: string): Database.Statement => {
    let statement = searchStatements.get(text);
    if (!statement) searchStatements.set(text, (statement = db.prepare(text)));
    return statement;
  };

  return {
    beginAttempt: (start: AttemptStart) =>
      settle(() => {
        sql.begin.run({
          ...storableKey(start),
          attempt: start.attempt,
          namespace: storableText(start.namespace),
          functionName: storableText(start.functionName),
          qualifier: storableText(start.qualifier),
          logsetId: storableText(start.logsetId),
          topicId: storableText(start.topicId),
          startedAtMs: wholeNumber(start.startedAtMs),
        });
      }),
    appendLines: (key: LogKey, lines: readonly LogLine[]) =>
      settle(() => {
        if (lines.length === 0) return;
        const storedKey = storableKey(key);
        appendBatch.immediate(storedKey, storableLines(lines));
        // This connection's own commits do not move data_version, so its waiters are told directly.
        waiters.wake(logKeyId(storedKey));
      }),
    endAttempt: (end: AttemptEnd) =>
      settle(() => {
        sql.end.run({
          ...storableKey(end),
          attempt: end.attempt,
          endedAtMs: wholeNumber(end.endedAtMs),
          statusCode: end.statusCode,
          message: storableText(end.message),
          durationMs: wholeNumber(end.durationMs),
          billedDurationMs: wholeNumber(end.billedDurationMs),
          memUsageBytes: wholeNumber(end.memUsageBytes),
        });
      }),
    readLines: (key, after, limit) =>
      settle(() => {
        const { accountId, requestId } = storableKey(key);
        const cursor = [after?.attempt ?? 0, after?.seq ?? 0];
        const rows = sql.readLines.all(accountId, requestId, ...cursor, asCount(limit)) as LineRow[];
        return rows.map(toLogLine);
      }),
    attempts: (key) =>
      settle(() => {
        const { accountId, requestId } = storableKey(key);
        return (sql.attempts.all(accountId, requestId) as AttemptRow[]).map(toAttemptRecord);
      }),
    searchAttempts: (search) =>
      settle(() => {
        const queries = buildAttemptSearch(search, {
          placeholder: () => '?',
          contains: (column, text) => `instr(${column}, ${text}) > 0`,
        });
        // One read transaction: the count and the page see the same snapshot.
        return db.transaction(() => {
          const { total } = prepareSearch(queries.countSql).get(queries.countParams) as { total: number };
          const rows = prepareSearch(queries.pageSql).all(queries.pageParams) as AttemptRow[];
          return { totalCount: total, attempts: rows.map(toAttemptRecord) };
        })();
      }),
    waitForLines(key, maxWaitMs, signal) {
      return watch.wait(storableKey(key), maxWaitMs, signal);
    },
    async purgeBefore(cutoffMs) {
      const cutoff = wholeNumber(cutoffMs);
      const purged: PurgeResult = { lines: 0, attempts: 0 };
      // Between batches other work runs, and other processes' writers get the lock.
      for (;;) {
        const lines = purgeLineBatch.immediate(cutoff);
        purged.lines += lines;
        if (lines < purgeBatch) break;
        await nextTurn();
      }
      for (;;) {
        const batch = purgeAttemptsBatch.immediate(cutoff);
        purged.lines += batch.lines;
        purged.attempts += batch.attempts;
        if (batch.attempts < purgeAttemptBatch) break;
        await nextTurn();
      }
      return purged;
    },
    close: () =>
      settle(() => {
        watch.stop();
        waiters.close();
        db.close();
      }),
  };
}

/** better-sqlite3 is synchronous: this gives its result, or its throw as a rejection, as a promise. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

interface AttemptKeyRow {
  account_id: string;
  request_id: string;
  attempt: number;
}
