/** Async invocation and status tracking over the SCF endpoint, driven by the official SDK. */
import { eventually, exchangePath, processAlive, readPid, uniqueName, zipFixture } from './helpers/fixtures';
import { type ScfClient, errorCode, scfClient, secondAccount } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';
import { formatScfTime } from '../src/events/scf-time';

const timeZone = 'Asia/Shanghai';
let stack: TestStack;
let scf: ScfClient;
let zip: string;
beforeAll(async () => {
  stack = await startTestStack({ LONGHAUL_TIME_ZONE: timeZone });
  scf = scfClient(stack);
  zip = await zipFixture('toolbox');
}, 120000);
afterAll(async () => {
  await stack?.stop();
});

/** A function-facing file path: in the exchange dir, which a sandboxed function can write (unlike the data dir). */
const tmp = (name: string) => exchangePath(name);

async function createAsync(handler: string): Promise<string> {
  const name = uniqueName('scf-async');
  await scf.CreateFunction({
    FunctionName: name,
    Code: { ZipFile: zip },
    Handler: handler,
    Timeout: 600,
    AsyncRunEnable: 'TRUE',
    TraceEnable: 'TRUE',
  });
  return name;
}

async function invokeAsync(name: string, event: unknown): Promise<string> {
  const invoked = await scf.Invoke({
    FunctionName: name,
    InvocationType: 'Event',
    ClientContext: JSON.stringify(event),
  });
  const id = invoked.Result!.FunctionRequestId!;
  expect(invoked.RequestId).toBe(id);
  return id;
}

async function statusOf(id: string) {
  return (await scf.GetAsyncEventStatus({ InvokeRequestId: id })).Result!;
}

async function waitForStatus(id: string, status: string) {
  return eventually(async () => {
    const result = await statusOf(id);
    return result.Status === status ? result : undefined;
  }, 30000);
}

test('an async Invoke returns the event id at once; GetAsyncEventStatus follows it to FINISHED', async () => {
  const name = await createAsync('index.echo');
  const before = new Date(Date.now() - 1000);
  const id = await invokeAsync(name, { n: 1 });
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(await waitForStatus(id, 'FINISHED')).toEqual({
    Status: 'FINISHED',
    StatusCode: 200,
    InvokeRequestId: id,
  });

  const failing = await createAsync('index.fail');
  const failedId = await invokeAsync(failing, { reason: 'x' });
  expect(await waitForStatus(failedId, 'FAILED')).toMatchObject({ StatusCode: 430 });

  const listed = await scf.ListAsyncEvents({ FunctionName: name });
  expect(listed.TotalCount).toBe(1);
  const [event] = listed.EventList;
  expect(event).toMatchObject({
    InvokeRequestId: id,
    InvokeType: 'API',
    Qualifier: '$LATEST',
    Status: 'FINISHED',
  });
  expect(event!.StartTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  expect(event!.EndTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  // In the configured zone: the start is after `before` as that zone's wall clock shows it.
  expect(event!.StartTime >= formatScfTime(before, timeZone)).toBe(true);

  expect(
    await errorCode(scf.GetAsyncEventStatus({ InvokeRequestId: '00000000-0000-4000-8000-000000000000' })),
  ).toBe('ResourceNotFound.AsyncEvent');
});

test('ListAsyncEvents filters by status, time, id and pages in order', async () => {
  const name = await createAsync('index.echo');
  const start = new Date(Date.now() - 1000);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await invokeAsync(name, { i }));
  for (const id of ids) await waitForStatus(id, 'FINISHED');
  const end = new Date(Date.now() + 2000);

  const all = await scf.ListAsyncEvents({ FunctionName: name, Order: 'ASC' });
  expect(all.EventList.map((e) => e.InvokeRequestId)).toEqual(ids);
  const page = await scf.ListAsyncEvents({ FunctionName: name, Order: 'DESC', Offset: 1, Limit: 1 });
  expect(page).toMatchObject({ TotalCount: 3, EventList: [{ InvokeRequestId: ids[1] }] });

  const interval = {
    Start: formatScfTime(start, timeZone).slice(0, 19),
    End: formatScfTime(end, timeZone).slice(0, 19),
  };
  expect((await scf.ListAsyncEvents({ FunctionName: name, StartTimeInterval: interval })).TotalCount).toBe(3);
  expect(
    (await scf.ListAsyncEvents({ FunctionName: name, EndTimeInterval: interval, Status: ['FINISHED'] }))
      .TotalCount,
  ).toBe(3);
  expect((await scf.ListAsyncEvents({ FunctionName: name, Status: ['RUNNING', 'FAILED'] })).TotalCount).toBe(
    0,
  );
  expect((await scf.ListAsyncEvents({ FunctionName: name, InvokeType: ['TIMER'] })).TotalCount).toBe(0);
  expect(
    (await scf.ListAsyncEvents({ FunctionName: name, InvokeRequestId: ids[2] })).EventList.map(
      (e) => e.InvokeRequestId,
    ),
  ).toEqual([ids[2]]);
  const earlier = { Start: '2020-01-01 00:00:00', End: '2020-01-02 00:00:00' };
  expect((await scf.ListAsyncEvents({ FunctionName: name, StartTimeInterval: earlier })).TotalCount).toBe(0);

  expect(await errorCode(scf.ListAsyncEvents({ FunctionName: name, Status: ['DONE'] }))).toBe(
    'InvalidParameterValue.Status',
  );
  expect(await errorCode(scf.ListAsyncEvents({ FunctionName: name, Limit: 101 }))).toBe(
    'InvalidParameterValue.Limit',
  );
  expect(await errorCode(scf.ListAsyncEvents({ FunctionName: name, Order: 'UP' }))).toBe(
    'InvalidParameterValue.Order',
  );
  expect(
    await errorCode(
      scf.ListAsyncEvents({
        FunctionName: name,
        StartTimeInterval: { Start: '2026-12-03T08:00:00Z', End: '2026-12-04 08:00:00' },
      }),
    ),
  ).toBe('InvalidParameterValue.StartTimeInterval');
  expect(await errorCode(scf.ListAsyncEvents({ FunctionName: name, Qualifier: '9' }))).toBe(
    'ResourceNotFound.Version',
  );

  const overview = await scf.request('GetAsyncEventOverview', { FunctionName: name });
  expect(overview).toMatchObject({
    TotalCount: 3,
    StatusCounts: { RUNNING: 0, FINISHED: 3, FAILED: 0, ABORTED: 0 },
  });
  const none = await scf.request('GetAsyncEventOverview', { FunctionName: name, StartTimeInterval: earlier });
  expect(none).toMatchObject({ TotalCount: 0 });
});

test('TerminateAsyncEvent kills at once, or with GraceShutdown sends SIGTERM first; both end ABORTED', async () => {
  const sleeper = await createAsync('index.sleep');
  const pidFile = tmp('pid');
  const forcedId = await invokeAsync(sleeper, { pidFile, ms: 600000 });
  const pid = await readPid(pidFile);
  await scf.TerminateAsyncEvent({ FunctionName: sleeper, InvokeRequestId: forcedId });
  expect(await statusOf(forcedId)).toMatchObject({ Status: 'ABORTED', StatusCode: 499 });
  expect(processAlive(pid)).toBe(false);
  expect(
    await errorCode(
      scf.TerminateAsyncEvent({ FunctionName: sleeper, InvokeRequestId: forcedId, GraceShutdown: true }),
    ),
  ).toBe('FailedOperation.AsyncEventStatus');

  const handler = await createAsync('index.handleTerm');
  const gracefulPid = tmp('pid');
  const cleanupFile = tmp('cleanup');
  const gracefulId = await invokeAsync(handler, { pidFile: gracefulPid, cleanupFile });
  await readPid(gracefulPid);
  // The event belongs to another function: not found under this one.
  expect(
    await errorCode(scf.TerminateAsyncEvent({ FunctionName: sleeper, InvokeRequestId: gracefulId })),
  ).toBe('ResourceNotFound.AsyncEvent');
  await scf.TerminateAsyncEvent({ FunctionName: handler, InvokeRequestId: gracefulId, GraceShutdown: true });
  expect(await statusOf(gracefulId)).toMatchObject({ Status: 'ABORTED', StatusCode: 499 });
  const fs = await import('node:fs');
  expect(fs.readFileSync(cleanupFile, 'utf8')).toBe('cleaned');

  const overview = await scf.request('GetAsyncEventOverview', { FunctionName: sleeper });
  expect(overview).toMatchObject({ TotalCount: 1, StatusCounts: { ABORTED: 1 } });
});

test("another account sees none of the first account's functions or events", async () => {
  const name = await createAsync('index.echo');
  const id = await invokeAsync(name, { secret: true });
  await waitForStatus(id, 'FINISHED');

  const other = scfClient(stack, secondAccount(stack));
  expect(await errorCode(other.GetFunction({ FunctionName: name }))).toBe('ResourceNotFound.Function');
  expect(await errorCode(other.Invoke({ FunctionName: name }))).toBe('ResourceNotFound.Function');
  expect(await errorCode(other.GetAsyncEventStatus({ InvokeRequestId: id }))).toBe(
    'ResourceNotFound.AsyncEvent',
  );
  expect(await errorCode(other.ListAsyncEvents({ FunctionName: name }))).toBe('ResourceNotFound.Function');
  expect(await errorCode(other.TerminateAsyncEvent({ FunctionName: name, InvokeRequestId: id }))).toBe(
    'ResourceNotFound.Function',
  );
  expect((await other.ListFunctions({})).TotalCount).toBe(0);
  // Its own function of the same name holds none of the first account's events.
  await other.CreateFunction({
    FunctionName: name,
    Code: { ZipFile: zip },
    AsyncRunEnable: 'TRUE',
    Handler: 'index.echo',
  });
  expect(await errorCode(other.TerminateAsyncEvent({ FunctionName: name, InvokeRequestId: id }))).toBe(
    'ResourceNotFound.AsyncEvent',
  );
  expect((await other.ListAsyncEvents({ FunctionName: name })).TotalCount).toBe(0);
});
