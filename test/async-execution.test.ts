import fs from 'node:fs';
import { searchAttributes as sa } from '../workflows/search-attributes';
import { type TestStack, startTestStack } from './helpers/stack';
import { eventually, exchangePath, processAlive, readPid, uniqueName } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function createWithHandler(handler: string, options: Record<string, unknown> = {}) {
  return createToolboxFunction(stack.client, uniqueName(handler.replace('index.', '')), { handler, ...options });
}

async function waitForEnd(requestId: string) {
  return eventually(async () => {
    const { body } = await stack.client.get(`/v1/events/${requestId}`);
    return body.status !== 'RUNNING' ? body : undefined;
  }, 60000);
}

/** A function-facing file path: in the exchange dir, which a sandboxed function can write (unlike the data dir). */
const tmp = (name: string) => exchangePath(name);

test('a function that returns ends FINISHED with its result, its context and only its own environment', async () => {
  const name = await createWithHandler('index.echo', { environment: { GREETING: 'hello' } });
  const accepted = await stack.client.post(invokePath(name), { n: 1 });
  expect(accepted.status).toBe(202);
  expect(accepted.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  const event = await waitForEnd(accepted.body.requestId);
  expect(event).toMatchObject({ status: 'FINISHED', statusCode: 200, functionName: name, qualifier: '$LATEST' });
  expect(event.result).toMatchObject({
    event: { n: 1 },
    requestId: accepted.body.requestId,
    functionName: name,
    functionVersion: '$LATEST',
    namespace: 'default',
    greeting: 'hello',
    serviceEnvironmentLeaked: [],
    scfFunctionName: name,
  });
  expect(event.result.remainingMs).toBeGreaterThan(50000);
  expect(event.logTail).toContain('echo handler running');
  expect(event.logTail).toContain('a line on stderr');
  expect(Date.parse(event.endTime)).toBeGreaterThanOrEqual(Date.parse(event.startTime));

  // What an operator sees in the Temporal Web UI: a readable summary and the search attributes.
  const description = await stack.env.client.workflow.getHandle(accepted.body.requestId).describe();
  expect(await description.staticSummary()).toBe(`default/${name}:$LATEST (API, async)`);
  const attrs = description.typedSearchAttributes;
  expect([attrs.get(sa.functionName), attrs.get(sa.namespace), attrs.get(sa.version), attrs.get(sa.invokeType)]).toEqual([
    name,
    'default',
    '$LATEST',
    'API',
  ]);
  expect(attrs.get(sa.statusCode)).toBe(200);
});

test('a function that throws ends FAILED 430 with its message and stack', async () => {
  const name = await createWithHandler('index.fail');
  const { body } = await stack.client.post(invokePath(name), { reason: 'bad input' });
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'FAILED', statusCode: 430 });
  expect(event.error.message).toBe('boom: bad input');
  expect(event.error.stack).toContain('index.js');
});

test('a function that outlives its timeout ends FAILED 433 and its process is gone', async () => {
  const name = await createWithHandler('index.sleep', { timeout: 2 });
  const pidFile = tmp('pid');
  const { body } = await stack.client.post(invokePath(name), { pidFile, ms: 60000 });
  const pid = await readPid(pidFile);
  expect(processAlive(pid)).toBe(true);
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'FAILED', statusCode: 433 });
  expect(processAlive(pid)).toBe(false);
});

test('a process that exits without answering ends FAILED 439', async () => {
  const name = await createWithHandler('index.exitHard');
  const { body } = await stack.client.post(invokePath(name), {});
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'FAILED', statusCode: 439 });
  expect(event.error.message).toContain('exited with code 3');
});

test('a handler missing from the package ends FAILED 437', async () => {
  const name = await createWithHandler('index.nothingHere');
  const { body } = await stack.client.post(invokePath(name), {});
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'FAILED', statusCode: 437 });
});

test('a forced terminate kills the whole process tree at once and the event ends ABORTED', async () => {
  const name = await createWithHandler('index.sleep');
  const pidFile = tmp('pid');
  const grandchildPidFile = tmp('grandchild');
  const { body } = await stack.client.post(invokePath(name), { pidFile, grandchildPidFile, ms: 600000 });
  const pid = await readPid(pidFile);
  const grandchild = await readPid(grandchildPidFile);
  const started = Date.now();
  const terminated = await stack.client.post(`/v1/events/${body.requestId}/terminate`, { graceful: false });
  expect(terminated.status).toBe(200);
  expect(terminated.body).toMatchObject({ status: 'ABORTED', statusCode: 499 });
  expect(Date.now() - started).toBeLessThan(10000);
  expect(processAlive(pid)).toBe(false);
  expect(processAlive(grandchild)).toBe(false);
});

test('a graceful terminate sends SIGTERM; a handler that cleans up and exits ends ABORTED 499', async () => {
  const name = await createWithHandler('index.handleTerm');
  const pidFile = tmp('pid');
  const cleanupFile = tmp('cleanup');
  const { body } = await stack.client.post(invokePath(name), { pidFile, cleanupFile });
  const pid = await readPid(pidFile);
  const terminated = await stack.client.post(`/v1/events/${body.requestId}/terminate`, {
    graceful: true,
    gracePeriodSeconds: 10,
  });
  expect(terminated.body).toMatchObject({ status: 'ABORTED', statusCode: 499 });
  expect(fs.readFileSync(cleanupFile, 'utf8')).toBe('cleaned');
  expect(terminated.body.logTail).toContain('SIGTERM received, cleaning up');
  expect(terminated.body.logTail).toContain('[PLATFORM] Signal received successfully');
  expect(processAlive(pid)).toBe(false);
});

test('a handler that ignores SIGTERM is killed after the grace period and ends ABORTED 439', async () => {
  const name = await createWithHandler('index.ignoreTerm');
  const pidFile = tmp('pid');
  const { body } = await stack.client.post(invokePath(name), { pidFile });
  const pid = await readPid(pidFile);
  const started = Date.now();
  const terminated = await stack.client.post(`/v1/events/${body.requestId}/terminate`, {
    graceful: true,
    gracePeriodSeconds: 2,
  });
  expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  expect(terminated.body).toMatchObject({ status: 'ABORTED', statusCode: 439 });
  expect(terminated.body.logTail).toContain('SIGTERM ignored');
  expect(processAlive(pid)).toBe(false);
});

test('terminating an event that has ended is a clear error', async () => {
  const name = await createWithHandler('index.echo');
  const { body } = await stack.client.post(invokePath(name), {});
  await waitForEnd(body.requestId);
  const again = await stack.client.post(`/v1/events/${body.requestId}/terminate`, {});
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('FailedOperation.AsyncEventStatus');
});

test('an operator cancelling the workflow in Temporal stops the process gracefully (default grace)', async () => {
  const name = await createWithHandler('index.handleTerm');
  const pidFile = tmp('pid');
  const cleanupFile = tmp('cleanup');
  const { body } = await stack.client.post(invokePath(name), { pidFile, cleanupFile });
  const pid = await readPid(pidFile);
  await stack.env.client.workflow.getHandle(body.requestId).cancel();
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'ABORTED', statusCode: 499 });
  expect(fs.readFileSync(cleanupFile, 'utf8')).toBe('cleaned');
  expect(processAlive(pid)).toBe(false);
});

test('an operator terminating the workflow in Temporal leaves no process behind', async () => {
  const name = await createWithHandler('index.ignoreTerm');
  const pidFile = tmp('pid');
  const { body } = await stack.client.post(invokePath(name), { pidFile });
  const pid = await readPid(pidFile);
  await stack.env.client.workflow.getHandle(body.requestId).terminate('operator says stop');
  const event = await waitForEnd(body.requestId);
  expect(event).toMatchObject({ status: 'ABORTED', statusCode: 499 });
  // The activity learns of it at its next heartbeat (about a second) and kills the group.
  await eventually(() => !processAlive(pid), 10000);
});
