import fs from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { requestIdFor } from '../src/events/request-id';
import { type TestStack, startTestStack } from './helpers/stack';
import { eventually, sharedExchangeFile, uniqueName, zipFixture } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';

let stack: TestStack;
let accountId: string;
beforeAll(async () => {
  stack = await startTestStack();
  accountId = stack.stores.accounts.accountOfKey(JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8')).secretId)!;
});
afterAll(async () => {
  await stack?.stop();
});

async function ended(requestId: string) {
  return eventually(async () => {
    const { body } = await stack.client.get(`/v1/events/${requestId}`);
    return body.status !== 'RUNNING' ? body : undefined;
  }, 30000);
}

async function workflowExists(requestId: string): Promise<boolean> {
  try {
    await stack.env.client.workflow.getHandle(requestId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

test('an async event over 128 KB is refused with 406 and nothing is started', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('big'));
  const key = 'too-big-1';
  const event = JSON.stringify({ blob: 'x'.repeat(128 * 1024) });
  const response = await stack.client.post(invokePath(name), event, { 'idempotency-key': key });
  expect(response.status).toBe(406);
  expect(response.body.error.code).toBe('RequestTooLarge.Event');
  const { addTime } = (await stack.client.get(`/v1/namespaces/default/functions/${name}`)).body;
  const requestId = requestIdFor({ accountId, namespace: 'default', functionName: name, functionCreatedAt: addTime }, key);
  expect(await workflowExists(requestId)).toBe(false);
  // The same key works once the event fits: the refused call did not use it up.
  const fitting = await stack.client.post(invokePath(name), { small: true }, { 'idempotency-key': key });
  expect(fitting.body).toMatchObject({ requestId, duplicate: false });

  const justUnder = JSON.stringify({ blob: 'x'.repeat(128 * 1024 - 20) });
  expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(128 * 1024);
  expect((await stack.client.post(invokePath(name), justUnder)).status).toBe(202);
});

test('an event that is not JSON is refused', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('notjson'));
  const response = await stack.client.post(invokePath(name), '{not json');
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('InvalidParameterValue.Param');
});

test('an unknown function or version is not found, and nothing is started', async () => {
  const missing = await stack.client.post(invokePath('no-such-function'), {}, { 'idempotency-key': 'k1' });
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('ResourceNotFound.Function');
  // Visibility is eventually consistent: once an event started after the refused call is visible, the
  // refused one would be too, had it been started.
  const sentinelFn = await createToolboxFunction(stack.client, uniqueName('sentinel'));
  const sentinel = (await stack.client.post(invokePath(sentinelFn), {})).body.requestId;
  await eventually(async () => (await stack.env.client.workflow.count(`WorkflowId = '${sentinel}'`)).count === 1);
  expect((await stack.env.client.workflow.count(`LonghaulFunction = 'no-such-function'`)).count).toBe(0);

  const name = await createToolboxFunction(stack.client, uniqueName('versions'));
  const badVersion = await stack.client.post(invokePath(name, '?qualifier=7'), {});
  expect(badVersion.status).toBe(404);
  expect(badVersion.body.error.code).toBe('ResourceNotFound.Version');

  const badNamespace = await stack.client.post(`/v1/namespaces/nowhere/functions/${name}/invocations`, {});
  expect(badNamespace.body.error.code).toBe('ResourceNotFound.Namespace');

  const unknownEvent = await stack.client.get('/v1/events/00000000-0000-4000-8000-000000000000');
  expect(unknownEvent.status).toBe(404);
  expect(unknownEvent.body.error.code).toBe('ResourceNotFound.AsyncEvent');
});

test('invoking twice with one idempotency key returns one RequestId and runs once', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('idem'), { handler: 'index.count' });
  const counterFile = sharedExchangeFile(`${name}.count`);
  const first = await stack.client.post(invokePath(name), { counterFile, ms: 500 }, { 'idempotency-key': 'order-42' });
  const second = await stack.client.post(invokePath(name), { counterFile, ms: 500 }, { 'idempotency-key': 'order-42' });
  expect(first.status).toBe(202);
  expect(second.status).toBe(202);
  expect(second.body.requestId).toBe(first.body.requestId);
  expect([first.body.duplicate, second.body.duplicate]).toEqual([false, true]);
  await ended(first.body.requestId);
  const third = await stack.client.post(invokePath(name), { counterFile }, { 'idempotency-key': 'order-42' });
  expect(third.body).toMatchObject({ requestId: first.body.requestId, duplicate: true });
  expect(fs.readFileSync(counterFile, 'utf8')).toBe('ran\n');

  expect(third.body.status).toBe('FINISHED');

  const otherKey = await stack.client.post(invokePath(name), { counterFile }, { 'idempotency-key': 'order-43' });
  expect(otherKey.body.requestId).not.toBe(first.body.requestId);

  // A function deleted and created again under the same name starts afresh: the old key runs anew.
  await stack.client.request('DELETE', `/v1/namespaces/default/functions/${name}`);
  await createToolboxFunction(stack.client, name, { handler: 'index.count' });
  const reborn = await stack.client.post(invokePath(name), { counterFile }, { 'idempotency-key': 'order-42' });
  expect(reborn.body).toMatchObject({ duplicate: false });
  expect(reborn.body.requestId).not.toBe(first.body.requestId);
});

test('a function without async execution is invoked synchronously and answers with its result', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('sync'), {
    handler: 'index.syncEcho',
    asyncRunEnable: false,
    timeout: 30,
  });
  const response = await stack.client.post(invokePath(name), { hello: 'world' });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ status: 'FINISHED', statusCode: 200, result: { sync: true, event: { hello: 'world' } } });
  expect(response.body.durationMs).toBeGreaterThanOrEqual(0);
  expect(response.body.memUsageBytes).toBeGreaterThan(1024 * 1024);
});

test('an event runs the code of the version it was invoked with, not what $LATEST became', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('pinned'), { handler: 'index.syncEcho' });
  const published = await stack.client.post(`/v1/namespaces/default/functions/${name}/versions`, { description: 'v1' });
  expect(published.body.version).toBe('1');
  const changed = await stack.client.request('PATCH', `/v1/namespaces/default/functions/${name}/configuration`, {
    environment: { GREETING: 'changed' },
  });
  expect(changed.status).toBe(200);
  // $LATEST now echoes with env; version 1 keeps the handler and empty environment it was published with.
  await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/code`, {
    code: { zipFile: await zipFixture('toolbox') },
    handler: 'index.echo',
  });
  const v1 = await stack.client.post(invokePath(name, '?qualifier=1'), { a: 1 });
  const latest = await stack.client.post(invokePath(name), { a: 1 });
  const [v1Event, latestEvent] = await Promise.all([ended(v1.body.requestId), ended(latest.body.requestId)]);
  expect(v1Event).toMatchObject({ qualifier: '1', result: { sync: true } });
  expect(latestEvent).toMatchObject({ qualifier: '$LATEST', result: { greeting: 'changed' } });
});
