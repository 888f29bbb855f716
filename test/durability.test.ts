import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type TestStack, startTestStack } from './helpers/stack';
import { eventually, processAlive, uniqueName } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';

let stack: TestStack;
const workerProcesses: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  for (const p of workerProcesses) p.kill('SIGKILL');
  await Promise.all(
    workerProcesses.map((p) =>
      p.exitCode === null && p.signalCode === null ? new Promise((resolve) => p.once('exit', resolve)) : Promise.resolve(),
    ),
  );
  await stack?.stop();
});

async function stopInProcessWorkers() {
  for (const { worker, run } of stack.inProcessWorkers) {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await run;
  }
}

/** Starts `src/main/worker.ts` as its own process, the way a deployment runs workers. */
function spawnWorkerProcess(): ChildProcess {
  // `node --import tsx` keeps it one process, so killing it really kills the worker (the tsx CLI would fork).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'src', 'main', 'worker.ts')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.env.address,
      LONGHAUL_DATA_DIR: stack.dataDir,
      LONGHAUL_TASK_QUEUE: stack.config.taskQueue,
      LONGHAUL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workerProcesses.push(child);
  return child;
}

test('a worker stopped mid-event hands the event back and another worker finishes it', async () => {
  const name = await createToolboxFunction(stack.client, uniqueName('handback'), { handler: 'index.count' });
  const counterFile = path.join(stack.dataDir, `${name}.count`);
  // Longer than the worker's 3 s shutdown grace, so the stop interrupts it.
  const accepted = await stack.client.post(invokePath(name), { counterFile, ms: 8000 });
  await eventually(() => fs.existsSync(counterFile), 30000);
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
  const counterFile = path.join(stack.dataDir, `${name}.count`);
  // Only worker processes this test can kill may run this event: stop the in-process ones first.
  await stopInProcessWorkers();
  const firstWorker = spawnWorkerProcess();

  // The count handler records each attempt; this one waits long enough to be caught mid-run.
  const accepted = await stack.client.post(invokePath(name), { counterFile, ms: 8000 });
  expect(accepted.status).toBe(202);
  await eventually(() => fs.existsSync(counterFile), 60000);
  const running = await eventually(() => findFunctionProcess(firstWorker.pid!), 10000);

  firstWorker.kill('SIGKILL');
  await stack.restartApi();
  // The user process does not outlive its worker: it notices the closed control pipe and kills its group.
  await eventually(() => !processAlive(running), 10000);
  expect((await stack.client.get(`/v1/events/${accepted.body.requestId}`)).body.status).toBe('RUNNING');

  spawnWorkerProcess();
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

/** The pid of the function process the worker process started (the runner, a child of that worker). */
function findFunctionProcess(workerPid: number): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const parent = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (cmdline.includes('node-runner.cjs') && parent === workerPid) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
