// Records real workflow histories for the replay test: runs one event of each kind against the dev server
// and writes each history to test/histories/<scenario>.json. Run it after a deliberate, compatible change of
// workflow code (new scenarios), never to paper over a replay failure:
//   LONGHAUL_TEMPORAL_CLI=~/.cache/longhaul/temporal-cli-v1.5.1/temporal npx tsx scripts/record-histories.ts
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { eventually, readPid } from '../test/helpers/fixtures';
import { createToolboxFunction, invokePath } from '../test/helpers/functions';
import { startTestStack } from '../test/helpers/stack';

const outDir = path.join(__dirname, '..', 'test', 'histories');

async function main() {
  const stack = await startTestStack();
  const tmp = (name: string) => path.join(stack.dataDir, name);
  const invoke = async (scenario: string, handler: string, event: unknown, options: Record<string, unknown> = {}) => {
    const name = await createToolboxFunction(stack.client, `replay-${scenario}`, { handler, ...options });
    const { body } = await stack.client.post(invokePath(name), event);
    return body.requestId as string;
  };
  const ended = (requestId: string) =>
    eventually(async () => (await stack.client.get(`/v1/events/${requestId}`)).body.status !== 'RUNNING', 60000);

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
    'cancelled-by-operator': async () => {
      const id = await invoke('operator', 'index.handleTerm', { pidFile: tmp('o.pid'), cleanupFile: tmp('o.clean') });
      await readPid(tmp('o.pid'));
      await stack.env.client.workflow.getHandle(id).cancel();
      return id;
    },
  };

  fs.mkdirSync(outDir, { recursive: true });
  try {
    for (const [scenario, run] of Object.entries(scenarios)) {
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
