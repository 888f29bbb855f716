/** Reserved concurrency: a cap across workers, a line in arrival order, terminating while waiting, freed slots. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { eventInputOf, eventStartOptions } from '../src/events/start-options';
import { poolWorkflowId } from '../src/registry/function-limits';
import { eventually, exchangePath, sharedExchangeFile, uniqueName } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { waitForEnd } from './helpers/logs';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  // 30 s of burst: five invocations at once fit the async rate of concurrency 2 (a tenth per second).
  stack = await startTestStack({ LONGHAUL_INVOKE_BURST_SECONDS: '30' });
  await stack.startWorker(); // two workers: the cap holds across them, not per worker
});
afterAll(async () => {
  await stack?.stop();
});

/** A function of 128 MB with a reservation of `slots` × 128 MB. */
async function functionWithSlots(slots: number): Promise<string> {
  const name = await createToolboxFunction(stack.client, uniqueName('slots'), {
    handler: 'index.slot',
    memorySize: 128,
    traceEnable: true,
  });
  const put = await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/reserved-concurrency`, {
    reservedConcurrencyMemMb: slots * 128,
  });
  expect(put.status).toBe(200);
  expect(put.body.concurrency).toBe(slots);
  return name;
}

interface JournalEntry {
  kind: 'start' | 'end';
  label: string;
  at: number;
}

function readJournal(file: string): JournalEntry[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, label, at] = line.split(' ');
      return { kind: kind as JournalEntry['kind'], label: label!, at: Number(at) };
    });
}

const started = (journal: string) => readJournal(journal).filter((e) => e.kind === 'start').map((e) => e.label);

/** The most events the functions themselves saw running at once. */
function peakConcurrency(entries: JournalEntry[]): number {
  let running = 0;
  let peak = 0;
  for (const entry of [...entries].sort((a, b) => a.at - b.at || (a.kind === 'end' ? -1 : 1))) {
    running += entry.kind === 'start' ? 1 : -1;
    peak = Math.max(peak, running);
  }
  return peak;
}

async function invokeSlot(name: string, label: string, journal: string): Promise<{ requestId: string; release: string }> {
  const release = exchangePath(`release-${label}`);
  const response = await stack.client.post(invokePath(name), { label, journal, releaseFile: release });
  expect(response.status).toBe(202);
  return { requestId: response.body.requestId as string, release };
}

const releaseEvent = (event: { release: string }) => fs.writeFileSync(event.release, 'go');
const getEvent = async (requestId: string) => (await stack.client.get(`/v1/events/${requestId}`)).body;

test('with concurrency 2, five events never run more than 2 at once, start in arrival order, and a waiting one can be terminated', async () => {
  const name = await functionWithSlots(2);
  const journal = sharedExchangeFile('journal');
  const events = [];
  for (const label of ['e0', 'e1', 'e2', 'e3', 'e4']) events.push(await invokeSlot(name, label, journal));
  const [e0, e1, e2, e3, e4] = events as [typeof events[0], typeof events[0], typeof events[0], typeof events[0], typeof events[0]];

  await eventually(() => started(journal).length === 2);
  expect(started(journal).sort()).toEqual(['e0', 'e1']);

  // The three others wait in line: RUNNING to SCF, QUEUED here, with their places and how long they waited.
  const queued = await eventually(async () => {
    const views = await Promise.all([e2, e3, e4].map((e) => getEvent(e.requestId)));
    return views.every((v) => v.phase === 'QUEUED') && views;
  });
  expect(queued.map((v) => v.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
  expect(queued.map((v) => v.queue.position)).toEqual([1, 2, 3]);
  expect(queued[0].queue.waitingCount).toBe(3);
  expect(queued[0].queue.inUseMb).toBe(256);
  expect(queued[0].queue.waitedMs).toBeGreaterThan(0);
  const running = await getEvent(e0.requestId);
  expect(running.phase).toBe('RUNNING');

  // Terminated while waiting: ABORTED at once, it never runs, and the one behind it moves up.
  const terminated = await stack.client.post(`/v1/events/${e3.requestId}/terminate`, {});
  expect(terminated.status).toBe(200);
  expect(terminated.body.status).toBe('ABORTED');
  expect(terminated.body.statusCode).toBe(499);
  await eventually(async () => (await getEvent(e4.requestId)).queue?.position === 2);

  releaseEvent(e0);
  await eventually(() => started(journal).length === 3);
  expect(started(journal)[2]).toBe('e2');
  expect((await getEvent(e4.requestId)).queue.position).toBe(1);
  releaseEvent(e1);
  await eventually(() => started(journal).length === 4);
  expect(started(journal)[3]).toBe('e4');
  releaseEvent(e2);
  releaseEvent(e4);

  for (const e of [e0, e1, e2, e4]) expect((await waitForEnd(stack.client, e.requestId)).status).toBe('FINISHED');
  const entries = readJournal(journal);
  expect(peakConcurrency(entries)).toBe(2);
  expect(started(journal)).not.toContain('e3');
}, 90_000);

test('a slot held by an event terminated from outside longhaul (Temporal Web UI) is freed within seconds', async () => {
  const name = await functionWithSlots(1);
  const journal = sharedExchangeFile('journal');
  const holder = await invokeSlot(name, 'holder', journal);
  await eventually(() => started(journal).length === 1);
  const waiter = await invokeSlot(name, 'waiter', journal);
  await eventually(async () => (await getEvent(waiter.requestId)).phase === 'QUEUED');

  // An operator's Terminate runs no workflow code: the event cannot give its slot back itself.
  const terminatedAt = Date.now();
  await stack.env.client.workflow.getHandle(holder.requestId).terminate('operator terminate in the Web UI');
  await eventually(() => started(journal).includes('waiter'), 20_000);
  expect(Date.now() - terminatedAt).toBeLessThan(15_000);
  releaseEvent(waiter);
  expect((await waitForEnd(stack.client, waiter.requestId)).status).toBe('FINISHED');
}, 60_000);

test('functions without a reservation share the account pool; raising a reservation starts waiting events at once', async () => {
  const name = await functionWithSlots(1);
  const journal = sharedExchangeFile('journal');
  const first = await invokeSlot(name, 'first', journal);
  await eventually(() => started(journal).includes('first'));
  const second = await invokeSlot(name, 'second', journal);
  await eventually(async () => (await getEvent(second.requestId)).phase === 'QUEUED');
  expect(started(journal)).toEqual(['first']);

  const put = await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/reserved-concurrency`, {
    reservedConcurrencyMemMb: 256,
  });
  expect(put.status).toBe(200);
  await eventually(() => started(journal).length === 2);
  for (const e of [first, second]) releaseEvent(e);
  for (const e of [first, second]) expect((await waitForEnd(stack.client, e.requestId)).status).toBe('FINISHED');

  // Without a reservation an event joins the account's pool (128,000 MB by default): it starts at once.
  const unreserved = await createToolboxFunction(stack.client, uniqueName('shared'), { handler: 'index.slot', traceEnable: true });
  const shared = await invokeSlot(unreserved, 'shared', journal);
  await eventually(() => started(journal).includes('shared'));
  const view = await getEvent(shared.requestId);
  expect(view.phase).toBe('RUNNING');
  releaseEvent(shared);
  expect((await waitForEnd(stack.client, shared.requestId)).status).toBe('FINISHED');
}, 60_000);

describe('an account of 256 MB', () => {
  let small: TestStack;
  beforeAll(async () => {
    small = await startTestStack({ LONGHAUL_ACCOUNT_CONCURRENCY_MB: '256' });
  });
  afterAll(async () => {
    await small?.stop();
  });

  test('functions without a reservation share the account-wide total across functions', async () => {
    const create = () => createToolboxFunction(small.client, uniqueName('shared'), { handler: 'index.slot', memorySize: 128 });
    const [a, b] = [await create(), await create()];
    const journal = sharedExchangeFile('journal');
    const invoke = async (name: string, label: string) => {
      const release = exchangePath(`release-${label}`);
      const response = await small.client.post(invokePath(name), { label, journal, releaseFile: release });
      expect(response.status).toBe(202);
      return { requestId: response.body.requestId as string, release };
    };
    const first = await invoke(a, 'a1');
    const second = await invoke(b, 'b1');
    await eventually(() => started(journal).length === 2);
    // Two events of 128 MB fill the account's 256 MB, whichever functions they belong to.
    const third = await invoke(a, 'a2');
    const waiting = await eventually(async () => {
      const view = (await small.client.get(`/v1/events/${third.requestId}`)).body;
      return view.phase === 'QUEUED' && view;
    });
    expect(waiting.queue).toMatchObject({ position: 1, capacityMb: 256, inUseMb: 256 });
    releaseEvent(second);
    await eventually(() => started(journal).includes('a2'));
    for (const e of [first, third]) releaseEvent(e);
    for (const e of [first, second, third]) expect((await waitForEnd(small.client, e.requestId)).status).toBe('FINISHED');
    expect(peakConcurrency(readJournal(journal))).toBe(2);
  }, 60_000);
});

test('an event whose API died before it joined its pool joins it itself, after a grace of 10 s', async () => {
  const name = await functionWithSlots(1);
  const journal = sharedExchangeFile('journal');
  const release = exchangePath('release-orphan');
  // As the gateway would start it, minus its early join: what an API that died right after the start leaves.
  const fn = stack.stores.registry.get(stack.accountId, 'default', name, '$LATEST');
  const pool = stack.stores.limits.poolOf(fn);
  const requestId = randomUUID();
  const input = eventInputOf(requestId, fn, 'API', { label: 'orphan', journal, releaseFile: release }, stack.config, {
    concurrency: { poolId: poolWorkflowId(stack.config.taskQueue, pool.poolKey), capacityMb: pool.capacityMb, arrivedAtMs: Date.now() },
    retry: stack.stores.limits.invokeConfig(stack.accountId, 'default', name),
  });
  const startedAt = Date.now();
  await stack.env.client.workflow.start('functionEventWorkflow', eventStartOptions(input, stack.config.taskQueue));
  await eventually(() => started(journal).includes('orphan'), 30_000);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(9_900);
  releaseEvent({ release });
  expect((await waitForEnd(stack.client, requestId)).status).toBe('FINISHED');
}, 60_000);
