import { namespaceRetentionHours } from '../src/temporal/namespace-setup';
import { searchAttributes as sa } from '../workflows/search-attributes';
import { eventually, exchangePath, readPid } from './helpers/fixtures';
import { type TestStack, startTestStack } from './helpers/stack';
import {
  createFn,
  eventsPath,
  invoke,
  listIds,
  readNdjson,
  setTracking,
  stopRunning,
} from './helpers/status-tracking';

// The status tracking switch (traceEnable) and the retention of tracked events.

let stack: TestStack;
const running: string[] = [];
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  if (stack) await stopRunning(stack.client, running);
  await stack?.stop();
});

let files = 0;
const pidFile = () => exchangePath(`switch-pid-${(files += 1)}`);

/** Starts a sleep event: ended at once (ms 0) or kept running. */
async function start(fn: string, keepRunning: boolean) {
  const file = pidFile();
  const id = await invoke(stack.client, fn, { pidFile: file, ms: keepRunning ? 3_600_000 : 0 });
  if (keepRunning) {
    running.push(id);
    await readPid(file);
  } else {
    // From Temporal itself: the event API refuses an untracked function's events.
    await stack.env.client.workflow.getHandle(id).result();
  }
  return id;
}

/** Waits until Temporal's own visibility (not the API) shows this many events of the function. */
async function visibleInTemporal(fn: string, count: number) {
  await eventually(
    async () => (await stack.env.client.workflow.count(`${sa.functionName.name} = '${fn}'`)).count === count,
    30000,
  );
}

const expectRefused = (response: { status: number; body: any }) =>
  expect([response.status, response.body?.error?.code]).toEqual([400, 'UnsupportedOperation.StatusTracking']);

test('ended events are kept 72 hours: the Temporal namespace retention', async () => {
  expect(stack.config.eventRetentionHours).toBe(72);
  expect(await namespaceRetentionHours(stack.env.connection, stack.config.temporalNamespace)).toBe(72);
  expect(await namespaceRetentionHours(stack.env.connection, 'default')).toBe(72);
});

test('off: every status read is refused; on again: only events started since are listed', async () => {
  const fn = await createFn(stack.client, 'switch', 'index.sleep');
  const endedBefore = await start(fn, false);
  const runningBefore = await start(fn, true);
  await eventually(async () => (await listIds(stack.client, fn)).totalCount === 2, 30000);

  await setTracking(stack.client, fn, false);
  const { body: config } = await stack.client.get(`/v1/namespaces/default/functions/${fn}`);
  expect(config.traceEnable).toBe(false);
  for (const suffix of ['', '/overview']) {
    expectRefused(await stack.client.get(eventsPath(fn, suffix)));
    expectRefused(
      await stack.client.get(
        eventsPath(fn, suffix, { qualifier: '$LATEST', startTimeFrom: '2001-01-01T00:00:00Z' }),
      ),
    );
  }
  const exported = await readNdjson(stack.client, eventsPath(fn, '/export'));
  expect([exported.status, JSON.parse(exported.text).error.code]).toEqual([
    400,
    'UnsupportedOperation.StatusTracking',
  ]);
  expectRefused(await stack.client.get(`/v1/events/${endedBefore}`));
  expectRefused(await stack.client.get(`/v1/events/${runningBefore}`));
  // The namespace export leaves the function out.
  const namespaceExport = await readNdjson(stack.client, '/v1/namespaces/default/events/export');
  expect(namespaceExport.records.filter((r) => r.functionName === fn)).toEqual([]);

  // Invocations still run while tracking is off; their events cannot be read.
  const file = pidFile();
  const whileOff = await invoke(stack.client, fn, { pidFile: file, ms: 0 });
  expectRefused(await stack.client.get(`/v1/events/${whileOff}`));
  await stack.env.client.workflow.getHandle(whileOff).result();
  const stillRunning = await start(fn, true);

  // The switch is stored, not held by the API process.
  await stack.restartApi();
  expectRefused(await stack.client.get(eventsPath(fn)));

  await setTracking(stack.client, fn, true);
  const endedAfter = await start(fn, false);
  const runningAfter = await start(fn, true);
  // All six are in Temporal's visibility: the four from before are left out on purpose, not by lag.
  await visibleInTemporal(fn, 6);
  await eventually(async () => (await listIds(stack.client, fn)).totalCount === 2, 30000);

  const { totalCount, ids } = await listIds(stack.client, fn, { order: 'ASC', limit: 100 });
  expect({ totalCount, ids }).toEqual({ totalCount: 2, ids: [endedAfter, runningAfter] });
  // Even the events still running that started before the switch are not listed.
  expect((await listIds(stack.client, fn, { status: 'RUNNING' })).ids).toEqual([runningAfter]);
  expect((await listIds(stack.client, fn, { requestId: stillRunning })).ids).toEqual([]);
  expect((await listIds(stack.client, fn, { requestId: endedBefore })).ids).toEqual([]);
  const ended = await listIds(stack.client, fn, { orderBy: 'EndTime', order: 'DESC' });
  expect(ended.ids).toEqual([runningAfter, endedAfter]);

  const { body: overview } = await stack.client.get(eventsPath(fn, '/overview'));
  expect(overview).toEqual({ total: 2, counts: { RUNNING: 1, FINISHED: 1, FAILED: 0, ABORTED: 0 } });
  const fnExport = await readNdjson(stack.client, eventsPath(fn, '/export'));
  expect(fnExport.records.map((r) => r.requestId).sort()).toEqual([endedAfter, runningAfter].sort());
  const nsExport = await readNdjson(stack.client, '/v1/namespaces/default/events/export');
  expect(
    nsExport.records
      .filter((r) => r.functionName === fn)
      .map((r) => r.requestId)
      .sort(),
  ).toEqual([endedAfter, runningAfter].sort());

  const { status, body } = await stack.client.get(`/v1/events/${endedAfter}`);
  expect([status, body.status]).toEqual([200, 'FINISHED']);
});

test('turning tracking on when it is already on keeps its events', async () => {
  const fn = await createFn(stack.client, 'keep', 'index.sleep');
  const id = await start(fn, false);
  await eventually(async () => (await listIds(stack.client, fn)).totalCount === 1, 30000);
  await setTracking(stack.client, fn, true);
  expect((await listIds(stack.client, fn)).ids).toEqual([id]);
});

test('a function created with tracking off has no status reads', async () => {
  const fn = await createFn(stack.client, 'untracked', 'index.sleep', { traceEnable: false });
  const id = await start(fn, false);
  for (const suffix of ['', '/overview']) expectRefused(await stack.client.get(eventsPath(fn, suffix)));
  expectRefused(await stack.client.get(`/v1/events/${id}`));
  expect((await readNdjson(stack.client, eventsPath(fn, '/export'))).status).toBe(400);
});

test('a synchronous function cannot have tracking, and has no status reads', async () => {
  const fn = await createFn(stack.client, 'sync', 'index.syncEcho', { asyncRunEnable: false, timeout: 3 });
  expectRefused(await stack.client.get(eventsPath(fn)));
  expectRefused(await stack.client.get(eventsPath(fn, '/overview')));
  const patch = await stack.client.request('PATCH', `/v1/namespaces/default/functions/${fn}/configuration`, {
    traceEnable: true,
  });
  expect([patch.status, patch.body.error.code]).toEqual([400, 'InvalidParameterValue.TraceEnable']);
});
