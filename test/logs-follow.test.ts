import type { LogStore } from '../src/logs/log-store';
import { openPostgresLogStore } from '../src/logs/postgres-log-store';
import { startLogRetention } from '../src/logs/retention';
import { type SseEvent, createLoggerFunction, follow, invoke, readAllLines, waitForEnd } from './helpers/logs';
import { type TestPostgres, startTestPostgres } from './helpers/postgres';
import { type TestStack, quietLogger, startTestStack } from './helpers/stack';

// Following runs against both stores: SQLite (polled) and PostgreSQL (LISTEN/NOTIFY), each behind a real stack.
describe.each(['sqlite', 'postgres'] as const)('following a log live (%s store)', (kind) => {
  let stack: TestStack;
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    let logStore: LogStore | undefined;
    if (kind === 'postgres') {
      postgres = await startTestPostgres();
      logStore = await openPostgresLogStore({ connectionString: postgres.connectionString });
    }
    stack = await startTestStack({}, { logStore });
  });
  afterAll(async () => {
    await stack?.stop();
    await postgres?.stop();
  });

  const lineEvents = (events: SseEvent[]) => events.filter((e) => e.event === 'line');
  const ticks = (events: SseEvent[]) =>
    lineEvents(events)
      .map((e) => e.data.text as string)
      .filter((t) => t.startsWith('tick '))
      .map((t) => Number(t.split(' ')[1]));

  test('history first, then lines as they are printed, then an end event', async () => {
    const name = await createLoggerFunction(stack.client, 'ticker');
    const requestId = await invoke(stack.client, name, { lines: 30, intervalMs: 50 });
    const receivedAt: number[] = [];
    const printedAt: number[] = [];
    const events = await follow(stack.client, requestId, {
      onEvent: (e) => {
        if (e.event !== 'line' || !String(e.data.text).startsWith('tick ')) return;
        receivedAt.push(Date.now());
        printedAt.push(Number(String(e.data.text).split(' ')[2]));
      },
    });
    expect(ticks(events)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const end = events[events.length - 1]!;
    expect(end.event).toBe('end');
    expect(end.data).toMatchObject({ requestId, status: 'FINISHED', statusCode: 200 });
    // Live, not at the end: most lines arrive well before the function finished printing.
    const lastPrinted = Math.max(...printedAt);
    expect(receivedAt.filter((t) => t < lastPrinted).length).toBeGreaterThan(15);
    // Every id is attempt-seq and the ids are exactly the stored lines.
    const stored = await readAllLines(stack.client, requestId);
    expect(lineEvents(events).map((e) => e.id)).toEqual(stored.map((l) => l.id));
  });

  test('a follower that reconnects with Last-Event-ID misses nothing and sees nothing twice', async () => {
    const name = await createLoggerFunction(stack.client, 'ticker');
    const requestId = await invoke(stack.client, name, { lines: 40, intervalMs: 40 });
    const seen: SseEvent[] = [];
    let lastEventId: string | undefined;
    for (let connection = 0; connection < 20; connection++) {
      const events = await follow(stack.client, requestId, { lastEventId, stopAfter: 7 });
      seen.push(...events);
      const last = [...events].reverse().find((e) => e.id !== undefined);
      lastEventId = last?.id ?? lastEventId;
      if (events.some((e) => e.event === 'end')) break;
    }
    expect(seen[seen.length - 1]!.event).toBe('end');
    const ids = lineEvents(seen).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = await readAllLines(stack.client, requestId);
    expect(ids).toEqual(stored.map((l) => l.id));
    expect(ticks(seen)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  test('following an ended event replays its log and ends; a follow from its last id only ends', async () => {
    const name = await createLoggerFunction(stack.client, 'interleave');
    const requestId = await invoke(stack.client, name, { lines: 5 });
    await waitForEnd(stack.client, requestId);
    const events = await follow(stack.client, requestId);
    const lines = lineEvents(events);
    expect(lines.length).toBe((await readAllLines(stack.client, requestId)).length);
    expect(events[events.length - 1]).toMatchObject({ event: 'end', data: { status: 'FINISHED' } });
    const again = await follow(stack.client, requestId, { lastEventId: lines[lines.length - 1]!.id });
    expect(again.map((e) => e.event)).toEqual(['end']);
  });

  test('a terminated event ends its follow with ABORTED', async () => {
    const name = await createLoggerFunction(stack.client, 'ticker');
    const requestId = await invoke(stack.client, name, { lines: 1000, intervalMs: 20 });
    const following = follow(stack.client, requestId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await stack.client.post(`/v1/events/${requestId}/terminate`, {})).status).toBe(200);
    const events = await following;
    expect(events[events.length - 1]).toMatchObject({ event: 'end', data: { status: 'ABORTED', statusCode: 499 } });
    expect(ticks(events).length).toBeGreaterThan(5);
  });

  test('records past the retention are removed by the service', async () => {
    const name = await createLoggerFunction(stack.client, 'interleave');
    const requestId = await invoke(stack.client, name, { lines: 3 });
    await waitForEnd(stack.client, requestId);
    const key = { accountId: stack.accountId, requestId };
    expect((await stack.stores.logStore.attempts(key)).length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const retention = startLogRetention(stack.stores.logStore, { retentionMs: 200, intervalMs: 100 }, quietLogger);
    try {
      const deadline = Date.now() + 5000;
      while ((await stack.stores.logStore.attempts(key)).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await retention.stop();
    }
    expect(await stack.stores.logStore.attempts(key)).toEqual([]);
    expect(await stack.stores.logStore.readLines(key, undefined, 10)).toEqual([]);
    const read = await stack.client.get(`/v1/events/${requestId}/logs`);
    expect(read.status).toBe(200);
    expect(read.body.lines).toEqual([]);
  });
});
