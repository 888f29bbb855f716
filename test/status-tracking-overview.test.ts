import { eventually } from './helpers/fixtures';
import { type TestStack, startTestStack } from './helpers/stack';
import {
  type EventSet,
  type Params,
  type Truth,
  countsOf,
  createEventSet,
  eventsPath,
  inInterval,
  sortTruth,
  stopRunning,
} from './helpers/status-tracking';

// Status tracking's overview: counts per status and the total, against the recorded truth.

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

async function expectOverview(params: Params, keep: (e: Truth) => boolean) {
  const { status, body } = await stack.client.get(eventsPath(set.fn, '/overview', params));
  expect(status).toBe(200);
  const want = countsOf(set.events.filter(keep));
  expect(body).toEqual(want);
  return want;
}

test('without a filter: every event, counted by status', async () => {
  const want = await expectOverview({}, () => true);
  expect(want.total).toBe(set.events.length);
  // Every status is represented, so a count landing in the wrong status cannot hide.
  for (const count of Object.values(want.counts)) expect(count).toBeGreaterThan(0);
});

test('with a version filter: each version counts only its own events', async () => {
  const seen = new Set<string>();
  for (const qualifier of ['$LATEST', '1', '2']) {
    const want = await expectOverview({ qualifier }, (e) => e.qualifier === qualifier);
    seen.add(JSON.stringify(want));
  }
  expect(seen.size).toBe(3);
});

test('with a start-time interval: closed at From, open at To', async () => {
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const from = byStart[2]!.startTime;
  const to = byStart[12]!.startTime;
  const want = await expectOverview({ startTimeFrom: from, startTimeTo: to }, (e) =>
    inInterval(e.startNs, from, to),
  );
  expect(want.total).toBe(10);
  await expectOverview({ startTimeFrom: from }, (e) => inInterval(e.startNs, from));
  await expectOverview({ startTimeTo: to }, (e) => inInterval(e.startNs, undefined, to));
});

test('with a version and a start-time interval together', async () => {
  const byStart = sortTruth(set.events, 'StartTime', 'ASC');
  const from = byStart[1]!.startTime;
  const to = byStart[13]!.startTime;
  for (const qualifier of ['1', '2']) {
    await expectOverview(
      { qualifier, startTimeFrom: from, startTimeTo: to },
      (e) => e.qualifier === qualifier && inInterval(e.startNs, from, to),
    );
  }
});

test('an interval with no event counts zeros', async () => {
  const { body } = await stack.client.get(
    eventsPath(set.fn, '/overview', { startTimeTo: '2001-01-01T00:00:00Z' }),
  );
  expect(body).toEqual({ total: 0, counts: { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 } });
});

test('the overview agrees with the list of each status', async () => {
  const { body: overview } = await stack.client.get(eventsPath(set.fn, '/overview'));
  for (const status of ['RUNNING', 'FINISHED', 'FAILED', 'ABORTED']) {
    const { body } = await stack.client.get(eventsPath(set.fn, '', { status }));
    expect(body.totalCount).toBe(overview.counts[status]);
  }
});

test('a running event that ends moves from RUNNING to ABORTED in the overview', async () => {
  const [id] = set.running.splice(0, 1);
  const { body: before } = await stack.client.get(eventsPath(set.fn, '/overview'));
  await stopRunning(stack.client, [id!]);
  const after = await eventually(async () => {
    const { body } = await stack.client.get(eventsPath(set.fn, '/overview'));
    return body.counts.RUNNING === before.counts.RUNNING - 1 ? body : undefined;
  }, 30000);
  expect(after).toEqual({
    total: before.total,
    counts: { ...before.counts, RUNNING: before.counts.RUNNING - 1, ABORTED: before.counts.ABORTED + 1 },
  });
});
