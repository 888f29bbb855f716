import fs from 'node:fs';
import { type TestStack, startTestStack } from './helpers/stack';
import { eventually, processAlive, sharedExchangeFile, uniqueName } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { WorkerProcesses, findFunctionProcess, stopInProcessWorkers } from './helpers/worker-processes';

let stack: TestStack;
const workerProcesses = new WorkerProcesses(() => stack);

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await workerProcesses.killAll();
  await stack?.stop();
});

test('a worker stopped mid-event hands the event back and another worker finishes it', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('handback'), { handler: 'index.count' });
  const counterFile = sharedExchangeFile(`${name}.count`);
  // Longer than the worker's 3 s shutdown grace, so the stop interrupts it.
  const accepted = await stack.client.post(invokePath(name), { counterFile, ms: 8000 });
  await eventually(() => fs.readFileSync(counterFile, 'utf8') !== '', 30000);
  const runner = await eventually(() => findFunctionProcess(process.pid), 10000);
  await stack.startWorker();
  stack.worker.shutdown();
  await stack.workerRun;
  expect(processAlive(runner)).toBe(false);
  const finished = await eventually(async () => {
    const { body } = await stack.client.get(`/v1/events/${accepted.body.requestId}`);
    return body.status === 'FINISHED' ? body : undefined;
  }, 60000);
  expect(finished.result).toEqual({ runs: 2 });
}, 90000);

test('killing the worker process mid-event and restarting the API loses no event', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('durable'), {
    handler: 'index.count',
    logsetId: 'durable-logs',
    topicId: 'durable-topic',
  });
  const counterFile = sharedExchangeFile(`${name}.count`);
  // Only worker processes this test can kill may run this event: stop the in-process ones first.
  await stopInProcessWorkers(stack);
  const firstWorker = workerProcesses.spawn();

  // The count handler records each attempt; this one waits long enough to be caught mid-run.
  const accepted = await stack.client.post(invokePath(name), { counterFile, ms: 8000 });
  expect(accepted.status).toBe(202);
  await eventually(() => fs.readFileSync(counterFile, 'utf8') !== '', 60000);
  const running = await eventually(() => findFunctionProcess(firstWorker.pid!), 10000);

  firstWorker.kill('SIGKILL');
  await stack.restartApi();
  // The user process does not outlive its worker: it notices the closed control pipe and kills its group.
  await eventually(() => !processAlive(running), 10000);
  expect((await stack.client.get(`/v1/events/${accepted.body.requestId}`)).body.status).toBe('RUNNING');

  workerProcesses.spawn();
  const finished = await eventually(async () => {
    const { body } = await stack.client.get(`/v1/events/${accepted.body.requestId}`);
    return body.status === 'FINISHED' ? body : undefined;
  }, 90000);
  expect(finished.result).toEqual({ runs: 2 });
  expect(fs.readFileSync(counterFile, 'utf8')).toBe('ran\nran\n');
  // The event's log shows both attempts: the first cut off by the kill, the second to its report.
  const { body } = await stack.client.get(`/v1/events/${accepted.body.requestId}/logs`);
  const lines = body.lines as { attempt: number; text: string }[];
  const summary = lines.map((l) => `${l.attempt} ${l.text.split(' ').slice(0, 2).join(' ')}`);
  expect(summary).toEqual(['1 [PLATFORM] START', '2 [PLATFORM] START', '2 [PLATFORM] END', '2 [PLATFORM] REPORT']);
  expect(lines[3]!.text).toContain('Status: 200 Exit: code 0');
}, 150000);
