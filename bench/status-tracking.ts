/**
 * Status-tracking benchmark: fills an embedded stack (Temporal dev server on a SQLite file, as `npm start`
 * runs it) with many events, then times the list and overview endpoints through real HTTP.
 *
 *   LONGHAUL_TEMPORAL_CLI=/root/.cache/longhaul/temporal-cli-v1.5.1/temporal \
 *     npx tsx bench/status-tracking.ts [--events 100000] [--concurrency 64] [--window 256] \
 *       [--runs 30] [--warmups 3] [--tmp /dev/shm] [--data-dir DIR [--fill-only | --measure-only]]
 *
 * Without --data-dir the stack lives in a temporary dir, removed at the end. With it, the dir is kept: a
 * later run finds the events there (bench-fill.json says how far the fill got), tops the fill up to
 * --events if it holds fewer, and measures. --fill-only stops after the fill; --measure-only measures
 * whatever the dir holds, partial or not.
 *
 * The events are real `functionEventWorkflow` workflows (the real workflow bundle, the gateway's workflow id
 * scheme and start options), started in bulk through the Temporal client. Their `runFunction` activity is
 * a BENCH STAND-IN that runs in this process and spawns no user code (see status-tracking/stand-in.ts).
 * The benchmark measures listing, not execution. See docs/performance.md for measured figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchRun, runBench } from './common/run-bench';
import { type FillResult, fill, readManifest } from './status-tracking/fill';
import { measure } from './status-tracking/measure';
import { type BenchOptions, parseOptions } from './status-tracking/options';
import { printFill, printLatency, printMachine, printResources } from './status-tracking/report';
import { type BenchStack, openStack, waitForQuietServer } from './status-tracking/stack';

/** Fills when the dir needs it (unless told to only measure), then measures (unless told to only fill). */
async function run(stack: BenchStack, options: BenchOptions): Promise<void> {
  const manifest = readManifest(stack.dataDir);
  const full = manifest?.settled === true && manifest.launched >= options.events;
  let fillResult: FillResult | undefined;
  if (!options.measureOnly && !full) {
    fillResult = await fill(stack, options.events, options);
  } else {
    console.log(
      `\nreusing the events in ${stack.dataDir} (${JSON.stringify(manifest ?? 'no bench-fill.json')}); no fill`,
    );
  }
  if (options.fillOnly) return printFill(fillResult, stack.dataDir);
  // After a fill the worker keeps the idle events' activities; without one the server has timers to work off.
  if (!fillResult) await waitForQuietServer(stack);
  const loadBefore = os.loadavg();
  const { total, results } = await measure(stack, options);
  const settled = readManifest(stack.dataDir);
  if (settled?.settled && settled.count !== total) {
    console.log(`WARNING: visibility now holds ${total} events, the fill settled at ${settled.count}`);
  }
  printLatency(total, results, options.runs, options.warmups);
  printFill(fillResult, stack.dataDir);
  printResources(stack, fillResult !== undefined, loadBefore);
  console.log(
    'NOTE: runFunction was a bench stand-in (in-process, no user code): these figures are for listing, not execution.',
  );
}

async function main(options: BenchOptions, bench: BenchRun): Promise<void> {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli)
    throw new Error(
      'LONGHAUL_TEMPORAL_CLI is not set (the temporal CLI binary scripts/bootstrap.mjs resolves)',
    );
  console.log(
    `status-tracking bench: ${options.events} events, ${options.concurrency} starts in flight, ` +
      `${options.warmups} warm-ups + ${options.runs} runs per case`,
  );
  printMachine();
  const dataDir = options.keptDataDir
    ? path.resolve(options.keptDataDir)
    : fs.mkdtempSync(path.join(options.tmpParent, 'longhaul-bench-'));
  const stack = await openStack(cli, dataDir, !options.keptDataDir);
  bench.onCleanup(() => stack.cleanup());
  console.log(
    `dev server ${stack.devServer.address} (pid ${stack.devServer.process.pid}), SQLite file ${stack.sqliteFile}, ` +
      `visibility ${stack.devServer.visibilityIndexed ? 'indexed by longhaul' : 'NOT indexed'}`,
  );
  try {
    await run(stack, options);
  } finally {
    // Not when interrupted: the signal's handler is cleaning up already. The line comes first because the
    // cleanup (a worker letting go of thousands of running activities) can take a while.
    if (!bench.interrupted) {
      console.log(
        `\ncleaning up (API, dev server, worker${options.keptDataDir ? `; keeping ${dataDir}` : ', temp dir'}) ...`,
      );
      await bench.cleanup();
    }
  }
}

const options = parseOptions(process.argv.slice(2));
runBench((bench) => main(options, bench));
