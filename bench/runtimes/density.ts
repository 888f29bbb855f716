/**
 * Density: K long-running events (a handler that prints its first line, then sleeps) on the one worker.
 * Once every one of them has printed its first line, the memory of their process groups is summed from
 * /proc (VmRSS, and Pss, which splits shared pages such as the node binary's text among their users), beside
 * the worker process's and the dev server's growth over their idle baseline. Then all are terminated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hiNow } from '../common/clock';
import { loadLine } from '../common/machine';
import { inParallel } from '../common/parallel';
import type { BenchRuntime } from './functions';
import type { BenchStack } from './stack';
import { type ProcMemory, availableMemoryBytes, childrenMatching, memoryOf, processesOfGroups, sumMemory } from './system';

/**
 * The runner file each runtime's processes have on their command line: its name only, since sandboxed
 * events run a copy of it from the sandbox root (only this process's children are counted anyway).
 */
const runnerOf: Partial<Record<BenchRuntime, string>> = {
  'Nodejs18.15': '/node-runner.cjs',
  'Python3.9': '/python-runner.py',
};

export interface DensityRow {
  runtime: BenchRuntime;
  k: number;
  started: number;
  /** Seconds from the first invoke to the last invoke answered, and to every first line seen. */
  invokeSeconds: number;
  startSeconds: number;
  /** Each event's invoke request sent -> its handler's first line, ms. */
  firstLineDelays: number[];
  processes: number;
  functions: ProcMemory;
  workerBefore: ProcMemory;
  workerDuring: ProcMemory;
  devServerBefore: ProcMemory;
  devServerDuring: ProcMemory;
  availableBefore: number;
  availableDuring: number;
  terminateSeconds: number;
  load: string;
}

async function waitForNoRunners(needle: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let left = childrenMatching(needle).length;
  while (left > 0 && Date.now() < deadline) {
    await sleep(250);
    left = childrenMatching(needle).length;
  }
  return left;
}

export async function measureDensity(stack: BenchStack, runtime: BenchRuntime, k: number, startTimeoutMs: number): Promise<DensityRow> {
  const needle = runnerOf[runtime];
  if (!needle) throw new Error(`no density measurement for ${runtime}`);
  if ((await waitForNoRunners(needle, 30_000)) > 0) throw new Error(`runner processes of an earlier step are still alive`);
  await sleep(2000); // let the worker settle after the previous step
  const workerBefore = memoryOf(process.pid);
  const devServerBefore = memoryOf(stack.devServer.process.pid!);
  const availableBefore = availableMemoryBytes();

  const t0 = hiNow();
  const invoked = await inParallel(Array.from({ length: k }), 8, () => stack.invoke(runtime, { sleepMs: 600_000 }));
  const invokeSeconds = (hiNow() - t0) / 1000;
  const ids = invoked.map((i) => i.requestId);
  const sentOf = new Map(invoked.map((i) => [i.requestId, i.sentHi]));
  const firstLineDelays: number[] = [];
  const waiting = new Set(ids);
  const deadline = Date.now() + startTimeoutMs;
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const id of [...waiting]) {
      const printed = await stack.firstLine(id);
      if (printed === undefined) continue;
      waiting.delete(id);
      firstLineDelays.push(printed - sentOf.get(id)!);
    }
    if (waiting.size > 0) await sleep(500);
  }
  const startSeconds = (hiNow() - t0) / 1000;
  await sleep(2000); // the handlers are in their sleep: let the runners' memory settle

  const runners = childrenMatching(needle);
  const groups = new Set(runners); // each runner leads its event's process group (prlimit execs, keeping the pid)
  const members = processesOfGroups(groups);
  const functions = sumMemory(members);
  const workerDuring = memoryOf(process.pid);
  const devServerDuring = memoryOf(stack.devServer.process.pid!);
  const availableDuring = availableMemoryBytes();
  const load = loadLine();

  const t1 = hiNow();
  const codes = await inParallel(ids, 16, (id) => stack.terminate(id));
  const bad = codes.filter((c) => c !== 200).length;
  if (bad) console.log(`  (${bad} terminate call(s) did not answer 200)`);
  const left = await waitForNoRunners(needle, 60_000);
  if (left) console.log(`  (${left} runner process(es) still alive 60 s after the terminates)`);
  const terminateSeconds = (hiNow() - t1) / 1000;

  return {
    runtime,
    k,
    started: k - waiting.size,
    invokeSeconds,
    startSeconds,
    firstLineDelays,
    processes: members.length,
    functions,
    workerBefore,
    workerDuring,
    devServerBefore,
    devServerDuring,
    availableBefore,
    availableDuring,
    terminateSeconds,
    load,
  };
}
