/**
 * The PostgreSQL log store's longer statements, kept apart so the store reads as what it does. Every value
 * is a parameter, never text pasted into SQL.
 */

export const schema = `
  CREATE TABLE IF NOT EXISTS log_attempts (
    account_id TEXT COLLATE "C" NOT NULL,
    request_id TEXT COLLATE "C" NOT NULL,
    attempt INTEGER NOT NULL,
    namespace TEXT COLLATE "C" NOT NULL,
    function_name TEXT COLLATE "C" NOT NULL,
    qualifier TEXT COLLATE "C" NOT NULL,
    logset_id TEXT NOT NULL,
    topic_id TEXT NOT NULL,
    started_at_ms BIGINT NOT NULL,
    ended_at_ms BIGINT,
    status_code INTEGER,
    message TEXT,
    duration_ms BIGINT,
    billed_duration_ms BIGINT,
    mem_usage_bytes BIGINT,
    line_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, request_id, attempt)
  );
  -- The search's scope and order in one index, so a page is read in order without sorting.
  CREATE INDEX IF NOT EXISTS log_attempts_search
    ON log_attempts (account_id, namespace, function_name, started_at_ms, request_id, attempt);
  CREATE INDEX IF NOT EXISTS log_attempts_expiry ON log_attempts ((coalesce(ended_at_ms, started_at_ms)));
  CREATE TABLE IF NOT EXISTS log_lines (
    account_id TEXT COLLATE "C" NOT NULL,
    request_id TEXT COLLATE "C" NOT NULL,
    attempt INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'platform')),
    time_ms BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (account_id, request_id, attempt, seq)
  );
  CREATE INDEX IF NOT EXISTS log_lines_time ON log_lines (time_ms);`;

/** Constant, ours: LISTEN names it in SQL text. */
export const channel = 'longhaul_log_lines';

/**
 * One batch of lines: $1 account, $2 request, $3..$7 the lines column by column (attempt, seq, stream,
 * time_ms, text), $8 the channel, $9 the payload. Lines already stored are skipped, the attempts' counts
 * grow by what was really inserted, and the NOTIFY (sent on commit) goes out only if something was.
 */
export const appendSql = `
  WITH batch AS (
    SELECT * FROM unnest($3::int[], $4::bigint[], $5::text[], $6::bigint[], $7::text[])
      AS b(attempt, seq, stream, time_ms, text)
  ), inserted AS (
    INSERT INTO log_lines (account_id, request_id, attempt, seq, stream, time_ms, text)
    SELECT $1::text, $2::text, attempt, seq, stream, time_ms, text FROM batch
    ON CONFLICT DO NOTHING
    RETURNING attempt
  ), per_attempt AS (
    SELECT attempt, count(*) AS added FROM inserted GROUP BY attempt
  ), counted AS (
    UPDATE log_attempts a SET line_count = a.line_count + p.added FROM per_attempt p
    WHERE a.account_id = $1 AND a.request_id = $2 AND a.attempt = p.attempt
    RETURNING 1
  )
  SELECT pg_notify($8, $9) WHERE EXISTS (SELECT 1 FROM inserted)`;

/** At most $2 lines older than $1, with their attempts' counts brought down. */
export const purgeLinesSql = `
  WITH doomed AS (
    DELETE FROM log_lines WHERE (account_id, request_id, attempt, seq) IN (
      SELECT account_id, request_id, attempt, seq FROM log_lines WHERE time_ms < $1 LIMIT $2)
    RETURNING account_id, request_id, attempt
  ), per_attempt AS (
    SELECT account_id, request_id, attempt, count(*) AS removed FROM doomed GROUP BY 1, 2, 3
  ), counted AS (
    UPDATE log_attempts a SET line_count = a.line_count - p.removed FROM per_attempt p
    WHERE a.account_id = p.account_id AND a.request_id = p.request_id AND a.attempt = p.attempt
    RETURNING 1
  )
  SELECT count(*) AS lines FROM doomed`;

/** At most $2 attempts that ended (or, never ending, started) before $1, with whatever lines they still have. */
export const purgeAttemptsSql = `
  WITH doomed AS (
    SELECT account_id, request_id, attempt FROM log_attempts
    WHERE coalesce(ended_at_ms, started_at_ms) < $1 LIMIT $2
  ), lines_gone AS (
    DELETE FROM log_lines l USING doomed d
    WHERE l.account_id = d.account_id AND l.request_id = d.request_id AND l.attempt = d.attempt
    RETURNING 1
  ), attempts_gone AS (
    DELETE FROM log_attempts a USING doomed d
    WHERE a.account_id = d.account_id AND a.request_id = d.request_id AND a.attempt = d.attempt
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM lines_gone) AS lines, (SELECT count(*) FROM attempts_gone) AS attempts`;
