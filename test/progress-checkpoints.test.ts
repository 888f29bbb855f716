/** Progress and checkpoints (beyond SCF): shown while an event runs, and carried over to the next attempt. */
import fs from 'node:fs';
import { eventually, exchangePath, uniqueName, zipFixture } from './helpers/fixtures';
import { invokePath } from './helpers/functions';
import { waitForEnd } from './helpers/logs';
import { type TestStack, startTestStack } from './helpers/stack';
import { WorkerProcesses, stopInProcessWorkers } from './helpers/worker-processes';

let stack: TestStack;
const workers = new WorkerProcesses(() => stack);
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await workers.killAll();
  await stack?.stop();
});

async function create(runtime: string, handler: string): Promise<string> {
  const name = uniqueName(handler);
  const response = await stack.client.post('/v1/namespaces/default/functions', {
    functionName: name,
    runtime,
    handler: `index.${handler}`,
    code: { zipFile: await zipFixture('progress') },
    timeout: 120,
    asyncRunEnable: true,
    traceEnable: true,
    logsetId: 'progress',
    topicId: 'tests',
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return name;
}

const holdFile = () => {
  const file = exchangePath('hold');
  fs.writeFileSync(file, 'hold');
  fs.chmodSync(file, 0o666);
  return file;
};

test.each([
  ['Nodejs18.15', { value: 50, message: 'halfway' }],
  ['Python3.9', { value: 25, message: 'python quarter' }],
])('%s: progress shows in the event while it runs, and in what Temporal shows operators', async (runtime, expected) => {
  const name = await create(runtime, 'report');
  const hold = holdFile();
  const { body } = await stack.client.post(invokePath(name), { holdFile: hold });
  const running = await eventually(async () => {
    const event = (await stack.client.get(`/v1/events/${body.requestId}`)).body;
    return event.progress?.value === expected.value ? event : undefined;
  }, 20000);
  expect(running).toMatchObject({ status: 'RUNNING', attempt: 1, progress: expected });
  expect(Date.parse(running.progress.updatedAt)).toBeGreaterThan(Date.now() - 60000);
  // The Web UI shows the pending activity's heartbeat details: the same report.
  const description = await stack.env.client.workflow.getHandle(body.requestId).describe();
  expect(description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.length).toBe(1);
  fs.rmSync(hold);
  const ended = await waitForEnd(stack.client, body.requestId);
  expect(ended.status).toBe('FINISHED');
  expect(ended.progress).toBeUndefined(); // only while running
});

test('bad progress values and oversized checkpoints are refused inside the function', async () => {
  const name = await create('Nodejs18.15', 'misuse');
  const { body } = await stack.client.post(invokePath(name), {});
  const ended = await waitForEnd(stack.client, body.requestId);
  expect(ended.result).toEqual({ refused: ['RangeError', 'RangeError', 'RangeError'], checkpoint: null });
});

test('killing the worker process mid-event: the next attempt, on a second worker, resumes from the checkpoint', async () => {
  const name = await create('Nodejs18.15', 'resumable');
  await stopInProcessWorkers(stack);
  const first = workers.spawn();
  const { body } = await stack.client.post(invokePath(name), { steps: 30, stepMs: 250 });
  // Wait until several steps are checkpointed and a heartbeat carrying them has reached the server.
  await eventually(async () => {
    const event = (await stack.client.get(`/v1/events/${body.requestId}`)).body;
    return (event.progress?.value ?? 0) >= 20 ? event : undefined;
  }, 60000);
  first.kill('SIGKILL');
  workers.spawn();
  const ended = await waitForEnd(stack.client, body.requestId, 90000);
  expect(ended.status).toBe('FINISHED');
  expect(ended.result.resumedFrom).toBeGreaterThanOrEqual(6);
  expect(ended.result.resumedFrom).toBeLessThan(30);
  // The log shows both attempts; the second starts right after the checkpointed step.
  const lines = (await stack.client.get(`/v1/events/${body.requestId}/logs?limit=10000`)).body.lines as { attempt: number; text: string }[];
  const second = lines.filter((l) => l.attempt === 2 && l.text.startsWith('step '));
  expect(second[0]?.text).toBe(`step ${ended.result.resumedFrom + 1}`);
  expect(lines.some((l) => l.attempt === 1 && l.text === `step ${ended.result.resumedFrom}`)).toBe(true);
}, 150000);
