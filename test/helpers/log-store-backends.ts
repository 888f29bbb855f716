/** The log stores under test, each on a real database, and builders for the records the suites write. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AttemptEnd, AttemptStart, LogKey, LogLine, LogStore } from '../../src/logs/log-store';
import { openPostgresLogStore } from '../../src/logs/postgres-log-store';
import { openSqliteLogStore } from '../../src/logs/sqlite-log-store';
import { type TestPostgres, startTestPostgres } from './postgres';

export interface Backend {
  name: string;
  setUp(): Promise<void>;
  /** A new instance on the same database, as another process would open it. */
  open(): Promise<LogStore>;
  tearDown(): Promise<void>;
}

export function sqliteBackend(): Backend {
  let dir = '';
  return {
    name: 'SQLite',
    setUp() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-logs-'));
      return Promise.resolve();
    },
    open() {
      return Promise.resolve(openSqliteLogStore({ file: path.join(dir, 'logs.sqlite'), pollIntervalMs: 25 }));
    },
    tearDown() {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  return {
    name: 'PostgreSQL',
    async setUp() {
      server = await startTestPostgres();
    },
    open() {
      return openPostgresLogStore({ connectionString: server!.connectionString });
    },
    async tearDown() {
      await server?.stop();
    },
  };
}

/** Other tests' times; purgeBefore's test works far below them, so its cutoff touches only its own data. */
export const t0 = 1_700_000_000_000;

export function newKey(): LogKey {
  return { accountId: `account-${randomUUID()}`, requestId: randomUUID() };
}

export function startOf(key: LogKey, attempt: number, more: Partial<AttemptStart> = {}): AttemptStart {
  return {
    ...key,
    attempt,
    namespace: 'default',
    functionName: 'fn',
    qualifier: '$LATEST',
    logsetId: 'logset-1',
    topicId: 'topic-1',
    startedAtMs: t0,
    ...more,
  };
}

export function endOf(
  key: LogKey,
  attempt: number,
  statusCode: number,
  more: Partial<AttemptEnd> = {},
): AttemptEnd {
  const message = statusCode === 200 ? '' : 'failed';
  return {
    ...key,
    attempt,
    endedAtMs: t0 + 1000,
    statusCode,
    message,
    durationMs: 1000,
    billedDurationMs: 1000,
    memUsageBytes: 1 << 20,
    ...more,
  };
}

export function linesOf(attempt: number, texts: string[], firstSeq = 1, timeMs = t0): LogLine[] {
  return texts.map((text, index) => ({
    attempt,
    seq: firstSeq + index,
    stream: index % 2 === 0 ? 'stdout' : 'stderr',
    timeMs: timeMs + index,
    text,
  }));
}

export function numbered(attempt: number, firstSeq: number, count: number, timeMs = t0): LogLine[] {
  return linesOf(
    attempt,
    Array.from({ length: count }, (_, index) => `line ${firstSeq + index}`),
    firstSeq,
    timeMs,
  );
}

export async function readAll(store: LogStore, key: LogKey, pageSize: number): Promise<LogLine[]> {
  const all: LogLine[] = [];
  for (;;) {
    const last = all.at(-1);
    const page = await store.readLines(key, last && { attempt: last.attempt, seq: last.seq }, pageSize);
    expect(page.length).toBeLessThanOrEqual(pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

export const positions = (lines: LogLine[]) => lines.map((line) => `${line.attempt}:${line.seq}`);

export async function elapsedMs(work: Promise<void>): Promise<number> {
  const started = performance.now();
  await work;
  return performance.now() - started;
}
