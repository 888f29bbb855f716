/**
 * Two indexes that longhaul adds to the embedded Temporal dev server's SQLite visibility, so that status
 * tracking's exact counts cost what they match through an index instead of a table scan of the function.
 *
 * Why: the dev server (1.29.1) keeps custom search attributes as JSON in the `search_attributes` column
 * of `executions_visibility`, exposed as virtual generated columns (Keyword01..10, Int01..03), each with
 * an index of its own. A count of one function's events walks the index of one attribute and, for every
 * matching row, reads the table row and parses its JSON to test the other attributes and the
 * `TemporalNamespaceDivision IS NULL` the server adds to every query. Measured on 99,938 events of one
 * function (2026-12-03): an exact count ~400 ms, the GROUP BY ExecutionStatus overview ~480 ms. With a
 * composite index over (account, namespace, function, division, ...) the same queries, unchanged and
 * through the real server, took 37 ms and 71 ms, a CloseTime window 8 ms. Each index is 15–18 MB for
 * 100,000 events and takes about a second to build.
 *
 * Risks, and why they are acceptable: this writes into the dev server's own schema. An index never
 * changes what a query returns, only how SQLite finds it, so results cannot change. A future server that
 * generates other SQL (or renames the table) simply won't use it, and queries are as slow as without it.
 * The alias→column mapping is not fixed (the server assigns columns as attributes are added), so it is
 * read from the server at runtime and every column name is validated before it goes into DDL. The
 * indexes must be built while the server is stopped: building them under a running server made the
 * server's own writes fail with SQLITE_BUSY. Inserts and closes maintain them like any other index
 * (checked: they survive restarts; built by better-sqlite3's SQLite 3.53, the file passes the
 * integrity_check of the server's SQLite 3.46).
 *
 * Scope: only the embedded dev server's SQLite file under the data dir. Never an external Temporal
 * (TEMPORAL_ADDRESS): its visibility store is its operator's business.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import Database from 'better-sqlite3';
import { searchAttributes as sa } from '../../workflows/search-attributes';

/** The visibility columns holding the attributes that scope every status-tracking query. */
export interface VisibilityColumns {
  account: string;
  namespace: string;
  functionName: string;
}

/** The only column names that may reach DDL: the dev server's generated search-attribute columns. */
const columnPattern = /^(Keyword(0[1-9]|10)|Int0[1-3])$/;

export const visibilityIndexNames = ['longhaul_fn_start', 'longhaul_fn_close'] as const;

/**
 * Which columns hold LonghaulAccount, LonghaulNamespace and LonghaulFunction in this namespace, from the
 * server (describeNamespace maps column → alias). Undefined if the server does not say, or names a column
 * that is not a search-attribute column: then nothing is indexed.
 */
export async function readVisibilityColumns(
  connection: Connection,
  namespace: string,
): Promise<VisibilityColumns | undefined> {
  const described = await connection.workflowService.describeNamespace({ namespace });
  const aliases = described.config?.customSearchAttributeAliases ?? {};
  const columnOf = (alias: string) => {
    const column = Object.entries(aliases).find(([, a]) => a === alias)?.[0];
    return column !== undefined && columnPattern.test(column) ? column : undefined;
  };
  const account = columnOf(sa.account.name);
  const ns = columnOf(sa.namespace.name);
  const functionName = columnOf(sa.functionName.name);
  return account && ns && functionName ? { account, namespace: ns, functionName } : undefined;
}

export function sameColumns(a: VisibilityColumns, b: VisibilityColumns): boolean {
  return a.account === b.account && a.namespace === b.namespace && a.functionName === b.functionName;
}

/** Where the mapping the indexes were built for is kept, next to the dev server's SQLite file. */
export const rememberedColumnsFile = (temporalDir: string) =>
  path.join(temporalDir, 'visibility-columns.json');

/** The mapping remembered for this namespace, if any (a file that does not parse counts as none). */
export function readRememberedColumns(temporalDir: string, namespace: string): VisibilityColumns | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(rememberedColumnsFile(temporalDir), 'utf8')) as {
      namespace?: string;
      columns?: VisibilityColumns;
    };
    const columns = saved.columns;
    if (saved.namespace !== namespace || !columns) return undefined;
    const valid = [columns.account, columns.namespace, columns.functionName].every(
      (c) => typeof c === 'string' && columnPattern.test(c),
    );
    return valid ? columns : undefined;
  } catch {
    return undefined;
  }
}

export function rememberColumns(temporalDir: string, namespace: string, columns: VisibilityColumns): void {
  const file = rememberedColumnsFile(temporalDir);
  // Written aside and renamed: a crash mid-write must not leave a half file that reads as a mapping.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ namespace, columns }, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * The CREATE statements, as SQLite keeps them in sqlite_master (so an existing index can be compared). The
 * leading columns match the equalities of every status-tracking query plus the server's division test; then
 * the key a window ranges over (start time, or the close time the way the server writes it, running events
 * last), and the columns the rest of the query tests, so a count never reads the table.
 */
export function visibilityIndexStatements(
  columns: VisibilityColumns,
): Record<(typeof visibilityIndexNames)[number], string> {
  for (const column of [columns.account, columns.namespace, columns.functionName]) {
    if (!columnPattern.test(column))
      throw new Error(`refusing to index visibility column ${JSON.stringify(column)}`);
  }
  const attributes = `${columns.account}, ${columns.namespace}, ${columns.functionName}`;
  const scope = `namespace_id, ${attributes}, TemporalNamespaceDivision`;
  return {
    longhaul_fn_start:
      `CREATE INDEX longhaul_fn_start ON executions_visibility ` + `(${scope}, start_time, status)`,
    longhaul_fn_close:
      `CREATE INDEX longhaul_fn_close ON executions_visibility ` +
      `(${scope}, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')), status, start_time)`,
  };
}

export interface EnsureResult {
  /** Indexes built now (an index built for another mapping is dropped and built again). */
  created: string[];
}

/**
 * Makes sure both indexes exist for these columns, in one transaction. The dev server must not be running
 * (see the file's comment). Undefined when the file or its visibility table does not exist yet (a fresh
 * data dir: the server creates them on its first start).
 */
export function ensureVisibilityIndexes(
  dbFile: string,
  columns: VisibilityColumns,
): EnsureResult | undefined {
  if (!fs.existsSync(dbFile)) return undefined;
  const statements = visibilityIndexStatements(columns);
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    // A server that has just exited may still be releasing its lock.
    db.pragma('busy_timeout = 10000');
    const table = db.prepare(
      `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'executions_visibility'`,
    );
    if (!table.get()) return undefined;
    const existing = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`);
    const stale = () =>
      visibilityIndexNames.filter(
        (name) => (existing.get(name) as { sql: string } | undefined)?.sql !== statements[name],
      );
    // Checked before any write lock is taken: the usual case (indexes in place) only reads the schema.
    if (stale().length === 0) return { created: [] };
    const created: string[] = [];
    db.transaction(() => {
      for (const name of stale()) {
        db.exec(`DROP INDEX IF EXISTS ${name}`);
        db.exec(statements[name]);
        created.push(name);
      }
    }).immediate();
    return { created };
  } finally {
    db.close();
  }
}
