/**
 * Runtimes benchmark (issue 6): the delay from invoke to the handler's first line (median, p95, p99) for
 * each runtime, beside the cost of a bare process spawn and of the launcher alone measured in the same run,
 * and how many concurrently running events one worker holds, with its memory per event.
 *
 *   LONGHAUL_TEMPORAL_CLI=/root/.cache/longhaul/temporal-cli-v1.5.1/temporal \
 *     npx tsx bench/runtimes.ts [--samples 30] [--warmups 3] [--concurrent 25,50,100] [--python-concurrent 25] \
 *       [--worker-concurrency 200] [--start-timeout 180] [--no-latency] [--no-density]
 *
 * Everything is real: a Temporal dev server (the pinned CLI), the API over HTTP and one worker running the
 * real runFunction activity in this process (runtimes/stack.ts); the functions (runtimes/functions.ts) are
 * zipped, deployed and invoked like any other. Invocations are sequential and round-robin over the
 * runtimes, interleaved with the bare spawns and launcher-alone runs, so all of them see the same load.
 */
import { loadLine, machineLine } from './common/machine';
import { type BenchRun, runBench } from './common/run-bench';
import { fmt } from './common/table';
import { type DensityRow, measureDensity } from './runtimes/density';
import { type BenchRuntime, benchRuntimes } from './runtimes/functions';
import {
  type InvokeSample,
  type LauncherSample,
  type SpawnSample,
  bareCommands,
  invokeOnce,
  launchOnce,
  prepareLauncher,
  spawnOnce,
} from './runtimes/latency';
import { type BenchOptions, type LatencyResults, parseOptions, printDensity, printLatency } from './runtimes/report';
import { type BenchStack, startStack } from './runtimes/stack';
import { availableMemoryBytes, mib } from './runtimes/system';

/** With free memory, which bounds the density steps, and a reminder that the figures came on a shared machine. */
const machine = () => `${machineLine({ freeMemory: true, kernel: true })}; shared with other work`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

async function latency(stack: BenchStack, options: BenchOptions): Promise<LatencyResults> {
  const bare = await bareCommands();
  const launchers = await Promise.all(benchRuntimes.map((runtime) => prepareLauncher(runtime, stack.tmp)));
  // Filled in table order.
  const results: LatencyResults = {
    invokes: new Map(benchRuntimes.map((r) => [r, []])),
    spawns: new Map(bare.map((c) => [c.name, []])),
    launches: new Map(benchRuntimes.map((r) => [r, []])),
  };
  const total = options.warmups + options.samples;
  console.log(`\n== start delays: ${options.warmups} warm-up round(s) (not reported), then ${options.samples} measured; one round =`);
  console.log(`   one invoke per runtime (waited to its end; order rotating), one of each bare spawn, one launcher run per runtime`);
  for (let round = 0; round < total; round++) {
    const measured = round >= options.warmups;
    // The order rotates each round, so no runtime always follows the same one.
    const order = benchRuntimes.map((_, i) => benchRuntimes[(i + round) % benchRuntimes.length]!);
    for (const runtime of order) {
      const sample: InvokeSample = await invokeOnce(stack, runtime);
      if (measured) push(results.invokes, runtime, sample);
    }
    for (const cmd of bare) {
      const sample: SpawnSample = await spawnOnce(cmd);
      if (measured) push(results.spawns, cmd.name, sample);
    }
    for (const setup of launchers) {
      const sample: LauncherSample = await launchOnce(setup);
      if (measured) push(results.launches, setup.runtime, sample);
    }
    if ((round + 1) % 10 === 0 || round + 1 === total) console.log(`  round ${round + 1}/${total} (load ${loadLine()})`);
  }
  return results;
}

async function density(stack: BenchStack, options: BenchOptions): Promise<DensityRow[]> {
  const rows: DensityRow[] = [];
  const steps: [BenchRuntime, number[]][] = [
    ['Nodejs18.15', options.concurrent],
    ['Python3.9', options.pythonConcurrent],
  ];
  console.log(`\n== density: events that print their first line, then sleep (600 s; terminated once measured)`);
  for (const [runtime, ks] of steps) {
    for (const k of ks) {
      if (k > options.workerConcurrency) {
        console.log(`  ${runtime} K=${k}: skipped (over the worker concurrency ${options.workerConcurrency})`);
        continue;
      }
      const row = await measureDensity(stack, runtime, k, options.startTimeoutSeconds * 1000);
      rows.push(row);
      console.log(
        `  ${runtime} K=${k}: ${row.started}/${k} started in ${fmt(row.startSeconds)} s; functions ${mib(row.functions.rss)} MiB RSS ` +
          `(${mib(row.functions.pss)} MiB PSS) in ${row.processes} processes; worker ${mib(row.workerBefore.rss)} -> ${mib(row.workerDuring.rss)} MiB; ` +
          `terminated in ${fmt(row.terminateSeconds)} s (load ${row.load})`,
      );
      // The machine is shared: stop stepping up when it struggles.
      if (row.started < k) {
        console.log(`  stopping ${runtime} here: not every event started within ${options.startTimeoutSeconds} s`);
        break;
      }
      if (row.availableDuring < 2 * 2 ** 30) {
        console.log(`  stopping ${runtime} here: under 2 GiB of memory available while K=${k} ran`);
        break;
      }
    }
  }
  return rows;
}

async function main(options: BenchOptions, bench: BenchRun): Promise<void> {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli) throw new Error('LONGHAUL_TEMPORAL_CLI is not set (the temporal CLI binary scripts/bootstrap.mjs resolves)');
  console.log(`runtimes bench: ${new Date().toISOString()}; runtimes ${benchRuntimes.join(', ')}`);
  console.log(machine());
  const loadAtStart = loadLine();
  console.log(`load average at start: ${loadAtStart}; MemAvailable ${mib(availableMemoryBytes())} MiB`);
  const stack = await startStack(cli, options.workerConcurrency);
  bench.onCleanup(() => stack.stop());
  console.log(
    `Temporal dev server ${stack.devServer.address}; data under ${stack.tmp}; worker concurrency ${stack.concurrency}; ` +
      (stack.sandbox ? 'sandbox on (root: each event as its own uid under prlimit)' : 'sandbox off (not root: events run as this user)'),
  );
  const latencyResults = options.latency ? await latency(stack, options) : undefined;
  const densityRows = options.density ? await density(stack, options) : [];

  console.log(`\n${machine()}`);
  console.log(`sandbox ${stack.sandbox ? 'on' : 'off'}; samples ${options.samples} after ${options.warmups} warm-up round(s)`);
  if (latencyResults) printLatency(latencyResults);
  if (densityRows.length) printDensity(densityRows, options.workerConcurrency);
  console.log(`\nload average at start ${loadAtStart}; at end ${loadLine()} (the machine is shared with other work)`);
}

const options = parseOptions(process.argv.slice(2));
runBench((bench) => main(options, bench));
