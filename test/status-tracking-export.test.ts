import { searchAttributes as sa } from '../workflows/search-attributes';
import type { ApiClient } from './helpers/api-client';
import { eventually, zipFixture } from './helpers/fixtures';
import { type TestStack, startTestStack } from './helpers/stack';
import {
  type EventSet,
  type Truth,
  createEventSet,
  createFn,
  eventsPath,
  idsOf,
  inInterval,
  invoke,
  qs,
  readNdjson,
  recordTruth,
  secondAccount,
  sortTruth,
  sortedIds,
  stopRunning,
  summaryOf,
  waitForEnd,
  waitForVisibility,
} from './helpers/status-tracking';

// Status tracking's exports: NDJSON of a function's, or a whole namespace's, tracked events.

let stack: TestStack;
let set: EventSet;
/** A second tracked function, whose events all fail. */
let failing: { fn: string; events: Truth[] };
/** A function with status tracking off from the start. */
let untracked: { fn: string; ids: string[] };
let other: ApiClient;

beforeAll(async () => {
  stack = await startTestStack();
  set = await createEventSet(stack);

  const failFn = await createFn(stack.client, 'failing', 'index.fail');
  const failIds = [];
  for (const invokeType of ['API', 'COS', 'TIMER'])
    failIds.push(await invoke(stack.client, failFn, { reason: invokeType }, { invokeType }));
  const failEvents: Truth[] = [];
  for (const id of failIds) await waitForEnd(stack.client, id);
  for (const [i, id] of failIds.entries()) {
    failEvents.push(
      await recordTruth(stack, id, {
        status: 'FAILED',
        qualifier: '$LATEST',
        invokeType: ['API', 'COS', 'TIMER'][i]!,
      }),
    );
  }
  await waitForVisibility(stack.client, failFn, failEvents);
  failing = { fn: failFn, events: failEvents };

  const untrackedFn = await createFn(stack.client, 'untracked', 'index.syncEcho', { traceEnable: false });
  const untrackedIds = [
    await invoke(stack.client, untrackedFn, {}),
    await invoke(stack.client, untrackedFn, {}, { invokeType: 'COS' }),
  ];
  // Visible in Temporal itself, so that an export leaving them out does so on purpose, not by lag.
  await eventually(async () => {
    const { count } = await stack.env.client.workflow.count(
      `${sa.functionName.name} = '${untrackedFn}' AND ExecutionStatus = 'Completed'`,
    );
    return count === untrackedIds.length;
  }, 30000);
  untracked = { fn: untrackedFn, ids: untrackedIds };

  other = secondAccount(stack);
}, 240000);
afterAll(async () => {
  if (set) await stopRunning(stack.client, set.running);
  await stack?.stop();
});

const bySortedId = (events: Truth[]) =>
  [...events].sort((a, b) => (a.requestId < b.requestId ? -1 : 1)).map(summaryOf);
const recordsById = (records: { requestId: string }[]) =>
  [...records].sort((a, b) => (a.requestId < b.requestId ? -1 : 1));

test("a function's export holds exactly its tracked events, one JSON object a line", async () => {
  const { status, contentType, records, text } = await readNdjson(
    stack.client,
    eventsPath(set.fn, '/export'),
  );
  expect(status).toBe(200);
  expect(contentType).toMatch(/^application\/x-ndjson/);
  expect(text.split('\n').filter(Boolean)).toHaveLength(set.events.length);
  expect(new Set(records.map((r) => r.requestId)).size).toBe(records.length);
  expect(recordsById(records)).toEqual(bySortedId(set.events));
});

test('a start-time interval narrows the export (closed at From, open at To)', async () => {
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const from = byStart[4]!.startTime;
  const to = byStart[11]!.startTime;
  const { records } = await readNdjson(
    stack.client,
    eventsPath(set.fn, '/export', { startTimeFrom: from, startTimeTo: to }),
  );
  const want = set.events.filter((e) => inInterval(e.startNs, from, to));
  expect(want.map((e) => e.requestId)).toContain(byStart[4]!.requestId);
  expect(recordsById(records)).toEqual(bySortedId(want));
  expect(records.map((r) => r.requestId)).not.toContain(byStart[11]!.requestId);
});

test('a version narrows the export', async () => {
  for (const qualifier of ['$LATEST', '2']) {
    const { records } = await readNdjson(stack.client, eventsPath(set.fn, '/export', { qualifier }));
    expect(recordsById(records)).toEqual(bySortedId(set.events.filter((e) => e.qualifier === qualifier)));
  }
});

test('an interval with no event exports an empty body', async () => {
  const { status, text } = await readNdjson(
    stack.client,
    eventsPath(set.fn, '/export', { startTimeTo: '2001-01-01T00:00:00Z' }),
  );
  expect({ status, text }).toEqual({ status: 200, text: '' });
});

test("the namespace export holds every tracked function's events and none of an untracked one", async () => {
  const { status, contentType, records } = await readNdjson(
    stack.client,
    '/v1/namespaces/default/events/export',
  );
  expect(status).toBe(200);
  expect(contentType).toMatch(/^application\/x-ndjson/);
  const ids = records.map((r) => r.requestId);
  for (const id of untracked.ids) expect(ids).not.toContain(id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(recordsById(records)).toEqual(bySortedId([...set.events, ...failing.events]));
});

test('a start-time interval narrows the namespace export across functions', async () => {
  const all = [...set.events, ...failing.events];
  const byStart = sortTruth(all, 'StartTime', 'ASC');
  // From inside the first function's events to inside the second's.
  const from = byStart[10]!.startTime;
  const to = sortTruth(failing.events, 'StartTime', 'ASC')[2]!.startTime;
  const { records } = await readNdjson(
    stack.client,
    `/v1/namespaces/default/events/export${qs({ startTimeFrom: from, startTimeTo: to })}`,
  );
  const want = all.filter((e) => inInterval(e.startNs, from, to));
  expect(new Set(want.map((e) => e.functionName))).toEqual(new Set([set.fn, failing.fn]));
  expect(recordsById(records)).toEqual(bySortedId(want));
});

test('an untracked function has no export', async () => {
  const { status, text } = await readNdjson(stack.client, eventsPath(untracked.fn, '/export'));
  expect(status).toBe(400);
  expect(JSON.parse(text).error.code).toBe('UnsupportedOperation.StatusTracking');
});

describe('another account', () => {
  test("sees none of the functions: 404 on each of the first account's function routes", async () => {
    for (const suffix of ['', '/overview', '/export']) {
      const { status, body } = await other.get(eventsPath(set.fn, suffix));
      expect([suffix, status, body?.error?.code]).toEqual([suffix, 404, 'ResourceNotFound.Function']);
    }
  });

  test('cannot read any of the events by RequestId', async () => {
    for (const id of [...idsOf(set.events).slice(0, 3), failing.events[0]!.requestId]) {
      const { status, body } = await other.get(`/v1/events/${id}`);
      expect([status, body.error.code]).toEqual([404, 'ResourceNotFound.AsyncEvent']);
    }
  });

  test('its namespace export is empty', async () => {
    const { status, text } = await readNdjson(other, '/v1/namespaces/default/events/export');
    expect({ status, text }).toEqual({ status: 200, text: '' });
  });

  test('a function of the same name of its own lists, counts and exports none of them', async () => {
    const res = await other.post('/v1/namespaces/default/functions', {
      functionName: set.fn,
      runtime: 'Nodejs18.15',
      handler: 'index.syncEcho',
      code: { zipFile: await zipFixture('toolbox') },
      asyncRunEnable: true,
      timeout: 60,
    });
    expect(res.status).toBe(201);
    const list = await other.get(eventsPath(set.fn, '', { limit: 100 }));
    expect(list.body).toEqual({ totalCount: 0, events: [] });
    const overview = await other.get(eventsPath(set.fn, '/overview'));
    expect(overview.body).toEqual({ total: 0, counts: { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 } });
    expect((await readNdjson(other, eventsPath(set.fn, '/export'))).text).toBe('');
    expect((await readNdjson(other, '/v1/namespaces/default/events/export')).text).toBe('');
    // The first account's view is unchanged.
    const mine = await readNdjson(stack.client, eventsPath(set.fn, '/export'));
    expect(sortedIds(mine.records.map((r) => r.requestId))).toEqual(sortedIds(idsOf(set.events)));
  });
});
