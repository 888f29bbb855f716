/**
 * The log store on PostgreSQL, for many workers and API replicas. Appends are single statements (atomic on
 * their own) that also NOTIFY, so a waiting reader anywhere wakes as soon as the lines are committed.
 * Text columns use the "C" collation: byte order, the same order SQLite gives, whatever the database's locale.
 */
import { type ClientConfig, type CustomTypesConfig, Pool, type PoolClient, types } from 'pg';
import type { AttemptEnd, AttemptStart, LogKey, LogLine, LogStore, PurgeResult } from './log-store';
import { NotificationListener } from './postgres-store-listener';
import { appendSql, channel, purgeAttemptsSql, purgeLinesSql, schema } from './postgres-store-sql';
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
import { buildAttemptSearch } from './store-search';
import { LineWaiters } from './store-wait';

export interface PostgresLogStoreOptions {
  connectionString: string;
  /** Connections for reads and writes (the listener has one more of its own); 4 by default. */
  poolSize?: number;
}

/** NOTIFY's payload limit is 8000 bytes; a key longer than that wakes every waiter instead. */
const maxPayloadBytes = 7999;
/** Rows one purge statement deletes at most, so no lock is held for the length of a huge purge. */
const purgeBatch = 2000;
const purgeAttemptBatch = 200;

export async function openPostgresLogStore(options: PostgresLogStoreOptions): Promise<LogStore> {
  const connection: ClientConfig = { connectionString: options.connectionString, types: int8AsNumber };
  const pool = new Pool({ ...connection, max: options.poolSize ?? 4 });
  // An idle client that breaks is dropped by the pool; without a listener the error would crash the process.
  pool.on('error', () => undefined);
  const waiters = new LineWaiters();
  const listener = new NotificationListener(
    { ...connection, application_name: 'longhaul-log-listener', keepAlive: true },
    channel,
    {
      notification: (payload) => (payload === '' ? waiters.wakeAll() : waiters.wake(payload)),
      reconnected: () => waiters.wakeAll(),
    },
  );
  try {
    await inTransaction(pool, async (client) => {
      // Two processes opening a fresh database at once would race on CREATE ... IF NOT EXISTS.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('longhaul log store schema'))");
      await client.query(schema);
    });
    await listener.start();
  } catch (err) {
    await pool.end();
    throw err;
  }

  return {
    async beginAttempt(start: AttemptStart): Promise<void> {
      const { accountId, requestId } = storableKey(start);
      // Lines stored before their attempt began are counted here. An append running at this very moment
      // would be missed by both counts; the worker begins an attempt before it writes its lines.
      await pool.query(
        `INSERT INTO log_attempts (account_id, request_id, attempt, namespace, function_name, qualifier,
           logset_id, topic_id, started_at_ms, line_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT count(*) FROM log_lines
                 WHERE account_id = $1 AND request_id = $2 AND attempt = $3))
         ON CONFLICT DO NOTHING`,
        [
          accountId,
          requestId,
          start.attempt,
          storableText(start.namespace),
          storableText(start.functionName),
          storableText(start.qualifier),
          storableText(start.logsetId),
          storableText(start.topicId),
          wholeNumber(start.startedAtMs),
        ],
      );
    },
    async appendLines(key: LogKey, lines: readonly LogLine[]): Promise<void> {
      if (lines.length === 0) return;
      const storedKey = storableKey(key);
      const batch = storableLines(lines);
      const payload = logKeyId(storedKey);
      await pool.query(appendSql, [
        storedKey.accountId,
        storedKey.requestId,
        batch.map((line) => line.attempt),
        batch.map((line) => line.seq),
        batch.map((line) => line.stream),
        batch.map((line) => line.timeMs),
        batch.map((line) => line.text),
        channel,
        Buffer.byteLength(payload) > maxPayloadBytes ? '' : payload,
      ]);
    },
    async endAttempt(end: AttemptEnd): Promise<void> {
      const { accountId, requestId } = storableKey(end);
      // An attempt never begun has nowhere to record its end (and no scope to be found by): nothing happens.
      await pool.query(
        `UPDATE log_attempts SET ended_at_ms = $4, status_code = $5, message = $6, duration_ms = $7,
           billed_duration_ms = $8, mem_usage_bytes = $9
         WHERE account_id = $1 AND request_id = $2 AND attempt = $3`,
        [
          accountId,
          requestId,
          end.attempt,
          wholeNumber(end.endedAtMs),
          end.statusCode,
          storableText(end.message),
          wholeNumber(end.durationMs),
          wholeNumber(end.billedDurationMs),
          wholeNumber(end.memUsageBytes),
        ],
      );
    },
    async readLines(key, after, limit) {
      const { accountId, requestId } = storableKey(key);
      const { rows } = await pool.query<LineRow>(
        `SELECT attempt, seq, stream, time_ms, text FROM log_lines
         WHERE account_id = $1 AND request_id = $2 AND (attempt, seq) > ($3, $4)
         ORDER BY attempt, seq LIMIT $5`,
        [accountId, requestId, after?.attempt ?? 0, after?.seq ?? 0, asCount(limit)],
      );
      return rows.map(toLogLine);
    },
    async attempts(key) {
      const { accountId, requestId } = storableKey(key);
      const { rows } = await pool.query<AttemptRow>(
        'SELECT a.* FROM log_attempts a WHERE account_id = $1 AND request_id = $2 ORDER BY attempt',
        [accountId, requestId],
      );
      return rows.map(toAttemptRecord);
    },
    async searchAttempts(search) {
      const queries = buildAttemptSearch(search, {
        placeholder: (position) => `$${position}`,
        contains: (column, text) => `strpos(${column}, ${text}) > 0`,
      });
      // One snapshot for the count and the page, so totalCount describes the pages being read.
      return inTransaction(
        pool,
        async (client) => {
          const total = await client.query<{ total: number }>(queries.countSql, queries.countParams);
          const page = await client.query<AttemptRow>(queries.pageSql, queries.pageParams);
          return { totalCount: total.rows[0]?.total ?? 0, attempts: page.rows.map(toAttemptRecord) };
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
    },
    waitForLines(key, maxWaitMs, signal) {
      return waiters.wait(storableKey(key), maxWaitMs, signal);
    },
    async purgeBefore(cutoffMs) {
      const cutoff = wholeNumber(cutoffMs);
      const purged: PurgeResult = { lines: 0, attempts: 0 };
      for (;;) {
        const { rows } = await retryConflicts(() =>
          pool.query<{ lines: number }>(purgeLinesSql, [cutoff, purgeBatch]),
        );
        const lines = rows[0]?.lines ?? 0;
        purged.lines += lines;
        if (lines < purgeBatch) break;
      }
      for (;;) {
        const { rows } = await retryConflicts(() =>
          pool.query<PurgeResult>(purgeAttemptsSql, [cutoff, purgeAttemptBatch]),
        );
        const batch = rows[0] ?? { lines: 0, attempts: 0 };
        purged.lines += batch.lines;
        purged.attempts += batch.attempts;
        if (batch.attempts < purgeAttemptBatch) break;
      }
      return purged;
    },
    async close() {
      await listener.close();
      waiters.close();
      await pool.end();
    },
  };
}

const int8Oid = 20;

/** int8 (BIGINT, count(*)) as a JS number: every value here (ms, bytes, counts) is far below 2^53. */
const int8AsNumber: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid !== int8Oid) return types.getTypeParser(oid, format) as (value: string) => unknown;
    return (value: string): number => {
      const parsed = Number(value);
      if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 ${value} is not a safe JS integer`);
      return parsed;
    };
  }) as CustomTypesConfig['getTypeParser'],
};

async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Several workers purge at once (retention.ts); their batches may deadlock, and one of them just retries. */
async function retryConflicts<T>(work: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= tries || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}
