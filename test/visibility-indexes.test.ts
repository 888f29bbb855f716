import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import Database from 'better-sqlite3';
import { EventQueries } from '../src/events/event-queries';
import { canonicalInstant } from '../src/events/visibility-query';
import { type DevServer, startDevServer } from '../src/temporal/dev-server';
import {
  type VisibilityColumns,
  readRememberedColumns,
  readVisibilityColumns,
  rememberColumns,
  rememberedColumnsFile,
  visibilityIndexNames,
  visibilityIndexStatements,
} from '../src/temporal/visibility-indexes';
import { searchAttributes as sa } from '../workflows/search-attributes';
import { eventually, freePort } from './helpers/fixtures';
import { temporalCli } from './helpers/stack';

// The embedded dev server's visibility indexes, on a real dev server and its real SQLite file: the first start
// builds them (restarting the server once), later starts do not restart, SQLite plans the server's count and
// list SQL on them (with and without the qualifier and invoke type filters), and counts through the client
// stay exact.

let dataDir: string;
let temporalDir: string;
let dbFile: string;
let ports: { port: number; uiPort: number };
let server: DevServer | undefined;
let connection: Connection | undefined;
const logged: string[] = [];

async function start(): Promise<{ server: DevServer; client: Client; connection: Connection }> {
  logged.length = 0;
  server = await startDevServer({
    cli: temporalCli(),
    dataDir,
    ...ports,
    ui: false,
    visibilityIndexes: { namespace: 'default', retentionHours: 24, log: (line) => logged.push(line) },
  });
  connection = await Connection.connect({ address: server.address });
  return { server, connection, client: new Client({ connection, namespace: 'default' }) };
}

async function stop(): Promise<void> {
  await connection?.close();
  connection = undefined;
  await server?.stop();
  server = undefined;
}

/**
 * Reads the file while the server runs: read-only, and closed at once (its journal is not WAL). The server
 * may hold its write lock at that moment, or leave a journal a read-only connection may not replay: then
 * "database is locked" comes at once whatever the busy timeout, so the read is tried again for a while.
 */
function readDb<T>(read: (db: Database.Database) => T): T {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return read(db);
    } catch (err) {
      if (!/database is locked/.test(String(err)) || Date.now() > deadline) throw err;
    } finally {
      db.close();
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // a synchronous 100 ms pause
  }
}

/** longhaul's indexes in the order they were created in (sqlite_master's). */
const indexRows = () =>
  readDb(
    (db) =>
      db
        .prepare(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'longhaul%' ORDER BY rowid`,
        )
        .all() as { name: string; sql: string }[],
  );
const indexSql = () => Object.fromEntries(indexRows().map((row) => [row.name, row.sql]));

/** All of them, built for these columns, in their order. */
async function expectIndexesFor(columns: VisibilityColumns) {
  // Read with the server stopped: under load a read beside it met its lock for longer than any retry.
  await stop();
  expect(indexSql()).toEqual(visibilityIndexStatements(columns));
  expect(indexRows().map((row) => row.name)).toEqual([...visibilityIndexNames]);
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-visidx-'));
  temporalDir = path.join(dataDir, 'temporal');
  dbFile = path.join(temporalDir, 'temporal.sqlite');
});
beforeEach(async () => {
  ports = { port: await freePort(), uiPort: await freePort() };
});
afterEach(stop);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Every event the test started: the truth counts are compared with. */
interface Started {
  account: string;
  fn: string;
  version: string;
  invokeType: string;
  terminated: boolean;
}
const started: Started[] = [];
const scope = (account: string, fn: string) =>
  `${sa.account.name} = '${account}' AND ${sa.namespace.name} = 'default' AND ${sa.functionName.name} = '${fn}'`;

async function startEvents(client: Client, account: string, fn: string, n: number, terminate: number) {
  for (let i = 0; i < n; i++) {
    // Two qualifiers and two invoke types, so that the filters match some events of each function and not others.
    const event = {
      account,
      fn,
      version: i % 2 === 0 ? '1' : '$LATEST',
      invokeType: i % 3 === 0 ? 'TIMER' : 'API',
      terminated: i < terminate,
    };
    // No worker polls this queue: the workflows stay running unless terminated, so the truth is known.
    const handle = await client.workflow.start('visibilityIndexProbe', {
      taskQueue: 'nobody-polls-this',
      workflowId: `${account}-${fn}-${i}-${Date.now()}`,
      typedSearchAttributes: [
        { key: sa.account, value: account },
        { key: sa.namespace, value: 'default' },
        { key: sa.functionName, value: fn },
        { key: sa.version, value: event.version },
        { key: sa.invokeType, value: event.invokeType },
      ],
    });
    if (event.terminated) await handle.terminate('test');
    started.push(event);
  }
}

/**
 * Every (account, function) counted through the client equals the truth: in total and per status, and with
 * the qualifier and invoke type filters the status-tracking lister and overview send (start-time and
 * close-time windows, GROUP BY ExecutionStatus).
 */
async function expectExactCounts(client: Client) {
  const functions = new Set(started.map((e) => `${e.account}/${e.fn}`));
  for (const key of functions) {
    const [account, fn] = key.split('/') as [string, string];
    const events = started.filter((e) => e.account === account && e.fn === fn);
    const running = events.filter((e) => !e.terminated).length;
    await eventually(async () => {
      const { count, groups } = await client.workflow.count(`${scope(account, fn)} GROUP BY ExecutionStatus`);
      const of = (status: string) => groups.find((g) => String(g.groupValues[0]) === status)?.count ?? 0;
      return (
        count === events.length && of('Running') === running && of('Terminated') === events.length - running
      );
    }, 15000);
    const count = async (query: string) => (await client.workflow.count(query)).count;
    const since = `StartTime >= '2000-01-01T00:00:00Z'`;
    expect(await count(`${scope(account, fn)} AND ${since}`)).toBe(events.length);

    const v1 = events.filter((e) => e.version === '1');
    const v1Timer = v1.filter((e) => e.invokeType === 'TIMER');
    const qualifier = `${scope(account, fn)} AND ${sa.version.name} = '1'`;
    const filtered = `${qualifier} AND ${sa.invokeType.name} IN ('TIMER')`;
    const ended = `ExecutionStatus != 'Running' AND CloseTime >= '2000-01-01T00:00:00Z'`;
    const overview = await client.workflow.count(`${qualifier} AND ${since} GROUP BY ExecutionStatus`);
    expect(overview.count).toBe(v1.length);
    expect(overview.groups.find((g) => String(g.groupValues[0]) === 'Running')?.count ?? 0).toBe(
      v1.filter((e) => !e.terminated).length,
    );
    expect(await count(`${qualifier} AND ${ended}`)).toBe(v1.filter((e) => e.terminated).length);
    expect(await count(`${filtered} AND ExecutionStatus IN ('Terminated') AND ${since}`)).toBe(
      v1Timer.filter((e) => e.terminated).length,
    );
    expect(await count(`${filtered} AND ExecutionStatus IN ('Running') AND ${since}`)).toBe(
      v1Timer.filter((e) => !e.terminated).length,
    );
    expect(await count(`${filtered} AND ${since} AND ${ended}`)).toBe(
      v1Timer.filter((e) => e.terminated).length,
    );
  }
}

let columns: VisibilityColumns;
const testStart = new Date(Date.now() - 60_000);

test('the first start registers the search attributes, then restarts once to build the indexes', async () => {
  const { server: s, connection: c } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged.filter((line) => line.includes('Indexing status tracking'))).toHaveLength(1);
  columns = (await readVisibilityColumns(c, 'default'))!;
  expect(columns).toBeDefined();
  expect(Object.keys(columns).sort()).toEqual([
    'account',
    'functionName',
    'invokeType',
    'namespace',
    'version',
  ]);
  expect(readRememberedColumns(temporalDir, 'default')).toEqual(columns);
  await expectIndexesFor(columns);
});

test('SQLite plans the count and list SQL the server generates on the longhaul indexes', async () => {
  const { client, connection: c } = await start();
  await startEvents(client, 'acct-a', 'fn-one', 2, 0);
  const namespaceId = (await c.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo!
    .id!;
  // Written as the server writes them (see docs/performance.md): the scope's equalities, the filters in the
  // lister's order, then the server's division test. The bench's filter: qualifier, invoke type, status.
  const where = (more: string) =>
    `(namespace_id = ?) AND ((${columns.account} = ? AND ${columns.namespace} = ? AND ${columns.functionName} = ?` +
    `${more}) AND TemporalNamespaceDivision IS NULL)`;
  const qualifier = ` AND ${columns.version} = '1'`;
  const filtered = `${qualifier} AND ${columns.invokeType} IN ('TIMER') AND status IN (3, 7)`;
  const since = ` AND start_time >= '2000-01-01 00:00:00+00:00'`;
  const closeTime = `COALESCE(close_time, '9999-12-31 23:59:59+00:00')`;
  const ended = ` AND ${closeTime} >= '2000-01-02 00:00:00+00:00' AND status != 1`;
  const count = (more: string) => `SELECT COUNT(*) FROM executions_visibility WHERE ${where(more)}`;
  const byStatus = (more: string) =>
    `SELECT status, COUNT(*) FROM executions_visibility WHERE ${where(more)} GROUP BY status`;
  const list = (more: string) =>
    `SELECT run_id, workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility ` +
    `WHERE namespace_id = ? AND (${where(more).slice('(namespace_id = ?) AND '.length)}) ` +
    `ORDER BY ${closeTime} DESC, start_time DESC, run_id LIMIT 1000`;
  const plan = (sql: string) =>
    readDb((db) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(namespaceId, 'acct-a', 'default', 'fn-one') as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n'),
    );
  const keys = (...columnsSearched: string[]) =>
    new RegExp(
      `\\(namespace_id=\\? AND ${columnsSearched.map((column) => `${column}[=<>]\\?`).join(' AND ')}\\)`,
    );
  const { account, namespace, functionName, version, invokeType } = columns;
  const scopeKeys = [account, namespace, functionName, 'TemporalNamespaceDivision'];
  const filterKeys = [account, namespace, functionName, version, invokeType];

  // Unfiltered: the bare scope matches the leading columns of the start-time indexes and longhaul_fn_close
  // alike; SQLite takes any of them, all read the scope's entries only.
  expect(plan(count(''))).toMatch(/USING (COVERING )?INDEX longhaul_fn_\w+ /);
  expect(plan(count(''))).toMatch(keys(...scopeKeys));
  // The lister's total and StartTime windows carry a start-time bound: the start index ranges over it.
  expect(plan(count(since))).toMatch(
    /INDEX longhaul_fn_start \(.*TemporalNamespaceDivision=\? AND start_time>\?\)/,
  );
  expect(plan(byStatus(since))).toContain('longhaul_fn_start');
  expect(plan(count(`${since}${ended}`))).toMatch(
    /INDEX longhaul_fn_close \(.*TemporalNamespaceDivision=\? AND <expr>>\?\)/,
  );

  // Qualifier, invoke type and status (the bench's filter): the total, a StartTime window, an EndTime window.
  expect(plan(count(`${filtered}${since}`))).toMatch(/INDEX longhaul_fn_ver_type_start /);
  expect(plan(count(`${filtered}${since}`))).toMatch(keys(...scopeKeys, version, invokeType, 'start_time'));
  expect(plan(byStatus(`${filtered}${since}`))).toContain('longhaul_fn_ver_type_start');
  expect(plan(count(`${filtered} AND start_time >= '2000-01-02 00:00:00+00:00'`))).toContain(
    'longhaul_fn_ver_type_start',
  );
  expect(plan(count(`${filtered}${since}${ended}`))).toMatch(/INDEX longhaul_fn_ver_type_close /);
  expect(plan(count(`${filtered}${since}${ended}`))).toMatch(keys(...filterKeys, '<expr>'));
  // The window's page, in the server's order: read through the close-time index in order, no sort.
  const page = plan(list(`${filtered}${since}${ended}`));
  expect(page).toMatch(/INDEX longhaul_fn_ver_type_close /);
  expect(page).not.toContain('TEMP B-TREE');

  // The qualifier alone (the overview of one qualifier, its lists by start and end time).
  expect(plan(byStatus(`${qualifier}${since}`))).toMatch(/INDEX longhaul_fn_ver_start /);
  expect(plan(byStatus(`${qualifier}${since}`))).toMatch(keys(...scopeKeys, version, 'start_time'));
  expect(plan(count(`${qualifier}${since}${ended}`))).toMatch(/INDEX longhaul_fn_ver_close /);
  expect(plan(count(`${qualifier}${since}${ended}`))).toMatch(
    keys(account, namespace, functionName, version, '<expr>'),
  );
});

test('counts through the client stay exact, per function and status', async () => {
  const { client } = await start();
  await startEvents(client, 'acct-a', 'fn-one', 5, 2);
  await startEvents(client, 'acct-a', 'fn-two', 3, 1);
  await startEvents(client, 'acct-b', 'fn-one', 2, 0);
  await expectExactCounts(client);
});

test('a later start neither restarts nor rebuilds, and the events are still counted exactly', async () => {
  const { server: s, client } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged).toEqual([]);
  await startEvents(client, 'acct-a', 'fn-one', 1, 1);
  await expectExactCounts(client);
  await expectIndexesFor(columns);
});

/** The next start notices the mapping changed: it indexes once, remembers the real mapping, counts stay exact. */
async function expectRebuiltOnStart() {
  const { server: s, client } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged.filter((line) => line.includes('Indexing status tracking'))).toHaveLength(1);
  expect(readRememberedColumns(temporalDir, 'default')).toEqual(columns);
  await expectExactCounts(client);
  await expectIndexesFor(columns);
}

test('a remembered mapping that no longer holds is noticed, and the indexes are built again', async () => {
  const wrong = {
    account: 'Keyword10',
    namespace: 'Keyword09',
    functionName: 'Keyword08',
    version: 'Keyword07',
    invokeType: 'Keyword06',
  };
  expect(wrong).not.toEqual(columns);
  rememberColumns(temporalDir, 'default', wrong);
  await expectRebuiltOnStart();
});

test('a mapping remembered before the qualifier and invoke type were indexed counts as changed', async () => {
  // What the first release of the indexes wrote: the scope's three columns only, and its two indexes.
  const { account, namespace, functionName } = columns;
  fs.writeFileSync(
    rememberedColumnsFile(temporalDir),
    JSON.stringify({ namespace: 'default', columns: { account, namespace, functionName } }),
  );
  expect(readRememberedColumns(temporalDir, 'default')).toBeUndefined();
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    for (const name of visibilityIndexNames.slice(2)) db.exec(`DROP INDEX ${name}`);
  } finally {
    db.close();
  }
  await expectRebuiltOnStart();
});

test('an index missing or out of order is rebuilt before the start, all of them in their order', async () => {
  // The mapping is remembered and holds: the indexes are put right while the server is still stopped.
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    db.exec(`DROP INDEX longhaul_fn_ver_start`);
    db.exec(visibilityIndexStatements(columns).longhaul_fn_ver_start);
    db.exec(`DROP INDEX longhaul_fn_close`);
  } finally {
    db.close();
  }
  expect(indexRows().map((row) => row.name)).not.toEqual([...visibilityIndexNames]);
  const { server: s, client } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged).toEqual([]);
  await expectExactCounts(client);
  await expectIndexesFor(columns);
});

const nanos = (ts: WorkflowExecutionInfo['raw']['startTime']) =>
  ts ? BigInt(String(ts.seconds ?? 0)) * 1_000_000_000n + BigInt(ts.nanos ?? 0) : undefined;
const byKey = (a: bigint | undefined, b: bigint | undefined, x: string, y: string) =>
  a! < b! ? -1 : a! > b! ? 1 : x < y ? -1 : x > y ? 1 : 0;

test('the lister pages exactly on the indexed visibility, with or without the ExecutionTime bound', async () => {
  const { client } = await start();
  const scoped = {
    accountId: 'acct-a',
    namespace: 'default',
    functionName: 'fn-one',
    trackedSince: testStart,
  };
  await expectExactCounts(client);
  // Visibility's list can lag its count by a moment: read until all 8 are there (never more).
  let all: WorkflowExecutionInfo[] = [];
  for (let i = 0; i < 100; i++) {
    all = [];
    for await (const e of client.workflow.list({ query: scope('acct-a', 'fn-one') })) all.push(e);
    if (all.length >= 8) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(all.length).toBe(8);
  // The documented orders: by start time; by end time with running events last; ties by RequestId.
  const byStart = [...all].sort((a, b) =>
    byKey(nanos(a.raw.startTime), nanos(b.raw.startTime), a.workflowId, b.workflowId),
  );
  const ended = all.filter((e) => e.closeTime);
  ended.sort((a, b) => byKey(nanos(a.raw.closeTime), nanos(b.raw.closeTime), a.workflowId, b.workflowId));
  const byEnd = [...ended, ...byStart.filter((e) => !e.closeTime)];
  // A start-time interval from a sub-millisecond instant: its bound meets the window bounds of the search.
  const third = byStart[2]!.raw.startTime!;
  const from = canonicalInstant(
    new Date(Number(third.seconds) * 1000),
    String(third.nanos ?? 0).padStart(9, '0'),
  );
  const cases = [
    { filter: scoped, orderBy: 'StartTime', truth: byStart },
    { filter: scoped, orderBy: 'EndTime', truth: byEnd },
    { filter: { ...scoped, startTime: { from } }, orderBy: 'StartTime', truth: byStart.slice(2) },
  ] as const;
  for (const visibilityIndexed of [true, false]) {
    const queries = new EventQueries(client, { visibilityIndexed });
    for (const { filter, orderBy, truth: want } of cases) {
      for (const order of ['ASC', 'DESC'] as const) {
        const ids = (order === 'ASC' ? want : [...want].reverse()).map((e) => e.workflowId);
        for (let offset = 0; offset <= ids.length; offset++) {
          const page = await queries.list({ filter, orderBy, order, offset, limit: 3 });
          expect({ offset, order, orderBy, ids: page.events.map((e) => e.requestId) }).toEqual({
            offset,
            order,
            orderBy,
            ids: ids.slice(offset, offset + 3),
          });
          expect(page.totalCount).toBe(ids.length);
        }
      }
    }
  }
});
