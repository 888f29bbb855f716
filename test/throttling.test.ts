/** Async QPS throttling (SCF's rule: a tenth of the function's concurrency per second), leaving no trace. */
import { eventually, uniqueName } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { waitForEnd } from './helpers/logs';
import { scfClient } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A function whose concurrency is `slots` events of 128 MB. */
async function functionWithSlots(slots: number): Promise<string> {
  const name = await createToolboxFunction(stack.client, uniqueName('throttled'), { memorySize: 128, traceEnable: true });
  const put = await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/reserved-concurrency`, {
    reservedConcurrencyMemMb: slots * 128,
  });
  expect(put.status).toBe(200);
  return name;
}

/** Every workflow Temporal has for the function: what an invocation leaves behind, if anything. */
async function workflowsOf(name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of stack.env.client.workflow.list({ query: `LonghaulFunction = '${name}'` })) ids.push(w.workflowId);
  return ids;
}

test('invocations over a tenth of the concurrency per second are refused at once and appear nowhere', async () => {
  // Concurrency 2: 0.2 invocations per second, 2 at once after a quiet spell (10 s of the rate).
  const name = await functionWithSlots(2);
  const responses = [];
  for (let i = 0; i < 5; i++) responses.push(await stack.client.post(invokePath(name), { i }));
  expect(responses.map((r) => r.status)).toEqual([202, 202, 429, 429, 429]);
  const refused = responses[2]!.body;
  expect(refused.error.code).toBe('LimitExceeded');
  expect(refused.error.message).toMatch(/at most 0\.2 async invocations per second/);
  expect(refused.requestId).toBeDefined();
  expect(refused.error.requestId).toBeUndefined();

  const accepted = responses.slice(0, 2).map((r) => r.body.requestId as string);
  for (const id of accepted) expect((await waitForEnd(stack.client, id)).status).toBe('FINISHED');
  // Visibility is eventually consistent: wait until both accepted events are listed, then nothing else may be.
  const list = async () => (await stack.client.get(`/v1/namespaces/default/functions/${name}/events`)).body;
  let listed = await list();
  for (let i = 0; i < 100 && listed.totalCount < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    listed = await list();
  }
  expect(listed.totalCount).toBe(2);
  expect(listed.events.map((e: { requestId: string }) => e.requestId).sort()).toEqual([...accepted].sort());
  const overview = (await stack.client.get(`/v1/namespaces/default/functions/${name}/events/overview`)).body;
  expect(overview.total).toBe(2);
  expect((await workflowsOf(name)).sort()).toEqual([...accepted].sort());
  // The refusal's request id names no event.
  expect((await stack.client.get(`/v1/events/${refused.requestId}`)).status).toBe(404);

  // The bucket refills at the rate: after 5 s one more is let in.
  await new Promise((r) => setTimeout(r, 5_200));
  expect((await stack.client.post(invokePath(name), { late: true })).status).toBe(202);
  expect((await stack.client.post(invokePath(name), { late: true })).status).toBe(429);
}, 60_000);

test('a repeat of an accepted idempotency key is answered even when the function is throttled', async () => {
  const name = await functionWithSlots(1);
  const headers = { 'idempotency-key': `key-${Date.now()}` };
  const first = await stack.client.post(invokePath(name), { a: 1 }, headers);
  expect(first.status).toBe(202);
  expect((await stack.client.post(invokePath(name), { other: true })).status).toBe(429);
  const repeat = await stack.client.post(invokePath(name), { a: 1 }, headers);
  expect(repeat.status).toBe(202);
  expect(repeat.body.requestId).toBe(first.body.requestId);
  expect(repeat.body.duplicate).toBe(true);
});

test('concurrency 0 (a reservation smaller than the memory size) refuses every async invocation', async () => {
  const name = await functionWithSlots(0);
  const response = await stack.client.post(invokePath(name), {});
  expect(response.status).toBe(429);
  expect(response.body.error.code).toBe('LimitExceeded');
  expect(await workflowsOf(name)).toEqual([]);
});

test('the SCF Invoke action answers LimitExceeded and creates no event', async () => {
  const name = await functionWithSlots(1);
  const scf = scfClient(stack);
  const ok = await scf.Invoke({ FunctionName: name, InvocationType: 'Event', ClientContext: '{}' });
  expect(ok.Result?.FunctionRequestId).toBeDefined();
  // Another body: the endpoint refuses a byte-identical signed request within a second as a replay.
  await expect(scf.Invoke({ FunctionName: name, InvocationType: 'Event', ClientContext: '{"n":2}' })).rejects.toMatchObject({
    code: 'LimitExceeded',
  });
  // Visibility lags a little: wait until the accepted event is listed; the refused one never may be.
  const listed = await eventually(async () => {
    const events = await scf.ListAsyncEvents({ FunctionName: name });
    return events.TotalCount === 1 && events;
  });
  expect(listed.EventList?.map((e) => e.InvokeRequestId)).toEqual([ok.Result?.FunctionRequestId]);
  expect(await workflowsOf(name)).toEqual([ok.Result?.FunctionRequestId]);
});
