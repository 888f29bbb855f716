import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundle } from './helpers/stack';

const historiesDir = path.join(__dirname, 'histories');

/** Every recorded history (scripts/record-histories.ts), by scenario name. */
function recordedHistories() {
  return fs
    .readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8'))),
    }));
}

async function replayAll(bundle: Awaited<ReturnType<typeof workflowBundle>>) {
  const failures: Record<string, string> = {};
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, recordedHistories())) {
    if (result.error) failures[result.workflowId] = `${result.error.name}: ${result.error.message}`;
  }
  return failures;
}

test('the recorded histories cover every way an event ends', () => {
  expect(recordedHistories().map((h) => h.workflowId).sort()).toEqual([
    'cancelled-by-operator',
    'failed',
    'finished',
    // Recorded after concurrency pools and RetryNum came (behind patched()); granted-at-once after the
    // grace before a self-join came (a second patch); the others before pools.
    'pooled-expired',
    'pooled-finished',
    'pooled-granted-at-once',
    'pooled-queued-terminated',
    'pooled-retried-finished',
    'sync',
    'terminated-forced',
    'terminated-graceful-ignored',
    'timeout',
  ]);
});

test('the current workflow code replays every recorded history', async () => {
  expect(await replayAll(await workflowBundle())).toEqual({});
});

test('an incompatible workflow change fails the replay', async () => {
  const incompatible = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'fixtures', 'incompatible-workflows', 'index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
  });
  const failures = await replayAll(incompatible);
  expect(Object.keys(failures).sort()).toEqual(recordedHistories().map((h) => h.workflowId).sort());
  expect(Object.values(failures).every((f) => f.startsWith('DeterminismViolationError'))).toBe(true);
});
