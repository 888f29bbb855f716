/**
 * The behaviours every LogStore must have, run against each implementation on a real database. Each
 * backend opens two instances on the same data: `api` and `worker`, as the API and a worker process do.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { AttemptSearch, LogStore } from '../src/logs/log-store';
import { openPostgresLogStore } from '../src/logs/postgres-log-store';
import {
  sqliteBackend,
  postgresBackend,
  t0,
  newKey,
  startOf,
  endOf,
  linesOf,
  numbered,
  readAll,
  positions,
  elapsedMs,
} from './helpers/log-store-backends';
import { type TestPostgres, startTestPostgres } from './helpers/postgres';

describe.each([sqliteBackend(), postgresBackend()])('$name log store', (backend) => {
  let api: LogStore;
  let worker: LogStore;

  beforeAll(async () => {
    await backend.setUp();
    api = await backend.open();
    worker = await backend.open();
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await backend.tearDown();
  });

  describe('writing and reading', () => {
    it("reads every attempt's lines in (attempt, seq) order, page by page after a cursor", async () => {
      const key = newKey();
      await worker.beginAttempt(startOf(key, 1));
      await worker.beginAttempt(startOf(key, 2, { startedAtMs: t0 + 5000 }));
      await worker.appendLines(key, numbered(2, 1, 4));
      await worker.appendLines(key, numbered(1, 1, 5).reverse());

      const all = await readAll(api, key, 3);
      expect(positions(all)).toEqual(['1:1', '1:2', '1:3', '1:4', '1:5', '2:1', '2:2', '2:3', '2:4']);
      expect(all[5]).toEqual({ attempt: 2, seq: 1, stream: 'stdout', timeMs: t0, text: 'line 1' });
      expect(all[6]).toMatchObject({ stream: 'stderr', timeMs: t0 + 1 });
      expect(positions(await api.readLines(key, { attempt: 1, seq: 5 }, 100))).toEqual([
        '2:1',
        '2:2',
        '2:3',
        '2:4',
      ]);
      expect(await api.readLines(key, { attempt: 2, seq: 4 }, 100)).toEqual([]);
      expect(await api.readLines(key, undefined, 0)).toEqual([]);
    });

    it('lists attempts in order, with their ends and line counts; a repeated begin changes nothing', async () => {
      const key = newKey();
      await worker.beginAttempt(startOf(key, 2, { startedAtMs: t0 + 10 }));
      await worker.beginAttempt(startOf(key, 1));
      await worker.beginAttempt(startOf(key, 1, { qualifier: '7', startedAtMs: t0 + 99 }));
      await worker.appendLines(key, [...numbered(1, 1, 3), ...numbered(2, 1, 1)]);
      const end = endOf(key, 1, 430, { message: 'Error: boom', durationMs: 1234, billedDurationMs: 1300 });
      await worker.endAttempt(end);

      const [first, second, ...rest] = await api.attempts(key);
      expect(rest).toEqual([]);
      expect(first).toEqual({
        ...startOf(key, 1),
        end: {
          endedAtMs: t0 + 1000,
          statusCode: 430,
          message: 'Error: boom',
          durationMs: 1234,
          billedDurationMs: 1300,
          memUsageBytes: 1 << 20,
        },
        lineCount: 3,
      });
      expect(second).toEqual({ ...startOf(key, 2, { startedAtMs: t0 + 10 }), end: null, lineCount: 1 });
      expect(await api.attempts(newKey())).toEqual([]);
    });

    it('ignores lines already stored, within a batch and across batches, and counts each line once', async () => {
      const key = newKey();
      await worker.beginAttempt(startOf(key, 1));
      await worker.appendLines(key, numbered(1, 1, 5));
      await worker.appendLines(
        key,
        linesOf(1, ['again 3', 'again 4', 'again 5', 'six', 'seven', 'eight'], 3),
      );
      await worker.appendLines(key, [...linesOf(1, ['first nine'], 9), ...linesOf(1, ['second nine'], 9)]);
      await worker.appendLines(key, numbered(1, 1, 5));

      const all = await readAll(api, key, 100);
      expect(all.map((line) => line.text)).toEqual([
        'line 1',
        'line 2',
        'line 3',
        'line 4',
        'line 5',
        'six',
        'seven',
        'eight',
        'first nine',
      ]);
      expect((await api.attempts(key))[0]?.lineCount).toBe(9);
    });

    it('counts lines appended before their attempt began', async () => {
      const key = newKey();
      await worker.appendLines(key, numbered(1, 1, 2));
      await worker.beginAttempt(startOf(key, 1));
      await worker.appendLines(key, numbered(1, 3, 1));
      expect((await api.attempts(key))[0]?.lineCount).toBe(3);
    });

    it('reads back a 10,000-line log written in batches of 1,000', async () => {
      const key = newKey();
      await worker.beginAttempt(startOf(key, 1));
      for (let first = 1; first <= 10_000; first += 1000)
        await worker.appendLines(key, numbered(1, first, 1000));
      const all = await readAll(api, key, 2500);
      expect(all).toHaveLength(10_000);
      expect(all.every((line, index) => line.seq === index + 1 && line.text === `line ${index + 1}`)).toBe(
        true,
      );
      expect((await api.attempts(key))[0]?.lineCount).toBe(10_000);
    });
  });

  describe('text', () => {
    it('stores unicode and 64 KB lines as given, and NUL or lone surrogates as U+FFFD', async () => {
      const key = newKey();
      const texts = [
        'emoji 🎉 family 👩‍👩‍👧',
        '中文日志 テスト 한국어',
        'x'.repeat(64 * 1024),
        '日'.repeat(22_000),
        'a\u0000b\u0000',
        'lone \uD800 surrogate',
      ];
      await worker.beginAttempt(startOf(key, 1));
      await worker.appendLines(key, linesOf(1, texts));
      await worker.endAttempt(endOf(key, 1, 430, { message: 'bad\u0000message' }));

      const stored = (await readAll(api, key, 100)).map((line) => line.text);
      expect(stored).toEqual([...texts.slice(0, 4), 'a\uFFFDb\uFFFD', 'lone \uFFFD surrogate']);
      expect((await api.attempts(key))[0]?.end?.message).toBe('bad\uFFFDmessage');
      const search: AttemptSearch = { ...startOf(key, 1), order: 'ASC', offset: 0, limit: 10 };
      expect((await api.searchAttempts({ ...search, text: '日志' })).totalCount).toBe(1);
      expect((await api.searchAttempts({ ...search, text: '👩‍👩‍👧' })).totalCount).toBe(1);
      expect((await api.searchAttempts({ ...search, text: 'b\u0000' })).totalCount).toBe(1);
    });
  });

  describe('isolation', () => {
    it('keeps the same requestId under two accounts apart', async () => {
      const mine = newKey();
      const theirs = { ...newKey(), requestId: mine.requestId };
      await worker.beginAttempt(startOf(mine, 1));
      await worker.beginAttempt(startOf(theirs, 1, { startedAtMs: t0 + 1 }));
      await worker.appendLines(mine, linesOf(1, ['mine']));
      await worker.appendLines(theirs, linesOf(1, ['theirs 1', 'theirs 2']));

      expect((await api.readLines(mine, undefined, 10)).map((line) => line.text)).toEqual(['mine']);
      expect((await api.attempts(mine)).map((attempt) => [attempt.accountId, attempt.lineCount])).toEqual([
        [mine.accountId, 1],
      ]);
      const page = await api.searchAttempts({
        ...startOf(mine, 1),
        requestId: mine.requestId,
        order: 'ASC',
        offset: 0,
        limit: 10,
      });
      expect(page.attempts.map((attempt) => attempt.accountId)).toEqual([mine.accountId]);
      expect(page.totalCount).toBe(1);
      const theirText = await api.searchAttempts({
        ...startOf(mine, 1),
        text: 'theirs',
        order: 'ASC',
        offset: 0,
        limit: 10,
      });
      expect(theirText).toEqual({ totalCount: 0, attempts: [] });
    });

    it('searches one function of one namespace of one account, never the others', async () => {
      const accountId = `account-${randomUUID()}`;
      const otherAccount = `account-${randomUUID()}`;
      const scopes = [
        { accountId, namespace: 'default', functionName: 'fn' },
        { accountId, namespace: 'default', functionName: 'other-fn' },
        { accountId, namespace: 'other-ns', functionName: 'fn' },
        { accountId: otherAccount, namespace: 'default', functionName: 'fn' },
      ];
      for (const scope of scopes) {
        const key = { accountId: scope.accountId, requestId: randomUUID() };
        await worker.beginAttempt(startOf(key, 1, scope));
        await worker.appendLines(key, linesOf(1, ['shared text']));
      }
      for (const scope of scopes) {
        const page = await api.searchAttempts({
          ...scope,
          text: 'shared',
          order: 'DESC',
          offset: 0,
          limit: 10,
        });
        expect(page.totalCount).toBe(1);
        expect(
          page.attempts.map(({ accountId, namespace, functionName }) => ({
            accountId,
            namespace,
            functionName,
          })),
        ).toEqual([scope]);
      }
    });
  });

  describe('waitForLines', () => {
    it("wakes promptly when another instance appends to the event's log", async () => {
      const key = newKey();
      await api.beginAttempt(startOf(key, 1));
      const waiting = api.waitForLines(key, 10_000);
      const append = sleep(200).then(() => worker.appendLines(key, numbered(1, 1, 1)));
      const waited = await elapsedMs(waiting);
      await append;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(2000);
      expect(await api.readLines(key, undefined, 10)).toHaveLength(1);
    });

    it('wakes promptly when the same instance appends', async () => {
      const key = newKey();
      const waiting = worker.waitForLines(key, 10_000);
      const append = sleep(100).then(() => worker.appendLines(key, numbered(1, 1, 1)));
      expect(await elapsedMs(waiting)).toBeLessThan(2000);
      await append;
    });

    it("waits the whole maxWaitMs when only other events' logs grow", async () => {
      const key = newKey();
      const sameRequestOtherAccount = { ...newKey(), requestId: key.requestId };
      const waiting = api.waitForLines(key, 600);
      await sleep(100);
      await worker.appendLines(sameRequestOtherAccount, numbered(1, 1, 1));
      await worker.appendLines(newKey(), numbered(1, 1, 1));
      const waited = await elapsedMs(waiting);
      expect(waited).toBeGreaterThanOrEqual(450);
      expect(waited).toBeLessThan(2000);
    });

    it('resolves when its signal aborts, and at once when it already has', async () => {
      const key = newKey();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      expect(await elapsedMs(api.waitForLines(key, 10_000, controller.signal))).toBeLessThan(1000);
      expect(await elapsedMs(api.waitForLines(key, 10_000, AbortSignal.abort()))).toBeLessThan(100);
    });
  });
});

describe('PostgreSQL log store listener', () => {
  let server: TestPostgres;
  let api: LogStore;
  let worker: LogStore;

  beforeAll(async () => {
    server = await startTestPostgres();
    api = await openPostgresLogStore({ connectionString: server.connectionString });
    worker = await openPostgresLogStore({ connectionString: server.connectionString });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await server?.stop();
  });

  it('reconnects after its connection is killed, and wakes waiters promptly again', async () => {
    const admin = new Client({ connectionString: server.connectionString });
    await admin.connect();
    const listeners = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'longhaul-log-listener'",
        )
      ).rows.map((row) => row.pid);
    try {
      const before = await listeners();
      expect(before).toHaveLength(2);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      const deadline = Date.now() + 15_000;
      while ((await listeners()).filter((pid) => !before.includes(pid)).length < 2) {
        expect(Date.now()).toBeLessThan(deadline);
        await sleep(100);
      }
      const key = newKey();
      const waiting = api.waitForLines(key, 10_000);
      const append = sleep(200).then(() => worker.appendLines(key, numbered(1, 1, 1)));
      const waited = await elapsedMs(waiting);
      await append;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(2000);
    } finally {
      await admin.end();
    }
  });
});
