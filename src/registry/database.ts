import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Schema steps, applied in order once each; never edit a step that has shipped, add one. */
const migrations: string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE api_keys (
     secret_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     secret_key_sealed TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE TABLE namespaces (
     account_id TEXT NOT NULL REFERENCES accounts(id),
     name TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '',
     created_at TEXT NOT NULL,
     PRIMARY KEY (account_id, name)
   );
   CREATE TABLE functions (
     account_id TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     runtime TEXT NOT NULL,
     async_run_enable INTEGER NOT NULL,
     trace_enable INTEGER NOT NULL,
     trace_enabled_at TEXT,
     next_version INTEGER NOT NULL DEFAULT 1,
     add_time TEXT NOT NULL,
     PRIMARY KEY (account_id, namespace, name),
     FOREIGN KEY (account_id, namespace) REFERENCES namespaces(account_id, name)
   );
   CREATE TABLE function_versions (
     account_id TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     handler TEXT NOT NULL,
     code_sha256 TEXT NOT NULL,
     code_size INTEGER NOT NULL,
     timeout_seconds INTEGER NOT NULL,
     memory_mb INTEGER NOT NULL,
     environment TEXT NOT NULL,
     description TEXT NOT NULL,
     mod_time TEXT NOT NULL,
     PRIMARY KEY (account_id, namespace, name, version),
     FOREIGN KEY (account_id, namespace, name) REFERENCES functions(account_id, namespace, name) ON DELETE CASCADE
   );`,
  // The log destination (SCF's CLS logset and topic) of a version; '' in both means none.
  `ALTER TABLE function_versions ADD COLUMN logset_id TEXT NOT NULL DEFAULT '';
   ALTER TABLE function_versions ADD COLUMN topic_id TEXT NOT NULL DEFAULT '';`,
  // Per-function limits (SCF's reserved concurrency and async retry settings), and the async-invoke token
  // buckets every API process shares. A function without a row has no reservation and the default retries.
  `CREATE TABLE function_limits (
     account_id TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     reserved_concurrency_mem INTEGER,
     retry_num INTEGER,
     msg_ttl_seconds INTEGER,
     PRIMARY KEY (account_id, namespace, name),
     FOREIGN KEY (account_id, namespace, name) REFERENCES functions(account_id, namespace, name) ON DELETE CASCADE
   );
   CREATE TABLE invoke_buckets (
     bucket TEXT PRIMARY KEY,
     tokens REAL NOT NULL,
     refilled_at_ms INTEGER NOT NULL
   );`,
];

/**
 * Opens (creating if needed) longhaul's SQLite database. WAL mode lets the API and worker processes share
 * the file: readers never block the one writer.
 */
export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, 'longhaul.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (step INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  // IMMEDIATE, with the applied steps read inside it: an API and a worker opening one file at once take turns,
  // where both would otherwise apply a step (and the second ALTER TABLE ... ADD COLUMN fail at startup).
  db.transaction(() => {
    const applied = new Set(
      (db.prepare('SELECT step FROM schema_migrations').all() as { step: number }[]).map((r) => r.step),
    );
    migrations.forEach((sql, step) => {
      if (applied.has(step)) return;
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (step, applied_at) VALUES (?, ?)').run(step, new Date().toISOString());
    });
  }).immediate();
}
