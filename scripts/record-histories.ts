// Records real workflow histories for the replay test: runs one event of each kind against the dev server
// and writes each history to test/histories/<scenario>.json. Run it after a deliberate, compatible change of
// workflow code (new scenarios), never to paper over a replay failure:
//   LONGHAUL_TEMPORAL_CLI=~/.cache/longhaul/temporal-cli-v1.5.1/temporal npx tsx scripts/record-histories.ts [scenario ...]
// With scenario names, only those are recorded: the histories of earlier workflow versions are kept as they
// are, since they prove that events accepted by those versions still replay.
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { eventually, exchangePath, readPid, sharedExchangeFile } from '../test/helpers/fixtures';
import { createToolboxFunction, invokePath } from '../test/helpers/functions';
import { startTestStack } from '../test/helpers/stack';

const outDir = path.join(__dirname, '..', 'test', 'histories');

async function main() {
  // A burst large enough for the pooled scenarios, which invoke a function of concurrency 1 twice at once.
  const stack = await startTestStack({ LONGHAUL_INVOKE_BURST_SECONDS: '60' });
  // Sandboxed functions cannot write the data dir: exchange files live where every uid can write.
  const tmp = (name: string) => exchangePath(name);
  const invoke = async (scenario: string, handler: string, event: unknown, options: Record<string, unknown> = {}) => {
    const name = await createToolboxFunction(stack.client, `replay-${scenario}`, { handler, ...options });
    const { body } = await stack.client.post(invokePath(name), event);
    return body.requestId as string;
  };
  const ended = (requestId: string) =>
    eventually(async () => (await stack.client.get(`/v1/events/${requestId}`)).body.status !== 'RUNNING', 60000);

  const limit = async (name: string, route: string, body: unknown) => {
    const response = await stack.client.request('PUT', `/v1/namespaces/default/functions/${name}/${route}`, body);
    if (response.status !== 200) throw new Error(`${route}: ${JSON.stringify(response.body)}`);
  };
  const journal = sharedExchangeFile('journal');
  const holderRelease = tmp('holder.release');
  let holder = '';
  let slotFunction = '';

  const scenarios: Record<string, () => Promise<string>> = {
    finished: () => invoke('finished', 'index.echo', { a: 1 }),
    failed: () => invoke('failed', 'index.fail', { reason: 'recorded' }),
    timeout: () => invoke('timeout', 'index.sleep', { pidFile: tmp('t.pid'), ms: 60000 }, { timeout: 1 }),
    sync: () => invoke('sync', 'index.syncEcho', { a: 1 }, { asyncRunEnable: false }),
    'terminated-forced': async () => {
      const id = await invoke('forced', 'index.sleep', { pidFile: tmp('f.pid'), ms: 600000 });
      await readPid(tmp('f.pid'));
      await stack.client.post(`/v1/events/${id}/terminate`, { graceful: false });
      return id;
    },
    'terminated-graceful-ignored': async () => {
      const id = await invoke('graceful', 'index.ignoreTerm', { pidFile: tmp('g.pid') });
      await readPid(tmp('g.pid'));
      await stack.client.post(`/v1/events/${id}/terminate`, { graceful: true, gracePeriodSeconds: 1 });
      return id;
    },
    // The gateway joined the pool early; the grant came within the grace, so the event never joined itself.
    'pooled-granted-at-once': () => invoke('granted', 'index.echo', { a: 1 }),
    // An event that waited for a slot (concurrency 1) and was terminated while waiting.
    'pooled-queued-terminated': async () => {
      slotFunction = await createToolboxFunction(stack.client, 'replay-pooled', { handler: 'index.slot', memorySize: 128, timeout: 600 });
      await limit(slotFunction, 'reserved-concurrency', { reservedConcurrencyMemMb: 128 });
      holder = (await stack.client.post(invokePath(slotFunction), { label: 'holder', journal, releaseFile: holderRelease })).body.requestId;
      await eventually(() => fs.readFileSync(journal, 'utf8').includes('start holder'));
      const waiter = (await stack.client.post(invokePath(slotFunction), { label: 'w', journal, releaseFile: tmp('w.release') })).body
        .requestId as string;
      await eventually(async () => (await stack.client.get(`/v1/events/${waiter}`)).body.phase === 'QUEUED');
      await stack.client.post(`/v1/events/${waiter}/terminate`, {});
      return waiter;
    },
    // The event that held the slot meanwhile, released afterwards.
    'pooled-finished': () => {
      fs.writeFileSync(holderRelease, 'go');
      return Promise.resolve(holder);
    },
    // RetryNum 1: failed once, retried after the backoff, finished.
    'pooled-retried-finished': async () => {
      const name = await createToolboxFunction(stack.client, 'replay-retried', { handler: 'index.flaky' });
      await limit(name, 'invoke-config', { retryNum: 1 });
      return (await stack.client.post(invokePath(name), { counterFile: sharedExchangeFile('runs'), failTimes: 1 })).body.requestId;
    },
    // MsgTTL 60 s passed while it waited: FAILED 432 without running.
    'pooled-expired': async () => {
      await limit(slotFunction, 'invoke-config', { msgTtlSeconds: 60 });
      const release = tmp('h2.release');
      const blocker = (await stack.client.post(invokePath(slotFunction), { label: 'h2', journal, releaseFile: release })).body.requestId;
      await eventually(() => fs.readFileSync(journal, 'utf8').includes('start h2'));
      const waiter = (await stack.client.post(invokePath(slotFunction), { label: 'x', journal, releaseFile: tmp('x.release') })).body
        .requestId as string;
      await eventually(async () => (await stack.client.get(`/v1/events/${waiter}`)).body.status === 'FAILED', 90000);
      fs.writeFileSync(release, 'go');
      await eventually(async () => (await stack.client.get(`/v1/events/${blocker}`)).body.status === 'FINISHED');
      return waiter;
    },
    'cancelled-by-operator': async () => {
      const id = await invoke('operator', 'index.handleTerm', { pidFile: tmp('o.pid'), cleanupFile: tmp('o.clean') });
      await readPid(tmp('o.pid'));
      await stack.env.client.workflow.getHandle(id).cancel();
      return id;
    },
  };

  fs.mkdirSync(outDir, { recursive: true });
  try {
    const only = process.argv.slice(2);
    const unknown = only.filter((name) => !(name in scenarios));
    if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')}`);
    for (const [scenario, run] of Object.entries(scenarios)) {
      if (only.length > 0 && !only.includes(scenario)) continue;
      const requestId = await run();
      await ended(requestId);
      const history = await stack.env.client.workflow.getHandle(requestId).fetchHistory();
      fs.writeFileSync(path.join(outDir, `${scenario}.json`), historyToJSON(history));
      console.log(`recorded ${scenario} (${history.events?.length ?? 0} events)`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
