/**
 * The SQLite log store's schema, in the registry's migration pattern (src/registry/database.ts). The
 * logical shape is the PostgreSQL store's (postgres-store-sql.ts); only the types are SQLite's.
 */
import type Database from 'better-sqlite3';

/** Schema steps, applied in order once each; never edit a step that has shipped, add one. */
const migrations: string[] = [
  `CREATE TABLE log_attempts (
     account_id TEXT NOT NULL,
     request_id TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     namespace TEXT NOT NULL,
     function_name TEXT NOT NULL,
     qualifier TEXT NOT NULL,
     logset_id TEXT NOT NULL,
     topic_id TEXT NOT NULL,
     started_at_ms INTEGER NOT NULL,
     ended_at_ms INTEGER,
     status_code INTEGER,
     message TEXT,
     duration_ms INTEGER,
     billed_duration_ms INTEGER,
     mem_usage_bytes INTEGER,
     line_count INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account_id, request_id, attempt)
   );
   -- The search's scope and order in one index, so a page is read in order without sorting.
   CREATE INDEX log_attempts_search
     ON log_attempts (account_id, namespace, function_name, started_at_ms, request_id, attempt);
   CREATE INDEX log_attempts_expiry ON log_attempts (coalesce(ended_at_ms, started_at_ms));
   CREATE TABLE log_lines (
     account_id TEXT NOT NULL,
     request_id TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'platform')),
     time_ms INTEGER NOT NULL,
     text TEXT NOT NULL,
     PRIMARY KEY (account_id, request_id, attempt, seq)
   );
   CREATE INDEX log_lines_time ON log_lines (time_ms);`,
];

export function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (step INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const appliedSteps = db.prepare('SELECT step FROM schema_migrations');
  const markApplied = db.prepare('INSERT INTO schema_migrations (step, applied_at) VALUES (?, ?)');
  // IMMEDIATE, and the applied steps read inside it: two processes opening a new file at once take turns.
  db.transaction(() => {
    const applied = new Set((appliedSteps.all() as { step: number }[]).map((row) => row.step));
    migrations.forEach((step, index) => {
      if (applied.has(index)) return;
      db.exec(step);
      markApplied.run(index, new Date().toISOString());
    });
  }).immediate();
}
