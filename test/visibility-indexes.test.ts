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
  visibilityIndexStatements,
} from '../src/temporal/visibility-indexes';
import { searchAttributes as sa } from '../workflows/search-attributes';
import { eventually, freePort } from './helpers/fixtures';
import { temporalCli } from './helpers/stack';

// The embedded dev server's visibility indexes, on a real dev server and its real SQLite file: the first start
// builds them (restarting the server once), later starts do not restart, SQLite plans the server's count SQL
// on them, and counts through the client stay exact.

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

/** Reads the file while the server runs: read-only, and closed at once (its journal is not WAL). */
function readDb<T>(read: (db: Database.Database) => T): T {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const indexSql = () =>
  readDb((db) =>
    Object.fromEntries(
      (
        db
          .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'longhaul%'`)
          .all() as {
          name: string;
          sql: string;
        }[]
      ).map((row) => [row.name, row.sql]),
    ),
  );

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

/** What the test started, per (account, function): the truth counts are compared with. */
const truth = new Map<string, { running: number; terminated: number }>();
const scope = (account: string, fn: string) =>
  `${sa.account.name} = '${account}' AND ${sa.namespace.name} = 'default' AND ${sa.functionName.name} = '${fn}'`;

async function startEvents(client: Client, account: string, fn: string, n: number, terminate: number) {
  for (let i = 0; i < n; i++) {
    // No worker polls this queue: the workflows stay running unless terminated, so the truth is known.
    const handle = await client.workflow.start('visibilityIndexProbe', {
      taskQueue: 'nobody-polls-this',
      workflowId: `${account}-${fn}-${i}-${Date.now()}`,
      typedSearchAttributes: [
        { key: sa.account, value: account },
        { key: sa.namespace, value: 'default' },
        { key: sa.functionName, value: fn },
      ],
    });
    if (i < terminate) await handle.terminate('test');
  }
  const t = truth.get(`${account}/${fn}`) ?? { running: 0, terminated: 0 };
  truth.set(`${account}/${fn}`, { running: t.running + n - terminate, terminated: t.terminated + terminate });
}

/** Every (account, function) counted through the client equals the truth, in total and per status. */
async function expectExactCounts(client: Client) {
  for (const [key, want] of truth) {
    const [account, fn] = key.split('/') as [string, string];
    await eventually(async () => {
      const { count, groups } = await client.workflow.count(`${scope(account, fn)} GROUP BY ExecutionStatus`);
      const of = (status: string) => groups.find((g) => String(g.groupValues[0]) === status)?.count ?? 0;
      return (
        count === want.running + want.terminated &&
        of('Running') === want.running &&
        of('Terminated') === want.terminated
      );
    }, 15000);
    const total = await client.workflow.count(
      `${scope(account, fn)} AND StartTime >= '2000-01-01T00:00:00Z'`,
    );
    expect(total.count).toBe(want.running + want.terminated);
  }
}

let columns: VisibilityColumns;
const testStart = new Date(Date.now() - 60_000);

test('the first start registers the search attributes, then restarts once to build both indexes', async () => {
  const { server: s, connection: c } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged.filter((line) => line.includes('Indexing status tracking'))).toHaveLength(1);
  columns = (await readVisibilityColumns(c, 'default'))!;
  expect(columns).toBeDefined();
  expect(readRememberedColumns(temporalDir, 'default')).toEqual(columns);
  expect(indexSql()).toEqual(visibilityIndexStatements(columns));
});

test('SQLite plans the count SQL the server generates on the longhaul indexes', async () => {
  const { client, connection: c } = await start();
  await startEvents(client, 'acct-a', 'fn-one', 2, 0);
  const namespaceId = (await c.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo!
    .id!;
  // Written as the server writes them (see docs/performance.md): the scope's equalities, then its division test.
  const where = (more: string) =>
    `(namespace_id = ?) AND ((${columns.account} = ? AND ${columns.namespace} = ? AND ${columns.functionName} = ?` +
    `${more}) AND TemporalNamespaceDivision IS NULL)`;
  const plan = (sql: string, ...params: string[]) =>
    readDb((db) =>
      (
        db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(namespaceId, 'acct-a', 'default', 'fn-one', ...params) as { detail: string }[]
      )
        .map((row) => row.detail)
        .join('\n'),
    );
  // The bare scope matches the five leading columns of both indexes alike; SQLite takes either, both cover it.
  expect(plan(`SELECT COUNT(*) FROM executions_visibility WHERE ${where('')}`)).toMatch(
    /USING (COVERING )?INDEX longhaul_fn_(start|close) \(namespace_id=\? AND \w+=\? AND \w+=\? AND \w+=\? AND TemporalNamespaceDivision=\?\)/,
  );
  // The lister's total and StartTime windows carry a start-time bound: the start index ranges over it.
  expect(
    plan(
      `SELECT COUNT(*) FROM executions_visibility WHERE ${where(' AND start_time >= ?')}`,
      '2000-01-01 00:00:00+00:00',
    ),
  ).toMatch(/INDEX longhaul_fn_start \(.*TemporalNamespaceDivision=\? AND start_time>\?\)/);
  expect(
    plan(
      `SELECT status, COUNT(*) FROM executions_visibility WHERE ${where(' AND start_time >= ?')} GROUP BY status`,
      '2000-01-01 00:00:00+00:00',
    ),
  ).toContain('longhaul_fn_start');
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
  expect(indexSql()).toEqual(visibilityIndexStatements(columns));
  await startEvents(client, 'acct-a', 'fn-one', 1, 1);
  await expectExactCounts(client);
});

test('a remembered mapping that no longer holds is noticed, and the indexes are built again', async () => {
  const wrong = { account: 'Keyword10', namespace: 'Keyword09', functionName: 'Keyword08' };
  expect(wrong).not.toEqual(columns);
  rememberColumns(temporalDir, 'default', wrong);
  const { server: s, client } = await start();
  expect(s.visibilityIndexed).toBe(true);
  expect(logged.filter((line) => line.includes('Indexing status tracking'))).toHaveLength(1);
  expect(readRememberedColumns(temporalDir, 'default')).toEqual(columns);
  expect(indexSql()).toEqual(visibilityIndexStatements(columns));
  await expectExactCounts(client);
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
  const all: WorkflowExecutionInfo[] = [];
  for await (const e of client.workflow.list({ query: scope('acct-a', 'fn-one') })) all.push(e);
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
