/** RetryNum (user errors retried with backoff, each attempt visible) and MsgTTL (an event too long in line fails). */
import fs from 'node:fs';
import { exchangePath, sharedExchangeFile, uniqueName, eventually } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { readAllLines, waitForEnd } from './helpers/logs';
import { scfClient } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  // 30 s of burst: the MsgTTL case invokes twice at once a function of concurrency 1 (0.1 per second).
  stack = await startTestStack({ LONGHAUL_INVOKE_BURST_SECONDS: '30' });
});
afterAll(async () => {
  await stack?.stop();
});

async function flakyFunction(retryNum: number): Promise<string> {
  const name = await createToolboxFunction(stack.client, uniqueName('flaky'), {
    handler: 'index.flaky',
    traceEnable: true,
    logsetId: 'retries',
    topicId: 'tests',
  });
  const put = await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/invoke-config`, { retryNum });
  expect(put.body).toEqual({ retryNum, msgTtlSeconds: 21600 });
  return name;
}

const runTimes = (counterFile: string) => fs.readFileSync(counterFile, 'utf8').split('\n').filter(Boolean).map(Number);

test('RetryNum 2: a user error is retried with backoff, and every attempt shows in the detail and the log', async () => {
  const name = await flakyFunction(2);
  const counterFile = sharedExchangeFile('runs');
  const { body } = await stack.client.post(invokePath(name), { counterFile, failTimes: 2 });
  const event = await waitForEnd(stack.client, body.requestId, 60_000);

  expect(event.status).toBe('FINISHED');
  expect(event.result).toEqual({ runs: 3 });
  const times = runTimes(counterFile);
  expect(times).toHaveLength(3);
  // Backoff of 2 s, then 4 s (less the time a run takes to start, measured from run to run).
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_900);
  expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(3_900);
  expect(event.attempts.map((a: { attempt: number; statusCode: number; message: string }) => [a.attempt, a.statusCode, a.message])).toEqual([
    [1, 430, 'flaky failure 1'],
    [2, 430, 'flaky failure 2'],
  ]);

  const lines = await readAllLines(stack.client, body.requestId);
  const attempts = [...new Set(lines.map((l) => l.attempt))];
  expect(attempts).toEqual([1, 2, 3]);
  for (const attempt of attempts) {
    const own = lines.filter((l) => l.attempt === attempt).map((l) => l.text);
    expect(own[0]).toMatch(/^\[PLATFORM\] START/);
    expect(own).toContain(`run ${attempt}`);
    expect(own.at(-1)).toMatch(/^\[PLATFORM\] REPORT/);
  }
}, 90_000);

test('RetryNum 1: an event that keeps failing ends FAILED after two runs; RetryNum 0 runs once', async () => {
  const once = await flakyFunction(1);
  const counterFile = sharedExchangeFile('runs');
  const { body } = await stack.client.post(invokePath(once), { counterFile, failTimes: 10 });
  const event = await waitForEnd(stack.client, body.requestId, 60_000);
  expect(event.status).toBe('FAILED');
  expect(event.statusCode).toBe(430);
  expect(event.error.message).toBe('flaky failure 2');
  expect(runTimes(counterFile)).toHaveLength(2);
  expect(event.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2]);

  const never = await flakyFunction(0);
  const single = sharedExchangeFile('runs');
  const { body: b2 } = await stack.client.post(invokePath(never), { counterFile: single, failTimes: 10 });
  const failed = await waitForEnd(stack.client, b2.requestId, 60_000);
  expect(failed.status).toBe('FAILED');
  expect(runTimes(single)).toHaveLength(1);
  expect(failed.attempts).toBeUndefined();
}, 90_000);

test('the SCF actions set and read the same settings', async () => {
  const name = await flakyFunction(0);
  const scf = scfClient(stack);
  await scf.UpdateFunctionEventInvokeConfig({
    FunctionName: name,
    AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 2 }], MsgTTL: 600 },
  });
  expect((await stack.client.get(`/v1/namespaces/default/functions/${name}/invoke-config`)).body).toEqual({
    retryNum: 2,
    msgTtlSeconds: 600,
  });
});

test('MsgTTL: an event that waits in line longer than its MsgTTL fails with 432 and never runs', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('ttl'), {
    handler: 'index.slot',
    memorySize: 128,
    timeout: 600, // the holder must outlive the waiter's MsgTTL
    traceEnable: true,
  });
  const base = `/v1/namespaces/default/functions/${name}`;
  expect((await stack.client.request('PUT', `${base}/reserved-concurrency`, { reservedConcurrencyMemMb: 128 })).status).toBe(200);
  expect((await stack.client.request('PUT', `${base}/invoke-config`, { msgTtlSeconds: 60 })).status).toBe(200);
  const journal = sharedExchangeFile('journal');
  const holdRelease = exchangePath('release-holder');
  const holder = (await stack.client.post(invokePath(name), { label: 'holder', journal, releaseFile: holdRelease })).body.requestId;
  await eventually(() => fs.readFileSync(journal, 'utf8').includes('start holder'));
  const invokedAt = Date.now();
  const waiter = (await stack.client.post(invokePath(name), { label: 'waiter', journal, releaseFile: exchangePath('release-waiter') }))
    .body.requestId;

  const expired = await waitForEnd(stack.client, waiter, 90_000);
  const waited = Date.now() - invokedAt;
  expect(expired.status).toBe('FAILED');
  expect(expired.statusCode).toBe(432);
  expect(expired.error.type).toBe('EventExpired');
  expect(expired.error.message).toMatch(/MsgTTL \(60 s\)/);
  expect(waited).toBeGreaterThanOrEqual(59_000);
  expect(waited).toBeLessThan(75_000);
  expect(fs.readFileSync(journal, 'utf8')).not.toContain('waiter');
  const scfStatus = await scfClient(stack).GetAsyncEventStatus({ InvokeRequestId: waiter });
  expect(scfStatus.Result).toMatchObject({ Status: 'FAILED', StatusCode: 432 });

  fs.writeFileSync(holdRelease, 'go');
  expect((await waitForEnd(stack.client, holder)).status).toBe('FINISHED');
}, 120_000);
