import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { requestIdFor } from '../../src/events/request-id';
import { eventInputOf, eventStartOptions } from '../../src/events/start-options';
import { bundleWorkflows } from '../common/dev-stack';
import { type BenchPayload, invokeTypeMix, plan, statusTally, versions } from './mix';
import { type BenchStack, benchFunction, rssMb, visibleEvents } from './stack';
import { createStandIn } from './stand-in';

/**
 * What the data dir holds, kept next to it (bench-fill.json) so a later run knows whether to fill, top up,
 * or only measure. `launched` is the next index of the plan to start; `settled` is set once visibility showed
 * every started event with its final status, and then `count` and `running` are what it showed.
 */
export interface FillManifest {
  launched: number;
  settled: boolean;
  count?: number;
  running?: number;
}

const manifestFile = (dataDir: string) => path.join(dataDir, 'bench-fill.json');

export function readManifest(dataDir: string): FillManifest | undefined {
  const file = manifestFile(dataDir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as FillManifest) : undefined;
}

function writeManifest(dataDir: string, manifest: FillManifest): void {
  fs.writeFileSync(manifestFile(dataDir), JSON.stringify(manifest, null, 2) + '\n');
}

export interface FillResult {
  /** Events started by this run (0 when the dir was already full). */
  started: number;
  startSeconds: number;
  /** From the first start until visibility had every final status. */
  fillSeconds: number;
}

/** The bench worker: the real workflow bundle, the stand-in activity. Stopped by the stack's cleanup. */
async function startBenchWorker(stack: BenchStack, maxRunning: number, onAbortStarted: (id: string) => void) {
  const workflowBundle = await bundleWorkflows();
  const connection = await NativeConnection.connect({ address: stack.devServer.address });
  const standIn = createStandIn({ onAbortStarted });
  const worker = await Worker.create({
    connection,
    namespace: stack.config.temporalNamespace,
    taskQueue: stack.config.taskQueue,
    workflowBundle,
    activities: standIn.activities,
    // Every RUNNING event holds a slot until the end, plus room for the ones passing through.
    maxConcurrentActivityTaskExecutions: maxRunning + 2000,
    maxConcurrentWorkflowTaskExecutions: 100,
    // Heartbeats reach the server at 0.8 × the heartbeat timeout, capped here: 8 s for `abort` events
    // (timeout 10 s, so a cancel lands within seconds), 240 s for the idle `run` ones (timeout 300 s).
    maxHeartbeatThrottleInterval: '240s',
    defaultHeartbeatThrottleInterval: '8s',
    shutdownGraceTime: '1s',
  });
  const run = worker.run();
  stack.onCleanup(async () => {
    // The server goes first: a worker shutting down with thousands of running activities would otherwise
    // report each one back (and the server would schedule retries) before it lets go.
    await stack.devServer.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    const ended = await Promise.race([
      run.then(
        () => true,
        () => true,
      ),
      sleep(10_000).then(() => false),
    ]);
    if (ended) await connection.close();
    else console.log('  worker still draining after 10 s; the process exit ends it');
  });
  return standIn;
}

/** Cancels `abort` events as their activity starts, as a terminate would; tracks the calls in flight. */
function abortCanceller(stack: BenchStack) {
  const inFlight = new Set<Promise<void>>();
  let failures = 0;
  const cancel = (workflowId: string) => {
    const call = stack.temporal.client.workflow
      .getHandle(workflowId)
      .cancel()
      .then(
        () => undefined,
        () => void (failures += 1),
      )
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };
  return { cancel, inFlight: () => inFlight.size, failures: () => failures };
}

/**
 * Fills (or tops up) the stack to `target` events of the plan, started in bulk through the Temporal client
 * with the gateway's own start options, then waits until visibility shows every final status.
 */
export async function fill(
  stack: BenchStack,
  target: number,
  options: { concurrency: number; window: number },
): Promise<FillResult> {
  const before = readManifest(stack.dataDir);
  // A dir filled before manifests existed: the plan was started in order, so resume at what visibility holds.
  const from = before?.launched ?? (await visibleEvents(stack)).count;
  const planned = plan(target);
  const tally = statusTally(planned.slice(from));
  const canceller = abortCanceller(stack);
  const standIn = await startBenchWorker(stack, statusTally(planned).RUNNING, canceller.cancel);
  console.log(
    from >= target
      ? `\nno events to start (${from} launched before); waiting for visibility to settle`
      : `\nfilling plan events ${from}..${target - 1}: ${tally.FINISHED} FINISHED, ${tally.FAILED} FAILED, ` +
          `${tally.ABORTED} ABORTED, ${tally.RUNNING} RUNNING; versions ${versions.join('/')}, ` +
          `invoke types ${invokeTypeMix.map(([t]) => t).join('/')}`,
  );
  const fillStart = performance.now();
  const manifest: FillManifest = { launched: from, settled: false };
  writeManifest(stack.dataDir, manifest);
  let started = 0;
  const progress = setInterval(() => {
    writeManifest(stack.dataDir, manifest);
    const s = (performance.now() - fillStart) / 1000;
    console.log(
      `  ${s.toFixed(0)} s: ${started} started (${(started / s).toFixed(0)}/s), ${standIn.activitiesRun()} activities run, ` +
        `rss ${rssMb('self')} MB, server rss ${rssMb(stack.devServer.process.pid!)} MB`,
    );
  }, 15_000);
  try {
    await startPlanned(stack, planned, manifest, options, {
      backlog: () => started - standIn.activitiesRun(),
      onStarted: () => void (started += 1),
    });
  } finally {
    clearInterval(progress);
    writeManifest(stack.dataDir, manifest);
  }
  const startSeconds = (performance.now() - fillStart) / 1000;
  if (started)
    console.log(
      `${started} started in ${startSeconds.toFixed(1)} s: ${(started / startSeconds).toFixed(0)} starts/s`,
    );
  // A fresh fill knows exactly what visibility must show; a top-up of an interrupted fill only knows the count.
  const expected = before
    ? undefined
    : { count: from + started, running: from === 0 ? statusTally(planned).RUNNING : undefined };
  const final = await settle(stack, () => canceller.inFlight(), expected);
  writeManifest(stack.dataDir, { ...manifest, settled: true, ...final });
  const fillSeconds = (performance.now() - fillStart) / 1000;
  console.log(
    `filled: visibility holds ${final.count} events (${final.running} running), settled ${fillSeconds.toFixed(1)} s after the first start` +
      (started ? `: ${(started / fillSeconds).toFixed(0)} events/s end to end` : '') +
      (canceller.failures() ? ` (${canceller.failures()} cancel calls failed)` : ''),
  );
  return { started, startSeconds, fillSeconds };
}

/** Starts plan events manifest.launched..end with bounded concurrency and a bounded backlog for the worker. */
async function startPlanned(
  stack: BenchStack,
  planned: ReturnType<typeof plan>,
  manifest: FillManifest,
  options: { concurrency: number; window: number },
  progress: { backlog(): number; onStarted(): void },
): Promise<void> {
  const { config } = stack;
  const startOne = async (seq: number) => {
    const p = planned[seq]!;
    const fn = stack.versions.get(p.version)!;
    const requestId = requestIdFor({
      accountId: fn.accountId,
      ...benchFunction,
      functionName: fn.name,
      functionCreatedAt: fn.addTime,
    });
    const input = eventInputOf(requestId, fn, p.invokeType, { bench: p.kind, seq } satisfies BenchPayload, {
      // The configured default, except for the events left running: the longest allowed, so 10 % of the
      // events idling until the end cost a heartbeat each every 240 s, not one a second.
      heartbeatTimeoutSeconds: p.kind === 'run' ? 300 : config.heartbeatTimeoutSeconds,
      terminateGraceSeconds: config.terminateGraceSeconds,
    });
    await startPatiently(stack, eventStartOptions(input, config.taskQueue));
    progress.onStarted();
  };
  const lanes = Array.from({ length: options.concurrency }, async () => {
    for (;;) {
      // Back-pressure: flooding the dev server with starts starves the worker's own calls (SQLite, one writer).
      while (progress.backlog() >= options.window) await sleep(10);
      // Taken after the wait: other lanes moved on meanwhile.
      if (manifest.launched >= planned.length) return;
      await startOne(manifest.launched++);
    }
  });
  await Promise.all(lanes);
}

/**
 * Starts one workflow, riding out the dev server's overload answers (`shard status unknown`, deadlines: its
 * SQLite is one writer, shared here with other work on the machine) for up to two minutes. A retry that
 * finds the workflow already started means the earlier attempt got through.
 */
async function startPatiently(
  stack: BenchStack,
  options: ReturnType<typeof eventStartOptions>,
): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await stack.temporal.client.workflow.start('functionEventWorkflow', options);
      return;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && attempt > 1) return;
      if (Date.now() > giveUpAt) throw err;
      await sleep(Math.min(10_000, 250 * 2 ** attempt));
    }
  }
}

/**
 * Waits until visibility stops changing: every started event listed, no cancel in flight, and the running
 * count (the `run` events, plus any left over from an interrupted fill until they end) steady for 30 s.
 */
async function settle(
  stack: BenchStack,
  cancelsInFlight: () => number,
  expected: { count: number; running: number | undefined } | undefined,
): Promise<{ count: number; running: number }> {
  const waitStart = performance.now();
  let last = '';
  let lastChange = performance.now();
  let lastLog = 0;
  for (;;) {
    const now = await visibleEvents(stack);
    const key = `${now.count}/${now.running}/${cancelsInFlight()}`;
    if (key !== last) [last, lastChange] = [key, performance.now()];
    const steadyMs = performance.now() - lastChange;
    const asExpected =
      !expected ||
      (now.count === expected.count && (expected.running === undefined || now.running === expected.running));
    if (cancelsInFlight() === 0 && asExpected && steadyMs >= 30_000) return now;
    if (steadyMs > 10 * 60_000)
      throw new Error(`visibility stuck at ${key} (count/running/cancels) for 10 min`);
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      console.log(
        `  settling ${((performance.now() - waitStart) / 1000).toFixed(0)} s: visibility has ${now.count}, ` +
          `${now.running} running; ${cancelsInFlight()} cancels in flight`,
      );
    }
    await sleep(1000);
  }
}
