/**
 * Searching and purging, the same for every LogStore, each on a real database (as in the conformance suite).
 */
import { randomUUID } from 'node:crypto';
import type { AttemptSearch, LogStore } from '../src/logs/log-store';
import {
  sqliteBackend,
  postgresBackend,
  t0,
  startOf,
  endOf,
  linesOf,
  numbered,
} from './helpers/log-store-backends';

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

  describe('searchAttempts', () => {
    const accountId = `account-${randomUUID()}`;
    const scope = { accountId, namespace: 'ns', functionName: 'fn' };
    const search = (more: Partial<AttemptSearch> = {}) =>
      api.searchAttempts({ ...scope, order: 'ASC', offset: 0, limit: 100, ...more });
    const ids = (page: { attempts: { requestId: string; attempt: number }[] }) =>
      page.attempts.map((a) => `${a.requestId}#${a.attempt}`);
    // In (started, requestId, attempt) order; B and C start at the same millisecond.
    const fixture = [
      {
        id: 'req-a#1',
        startedAtMs: t0 + 1000,
        qualifier: '$LATEST',
        statusCode: 430,
        lines: ['starting', 'Error: boom'],
      },
      { id: 'req-a#2', startedAtMs: t0 + 2000, qualifier: '$LATEST', statusCode: 200, lines: ['100% done'] },
      {
        id: 'req-b#1',
        startedAtMs: t0 + 2000,
        qualifier: '1',
        statusCode: 200,
        lines: ['under_score', 'Hello'],
      },
      {
        id: 'req-c#1',
        startedAtMs: t0 + 3000,
        qualifier: '1',
        statusCode: undefined,
        lines: ['50%_done literally'],
      },
      { id: 'req-d#1', startedAtMs: t0 + 4000, qualifier: '2', statusCode: 433, lines: ['timeout'] },
      { id: 'req-e#1', startedAtMs: t0 + 5000, qualifier: '$LATEST', statusCode: undefined, lines: [] },
    ];
    const all = fixture.map((attempt) => attempt.id);

    beforeAll(async () => {
      for (const { id, statusCode, lines, ...start } of [...fixture].reverse()) {
        const [requestId = '', attempt] = id.split('#');
        const key = { accountId, requestId };
        await worker.beginAttempt(startOf(key, Number(attempt), { ...scope, ...start }));
        await worker.appendLines(key, linesOf(Number(attempt), lines));
        if (statusCode !== undefined) await worker.endAttempt(endOf(key, Number(attempt), statusCode));
      }
    });

    it('orders by start, then requestId, then attempt, both ways, and counts every match', async () => {
      expect(await search()).toMatchObject({ totalCount: 6 });
      expect(ids(await search())).toEqual(all);
      expect(ids(await search({ order: 'DESC' }))).toEqual([...all].reverse());
    });

    it('filters by qualifier and by requestId', async () => {
      expect(ids(await search({ qualifier: '1' }))).toEqual(['req-b#1', 'req-c#1']);
      expect(ids(await search({ qualifier: '$LATEST', order: 'DESC' }))).toEqual([
        'req-e#1',
        'req-a#2',
        'req-a#1',
      ]);
      expect(ids(await search({ requestId: 'req-a' }))).toEqual(['req-a#1', 'req-a#2']);
      expect(await search({ requestId: 'req-zzz' })).toEqual({ totalCount: 0, attempts: [] });
    });

    it('filters by a closed-open interval of start times', async () => {
      expect(ids(await search({ startedFromMs: t0 + 2000, startedBeforeMs: t0 + 4000 }))).toEqual([
        'req-a#2',
        'req-b#1',
        'req-c#1',
      ]);
      expect(ids(await search({ startedFromMs: t0 + 4000 }))).toEqual(['req-d#1', 'req-e#1']);
      expect(ids(await search({ startedBeforeMs: t0 + 2000 }))).toEqual(['req-a#1']);
      expect((await search({ startedFromMs: t0 + 2000, startedBeforeMs: t0 + 2000 })).totalCount).toBe(0);
    });

    it('filters by text as a literal, case-sensitive substring of any line', async () => {
      expect(ids(await search({ text: 'boom' }))).toEqual(['req-a#1']);
      expect(ids(await search({ text: 'Hello' }))).toEqual(['req-b#1']);
      expect(ids(await search({ text: 'hello' }))).toEqual([]);
      expect(ids(await search({ text: '%' }))).toEqual(['req-a#2', 'req-c#1']);
      expect(ids(await search({ text: '_' }))).toEqual(['req-b#1', 'req-c#1']);
      expect(ids(await search({ text: '%_' }))).toEqual(['req-c#1']);
      expect(ids(await search({ text: 'd%e' }))).toEqual([]);
      expect(ids(await search({ text: 'under score' }))).toEqual([]);
      expect(ids(await search({ text: "'; DROP TABLE log_lines; --" }))).toEqual([]);
      expect((await search({ text: 'o', order: 'DESC', limit: 1 })).totalCount).toBe(5);
    });

    it('filters by outcome: 200 is success, any other end is failure, running is neither', async () => {
      expect(ids(await search({ outcome: 'success' }))).toEqual(['req-a#2', 'req-b#1']);
      expect(ids(await search({ outcome: 'failure' }))).toEqual(['req-a#1', 'req-d#1']);
      expect(ids(await search({ outcome: 'success', qualifier: '1', text: 'Hello' }))).toEqual(['req-b#1']);
    });

    it('pages with offset and limit, visiting each attempt exactly once', async () => {
      for (const order of ['ASC', 'DESC'] as const) {
        for (const limit of [1, 2, 4]) {
          const visited: string[] = [];
          for (let offset = 0; offset < 6; offset += limit) {
            const page = await search({ order, offset, limit });
            expect(page.totalCount).toBe(6);
            expect(page.attempts.length).toBe(Math.min(limit, 6 - offset));
            visited.push(...ids(page));
          }
          expect(visited).toEqual(order === 'ASC' ? all : [...all].reverse());
        }
      }
      expect(await search({ offset: 6, limit: 10 })).toEqual({ totalCount: 6, attempts: [] });
      expect(await search({ limit: 0 })).toEqual({ totalCount: 6, attempts: [] });
    });

    it('returns whole records', async () => {
      const [record] = (await search({ requestId: 'req-b' })).attempts;
      expect(record).toEqual({
        ...startOf({ accountId, requestId: 'req-b' }, 1, {
          ...scope,
          qualifier: '1',
          startedAtMs: t0 + 2000,
        }),
        end: {
          endedAtMs: t0 + 1000,
          statusCode: 200,
          message: '',
          durationMs: 1000,
          billedDurationMs: 1000,
          memUsageBytes: 1 << 20,
        },
        lineCount: 2,
      });
    });
  });

  describe('purgeBefore', () => {
    it('deletes old lines, and attempts that ended (or never ending, started) before the cutoff', async () => {
      const cutoff = 5000;
      const accountId = `account-${randomUUID()}`;
      const key = (requestId: string) => ({ accountId, requestId });
      const attempt = async (
        requestId: string,
        startedAtMs: number,
        endedAtMs: number | undefined,
        lineTimes: number[],
      ) => {
        await worker.beginAttempt(startOf(key(requestId), 1, { startedAtMs }));
        await worker.appendLines(
          key(requestId),
          lineTimes.map((timeMs, index) => ({ ...numbered(1, index + 1, 1)[0]!, timeMs })),
        );
        if (endedAtMs !== undefined) await worker.endAttempt(endOf(key(requestId), 1, 200, { endedAtMs }));
      };
      await attempt('ended-old', 1000, 2000, [1000, 1500]); // gone, with 2 lines
      await attempt('running-old', 1000, undefined, [1100]); // gone, with 1 line
      await attempt('straddling', 2000, 9000, [2000, 3000, 6000]); // stays, loses 2 lines
      await attempt('late-line', 3000, 4000, [3000, 7000]); // gone, with 2 lines (one written after the cutoff)
      await attempt('fresh', 6000, 7000, [6500]); // stays whole
      // More than one batch of each, so the batching is exercised too.
      const bulkTimes = Array.from({ length: 4500 }, (_, index) => 1000 + (index % 3000));
      await attempt('bulk', 1000, 8000, bulkTimes); // stays, loses all 4500 lines
      for (let index = 0; index < 250; index += 1)
        await worker.beginAttempt(startOf(key(`idle-${index}`), 1, { startedAtMs: 1500 }));

      expect(await api.purgeBefore(cutoff)).toEqual({ lines: 2 + 1 + 2 + 2 + 4500, attempts: 3 + 250 });
      expect(await api.purgeBefore(cutoff)).toEqual({ lines: 0, attempts: 0 });

      const remaining = await api.searchAttempts({
        accountId,
        namespace: 'default',
        functionName: 'fn',
        order: 'ASC',
        offset: 0,
        limit: 100,
      });
      expect(remaining.attempts.map((record) => [record.requestId, record.lineCount])).toEqual([
        ['bulk', 0],
        ['straddling', 1],
        ['fresh', 1],
      ]);
      expect((await api.readLines(key('straddling'), undefined, 10)).map((line) => line.timeMs)).toEqual([
        6000,
      ]);
      expect(await api.readLines(key('late-line'), undefined, 10)).toEqual([]);
      expect(await api.attempts(key('late-line'))).toEqual([]);
    });
  });
});
