import { type TestStack, startTestStack } from './helpers/stack';
import {
  type EventSet,
  type Params,
  type Truth,
  createEventSet,
  createFn,
  idsOf,
  inInterval,
  listIds,
  nsToIso,
  sortTruth,
  stopRunning,
  summaryOf,
} from './helpers/status-tracking';

// Status tracking's list: every filter against the truth the test recorded itself.

let stack: TestStack;
let set: EventSet;
beforeAll(async () => {
  stack = await startTestStack();
  set = await createEventSet(stack);
}, 240000);
afterAll(async () => {
  if (set) await stopRunning(stack.client, set.running);
  await stack?.stop();
});

/** The ids a filter must list, by the default order (StartTime DESC). */
const expected = (keep: (e: Truth) => boolean) =>
  idsOf(sortTruth(set.events.filter(keep), 'StartTime', 'DESC'));

async function expectList(params: Params, keep: (e: Truth) => boolean) {
  const want = expected(keep);
  const { totalCount, ids } = await listIds(stack.client, set.fn, { limit: 100, ...params });
  expect(ids).toEqual(want);
  expect(totalCount).toBe(want.length);
  return want;
}

test('the set holds every status in every kind the test needs', () => {
  const statuses = new Set(set.events.map((e) => e.status));
  expect([...statuses].sort()).toEqual(['ABORTED', 'FAILED', 'FINISHED', 'RUNNING']);
  expect(new Set(set.events.map((e) => e.qualifier))).toEqual(new Set(['$LATEST', '1', '2']));
  expect(set.events.filter((e) => e.status === 'RUNNING').every((e) => e.endTime === null)).toBe(true);
  expect(set.events.filter((e) => e.status !== 'RUNNING').every((e) => e.endTime !== null)).toBe(true);
});

test('with no filter, the list shows every event, newest first, as the event API reports each one', async () => {
  const { status, body } = await stack.client.get(`/v1/namespaces/default/functions/${set.fn}/events`);
  expect(status).toBe(200);
  expect(body.totalCount).toBe(set.events.length);
  // Default order StartTime DESC, default limit 20 (the set has fewer events).
  expect(body.events).toEqual(sortTruth(set.events, 'StartTime', 'DESC').map(summaryOf));
  const codes = Object.fromEntries(body.events.map((e: Truth) => [e.status, e.statusCode]));
  expect(codes).toEqual({ RUNNING: 0, FINISHED: 200, FAILED: 430, ABORTED: 499 });
});

test('by version: each qualifier lists exactly its own events', async () => {
  for (const qualifier of ['$LATEST', '1', '2']) {
    const ids = await expectList({ qualifier }, (e) => e.qualifier === qualifier);
    expect(ids.length).toBeGreaterThan(0);
  }
});

test('by invoke type: one, several (comma-separated or repeated), or one no event has', async () => {
  await expectList({ invokeType: 'TIMER' }, (e) => e.invokeType === 'TIMER');
  await expectList({ invokeType: 'API,COS' }, (e) => ['API', 'COS'].includes(e.invokeType));
  await expectList({ invokeType: ['CMQ', 'CKAFKA', 'APIGW'] }, (e) =>
    ['CMQ', 'CKAFKA', 'APIGW'].includes(e.invokeType),
  );
  const none = await expectList({ invokeType: 'MPS' }, () => false);
  expect(none).toEqual([]);
});

test('by status: each one, and several at once', async () => {
  for (const status of ['RUNNING', 'FINISHED', 'FAILED', 'ABORTED']) {
    const ids = await expectList({ status }, (e) => e.status === status);
    expect(ids.length).toBeGreaterThan(0);
  }
  await expectList({ status: 'FAILED,ABORTED' }, (e) => e.status === 'FAILED' || e.status === 'ABORTED');
  await expectList(
    { status: ['RUNNING', 'FINISHED'] },
    (e) => e.status === 'RUNNING' || e.status === 'FINISHED',
  );
  await expectList({ status: 'RUNNING,FINISHED,FAILED,ABORTED' }, () => true);
});

test('a start-time interval is closed at From and open at To', async () => {
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const atFrom = byStart[3]!;
  const atTo = byStart[11]!;
  const from = atFrom.startTime;
  const to = atTo.startTime;
  const ids = await expectList({ startTimeFrom: from, startTimeTo: to }, (e) =>
    inInterval(e.startNs, from, to),
  );
  expect(ids).toContain(atFrom.requestId);
  expect(ids).not.toContain(atTo.requestId);

  // Either bound alone; the same instant written in another zone means the same.
  await expectList({ startTimeFrom: from }, (e) => inInterval(e.startNs, from));
  await expectList({ startTimeTo: to }, (e) => inInterval(e.startNs, undefined, to));
  const elsewhere = new Date(Date.parse(from) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
  await expectList({ startTimeFrom: elsewhere, startTimeTo: to }, (e) => inInterval(e.startNs, from, to));
});

test('interval bounds keep their sub-millisecond digits (the pattern takes up to nine)', async () => {
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const k = byStart[4]!;
  const j = byStart[9]!;
  // Exactly at an event's full-precision start: From includes it, To excludes it.
  const from = nsToIso(k.startNs);
  const to = nsToIso(j.startNs);
  const exact = await expectList({ startTimeFrom: from, startTimeTo: to }, (e) =>
    inInterval(e.startNs, from, to),
  );
  expect(exact[exact.length - 1]).toBe(k.requestId);
  expect(exact).not.toContain(j.requestId);
  // One microsecond later (visibility keeps microseconds): From now excludes k, To now includes j.
  const fromLater = nsToIso(k.startNs + 1000n);
  const toLater = nsToIso(j.startNs + 1000n);
  const later = await expectList({ startTimeFrom: fromLater, startTimeTo: toLater }, (e) =>
    inInterval(e.startNs, fromLater, toLater),
  );
  expect(later).not.toContain(k.requestId);
  expect(later[0]).toBe(j.requestId);
  // The same for end times.
  const ended = sortTruth(set.events, 'EndTime', 'ASC').filter((e) => e.endNs !== null);
  const endFrom = nsToIso(ended[3]!.endNs! + 1000n);
  await expectList({ endTimeFrom: endFrom }, (e) => inInterval(e.endNs, endFrom));
});

test('an end-time interval is closed at From, open at To, and never matches a running event', async () => {
  const ended = sortTruth(set.events, 'EndTime', 'ASC').filter((e) => e.endTime !== null);
  const atFrom = ended[2]!;
  const atTo = ended[9]!;
  const from = atFrom.endTime!;
  const to = atTo.endTime!;
  const ids = await expectList({ endTimeFrom: from, endTimeTo: to }, (e) => inInterval(e.endNs, from, to));
  expect(ids).toContain(atFrom.requestId);
  expect(ids).not.toContain(atTo.requestId);

  // An interval around all time holds every ended event and no running one.
  const always = { endTimeFrom: '2000-01-01T00:00:00Z', endTimeTo: '2100-01-01T00:00:00Z' };
  const all = await expectList(always, (e) => e.status !== 'RUNNING');
  expect(all).toHaveLength(set.events.length - set.running.length);
  await expectList({ endTimeFrom: from }, (e) => inInterval(e.endNs, from));
  await expectList({ endTimeTo: to }, (e) => inInterval(e.endNs, undefined, to));
  // Asking for running events within an end-time interval finds none.
  await expectList({ ...always, status: 'RUNNING' }, () => false);
});

test('by requestId: exactly that event, or none for an unknown one', async () => {
  for (const e of [set.events[0]!, set.events[7]!, set.events[15]!]) {
    const { totalCount, body } = await listIds(stack.client, set.fn, { requestId: e.requestId });
    expect(totalCount).toBe(1);
    expect(body.events).toEqual([summaryOf(e)]);
  }
  await expectList({ requestId: '00000000-0000-4000-8000-000000000000' }, () => false);
  // A RequestId combined with a filter it fails: nothing.
  const finished = set.events.find((e) => e.status === 'FINISHED')!;
  await expectList({ requestId: finished.requestId, status: 'RUNNING' }, () => false);
});

test('filters combine: all of them must hold', async () => {
  await expectList(
    { qualifier: '1', status: 'FINISHED,FAILED', invokeType: 'API,TIMER,COS' },
    (e) =>
      e.qualifier === '1' &&
      ['FINISHED', 'FAILED'].includes(e.status) &&
      ['API', 'TIMER', 'COS'].includes(e.invokeType),
  );
  await expectList(
    { qualifier: '2', status: 'ABORTED' },
    (e) => e.qualifier === '2' && e.status === 'ABORTED',
  );
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const from = byStart[1]!.startTime;
  const to = byStart[14]!.startTime;
  const ended = sortTruth(set.events, 'EndTime', 'ASC').filter((e) => e.endTime !== null);
  const endTo = ended[ended.length - 2]!.endTime!;
  await expectList(
    { startTimeFrom: from, startTimeTo: to, endTimeTo: endTo, invokeType: ['API', 'TIMER'] },
    (e) =>
      inInterval(e.startNs, from, to) &&
      inInterval(e.endNs, undefined, endTo) &&
      ['API', 'TIMER'].includes(e.invokeType),
  );
  // Ordered by end time, combined filters still come in the documented order.
  const types = ['TIMER', 'COS', 'CMQ', 'APIGW'];
  const { ids } = await listIds(stack.client, set.fn, {
    invokeType: types.join(','),
    qualifier: '1',
    orderBy: 'EndTime',
    order: 'ASC',
  });
  const want = sortTruth(
    set.events.filter((e) => e.qualifier === '1' && types.includes(e.invokeType)),
    'EndTime',
    'ASC',
  );
  expect(ids).toEqual(idsOf(want));
  expect(want.map((e) => e.status)).toContain('RUNNING');
});

test('totalCount counts every match, whatever the page holds', async () => {
  const all = sortTruth(set.events, 'StartTime', 'DESC');
  const first = await listIds(stack.client, set.fn, { limit: 2 });
  expect(first.totalCount).toBe(set.events.length);
  expect(first.ids).toEqual(idsOf(all.slice(0, 2)));
  const failed = set.events.filter((e) => e.status === 'FAILED');
  const page = await listIds(stack.client, set.fn, { status: 'FAILED', limit: 1, offset: 1 });
  expect(page.totalCount).toBe(failed.length);
  expect(page.ids).toEqual(idsOf(sortTruth(failed, 'StartTime', 'DESC').slice(1, 2)));
});

test('another function of the account lists none of these events', async () => {
  const other = await createFn(stack.client, 'other', 'index.syncEcho');
  const { totalCount, ids } = await listIds(stack.client, other, { limit: 100 });
  expect({ totalCount, ids }).toEqual({ totalCount: 0, ids: [] });
});
