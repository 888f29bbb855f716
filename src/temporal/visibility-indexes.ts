/**
 * Indexes that longhaul adds to the embedded Temporal dev server's SQLite visibility, so that status
 * tracking's exact counts cost what they match through an index instead of a table scan of the function.
 *
 * Why: the dev server (1.29.1) keeps custom search attributes as JSON in the `search_attributes` column
 * of `executions_visibility`, exposed as virtual generated columns (Keyword01..10, Int01..03), each with
 * an index of its own. A count of one function's events walks the index of one attribute and, for every
 * matching row, reads the table row and parses its JSON to test the other attributes and the
 * `TemporalNamespaceDivision IS NULL` the server adds to every query. Measured on 99,938 events of one
 * function (2026-12-03): an exact count ~400 ms, the GROUP BY ExecutionStatus overview ~480 ms. With a
 * composite index over (account, namespace, function, division, ...) the same queries, unchanged and
 * through the real server, took 37 ms and 71 ms, a CloseTime window 8 ms.
 *
 * Which indexes, and why these shapes (docs/performance.md, "Visibility indexes", has the figures):
 * - `longhaul_fn_start` and `longhaul_fn_close`: the function's events by start time and by close time (the
 *   way the server writes it, running events last). Every query has their leading equalities.
 * - four more for the qualifier (LonghaulVersion) and invoke type (LonghaulInvokeType) filters. The
 *   server's SQLite (3.46) reads a generated column from an index only when the column is one of the keys
 *   the index is searched by; anywhere else it parses the row's JSON, so a filter column appended to an
 *   index does not help. Hence version, and version and invoke type, as equality keys before the time:
 *   `longhaul_fn_ver_start`, `longhaul_fn_ver_type_start`, `longhaul_fn_ver_type_close`,
 *   `longhaul_fn_ver_close`. Measured at the SQL level on a copy of those 99,938 events, the bench's filter
 *   (qualifier, invoke type, status): its count 119 -> 1 ms, a close-time window of it 36 -> 0.4 ms; the
 *   overview of one qualifier 315 -> 10 ms.
 * - SQLite has no statistics for this table (there is no sqlite_stat1 in the file), so it ranks indexes by a
 *   fixed guess per matched key column, and counts `IS NULL` as twice the rows of `=`. The server's own
 *   indexes lead with (namespace, one attribute, close time): for a close-time window they then rank about
 *   level with an index over all of longhaul's columns, and SQLite took theirs, parsing the JSON of every row
 *   in the window. The close-time indexes for the filters are therefore partial (`WHERE
 *   TemporalNamespaceDivision IS NULL`, the condition every query carries): the division is no key column,
 *   SQLite drops the server's division test when it uses them, and they rank first. They also keep the
 *   server's list order (close time, start time descending, run id), so a page of a window needs no sort.
 *   The start-time ones have no such rival (no server index ranges over the start time) and keep the
 *   division as a key, which also ranks them below the partial close-time ones for close-time windows.
 * - What is left are near-ties, which SQLite breaks by the order the indexes were created in. Sets of these
 *   shapes were checked in every creation order on the status-tracking query shapes: without
 *   `longhaul_fn_ver_close` the bench's shapes plan well, but a close-time window of one qualifier, or of a
 *   qualifier and two invoke types, moved to the server's index of the function (18 -> 113 ms); with it,
 *   every shape plans on an index that holds its filters as keys as long as `longhaul_fn_ver_type_close` is
 *   created before it. So all are always built together, in `visibilityIndexNames`' order, and all are
 *   rebuilt if one is missing or out of place. test/visibility-indexes.test.ts checks the plans.
 * - Not covered: a filter by invoke type without a qualifier plans as before (on the server's index of the
 *   invoke type, or `longhaul_fn_start`).
 *
 * The six are 15 to 23 MB each for 100,000 events (76 MB the four for the filters) and take 2.5 seconds to
 * build there. At that size, each of the status-tracking bench's ten list and overview cases (filtered or
 * not) then answers within 200 ms at p95 (docs/performance.md).
 *
 * Risks, and why they are acceptable: this writes into the dev server's own schema. An index never
 * changes what a query returns, only how SQLite finds it, so results cannot change (a partial index is
 * only used by a query whose conditions imply its own). A future server that generates other SQL (or
 * renames the table) simply won't use them, and queries are as slow as without them. The alias→column
 * mapping is not fixed (the server assigns columns as attributes are added), so it is read from the server
 * at runtime and every column name is validated before it goes into DDL. The indexes must be built while
 * the server is stopped: building them under a running server made the server's own writes fail with
 * SQLITE_BUSY. Inserts and closes maintain them like any other index (checked: they survive restarts;
 * built by better-sqlite3's SQLite 3.53, the file passes the integrity_check of the server's SQLite 3.46).
 *
 * Scope: only the embedded dev server's SQLite file under the data dir. Never an external Temporal
 * (TEMPORAL_ADDRESS): its visibility store is its operator's business.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import Database from 'better-sqlite3';
import { searchAttributes as sa } from '../../workflows/search-attributes';

/**
 * The visibility columns holding the attributes that scope every status-tracking query (account,
 * namespace, function) and the two its filters test most (qualifier, invoke type).
 */
export interface VisibilityColumns {
  account: string;
  namespace: string;
  functionName: string;
  version: string;
  invokeType: string;
}

/** Which search attribute each column holds. */
const aliasOf: Record<keyof VisibilityColumns, string> = {
  account: sa.account.name,
  namespace: sa.namespace.name,
  functionName: sa.functionName.name,
  version: sa.version.name,
  invokeType: sa.invokeType.name,
};

const columnKeys = Object.keys(aliasOf) as (keyof VisibilityColumns)[];

/** The only column names that may reach DDL: the dev server's generated search-attribute columns. */
const columnPattern = /^(Keyword(0[1-9]|10)|Int0[1-3])$/;

/** In the order they are built (see the file's comment: the order decides SQLite's ties). */
export const visibilityIndexNames = [
  'longhaul_fn_start',
  'longhaul_fn_close',
  'longhaul_fn_ver_start',
  'longhaul_fn_ver_type_start',
  'longhaul_fn_ver_type_close',
  'longhaul_fn_ver_close',
] as const;

/**
 * Which columns hold LonghaulAccount, LonghaulNamespace, LonghaulFunction, LonghaulVersion and
 * LonghaulInvokeType in this namespace, from the server (describeNamespace maps column → alias). Undefined
 * if the server does not say for any of them, or names a column that is not a search-attribute column:
 * then nothing is indexed.
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
  const found = columnKeys.map((key) => [key, columnOf(aliasOf[key])] as const);
  return found.every(([, column]) => column !== undefined)
    ? (Object.fromEntries(found) as unknown as VisibilityColumns)
    : undefined;
}

export function sameColumns(a: VisibilityColumns, b: VisibilityColumns): boolean {
  return columnKeys.every((key) => a[key] === b[key]);
}

/** Whether a value read from elsewhere (the remembered file) is a full, valid mapping. */
function isColumns(value: unknown): value is VisibilityColumns {
  return (
    typeof value === 'object' &&
    value !== null &&
    columnKeys.every((key) => {
      const column = (value as Record<string, unknown>)[key];
      return typeof column === 'string' && columnPattern.test(column);
    })
  );
}

/** Where the mapping the indexes were built for is kept, next to the dev server's SQLite file. */
export const rememberedColumnsFile = (temporalDir: string) =>
  path.join(temporalDir, 'visibility-columns.json');

/**
 * The mapping remembered for this namespace, if any. A file that does not parse, or lacks a column (one
 * written before the qualifier and invoke type were indexed), counts as none: the mapping is read from the
 * server again and the indexes are built for it.
 */
export function readRememberedColumns(temporalDir: string, namespace: string): VisibilityColumns | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(rememberedColumnsFile(temporalDir), 'utf8')) as {
      namespace?: string;
      columns?: unknown;
    };
    if (saved.namespace !== namespace || !isColumns(saved.columns)) return undefined;
    const columns = saved.columns;
    return Object.fromEntries(columnKeys.map((key) => [key, columns[key]])) as unknown as VisibilityColumns;
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
 * leading columns match the equalities of the status-tracking queries they serve plus the server's division
 * test (a key, or the condition of a partial index: see the file's comment); then the key a window ranges
 * over (start time, or the close time the way the server writes it, running events last), and the columns
 * the rest of the query tests, so a count never reads the table.
 */
export function visibilityIndexStatements(
  columns: VisibilityColumns,
): Record<(typeof visibilityIndexNames)[number], string> {
  for (const key of columnKeys) {
    if (!columnPattern.test(columns[key]))
      throw new Error(`refusing to index visibility column ${JSON.stringify(columns[key])}`);
  }
  const attributes = `namespace_id, ${columns.account}, ${columns.namespace}, ${columns.functionName}`;
  const scope = `${attributes}, TemporalNamespaceDivision`;
  const closeTime = `(COALESCE(close_time, '9999-12-31 23:59:59+00:00'))`;
  // The server's own list order (its ORDER BY), so that a window's page is read in order.
  const listOrder = `${closeTime} DESC, start_time DESC, run_id`;
  const undivided = `WHERE TemporalNamespaceDivision IS NULL`;
  const create = (name: string, keys: string, where = '') =>
    `CREATE INDEX ${name} ON executions_visibility (${keys})${where ? ` ${where}` : ''}`;
  const { version, invokeType } = columns;
  return {
    longhaul_fn_start: create('longhaul_fn_start', `${scope}, start_time, status`),
    longhaul_fn_close: create('longhaul_fn_close', `${scope}, ${closeTime}, status, start_time`),
    longhaul_fn_ver_start: create('longhaul_fn_ver_start', `${scope}, ${version}, start_time, status`),
    longhaul_fn_ver_type_start: create(
      'longhaul_fn_ver_type_start',
      `${scope}, ${version}, ${invokeType}, start_time, status`,
    ),
    longhaul_fn_ver_type_close: create(
      'longhaul_fn_ver_type_close',
      `${attributes}, ${version}, ${invokeType}, ${listOrder}, status`,
      undivided,
    ),
    longhaul_fn_ver_close: create(
      'longhaul_fn_ver_close',
      `${attributes}, ${version}, ${listOrder}, status`,
      undivided,
    ),
  };
}

export interface EnsureResult {
  /** Indexes built now (none when all were in place, else all of them, in their order). */
  created: string[];
}

/**
 * Makes sure all the indexes exist for these columns, in one transaction. If any is missing, out of order or
 * built for another mapping, all are dropped and built again in their order (SQLite breaks ties between
 * indexes by the order they were created in: see the file's comment). The dev server must not be running
 * (see the file's comment). Undefined when the file or its visibility table does not exist yet (a fresh data
 * dir: the server creates them on its first start).
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
    // longhaul's indexes in sqlite_master's order, which is the order they were created in.
    const existing = db.prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'longhaul\\_%' ESCAPE '\\' ORDER BY rowid`,
    );
    const inPlace = () => {
      const found = existing.all() as { name: string; sql: string }[];
      return (
        found.length === visibilityIndexNames.length &&
        visibilityIndexNames.every((name, i) => found[i]?.name === name && found[i]?.sql === statements[name])
      );
    };
    // Checked before any write lock is taken: the usual case (indexes in place) only reads the schema.
    if (inPlace()) return { created: [] };
    const created: string[] = [];
    db.transaction(() => {
      if (inPlace()) return;
      for (const { name } of existing.all() as { name: string }[]) db.exec(`DROP INDEX ${name}`);
      for (const name of visibilityIndexNames) {
        db.exec(statements[name]);
        created.push(name);
      }
    }).immediate();
    return { created };
  } finally {
    db.close();
  }
}
