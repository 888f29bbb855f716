/**
 * Log latency benchmark (issue 4): how long a line printed by a function takes to reach a client following
 * the event's log over Server-Sent Events, at 1, 100, 1000 and 10,000 lines a second, and how fast each log
 * store takes writes.
 *
 *   LONGHAUL_TEMPORAL_CLI=/root/.cache/longhaul/temporal-cli-v1.5.1/temporal \
 *     npx tsx bench/log-latency.ts [--store sqlite|sqlite-split|postgres|both|all] [--seconds 10] \
 *       [--rates 1,100,1000,10000] [--flush-ms N] [--line-bytes 100] [--throughput-lines 200000] \
 *       [--writers 8] [--no-latency] [--no-throughput]
 *
 * Everything is real: a Temporal dev server (the pinned CLI), and per store a fresh data dir with the API
 * over HTTP and a worker running the real runFunction activity, whose user code (a bench function zipped
 * in code, log-latency/function.ts) runs in its own child process and prints its lines through the real
 * capture (fd 4 frames, line splitter, batcher). The follower is a process of its own (log-latency/follower.ts).
 * PostgreSQL, when asked for, is the tests' throwaway server, started here (log-latency/postgres.ts).
 *
 * `both` (the default) is SQLite as `npm start` runs it (API and worker in one process, one store) and
 * PostgreSQL; `sqlite-split` is SQLite with the API and the worker on separate connections, as separate
 * API and worker processes use it (followers then see new lines by polling).
 */
import fs from 'node:fs';
import { defaultLogLimits } from '../src/logs/attempt-log';
import { loadLine, machineLine } from './common/machine';
import { type BenchRun, runBench } from './common/run-bench';
import { runRate } from './log-latency/latency';
import { type BenchOptions, minSecondsAtOne, parseOptions } from './log-latency/options';
import { type BenchPostgres, startPostgres } from './log-latency/postgres';
import { type StoreRun, printDelays, printDetails, printSegments, printThroughput } from './log-latency/report';
import { type Shared, startShared, startStack, storeDescriptions } from './log-latency/stack';
import { type ThroughputResult, measureThroughput } from './log-latency/throughput';

async function latency(shared: Shared, options: BenchOptions): Promise<StoreRun[]> {
  const runs: StoreRun[] = [];
  for (const store of options.stores) {
    console.log(`\n== ${store}: ${storeDescriptions[store]}`);
    const stack = await startStack(shared, store);
    try {
      // Not reported: warms the API, the worker, the store and the JIT before the first measured run.
      await runRate(stack, 100, 2, options.lineBytes);
      const run: StoreRun = { store, flushIntervalMs: stack.flushIntervalMs, rates: [] };
      for (const rate of options.rates) {
        const seconds = rate <= 1 ? Math.max(options.seconds, minSecondsAtOne) : options.seconds;
        const result = await runRate(stack, rate, seconds, options.lineBytes);
        run.rates.push(result);
        console.log(
          `  ${rate} lines/s for ${seconds} s: achieved ${result.achievedRate.toFixed(1)} lines/s, ${result.orderNote}; ` +
            `delay median ${result.delay.median.toFixed(1)} ms, p99 ${result.delay.p99.toFixed(1)} ms (load ${loadLine()})`,
        );
      }
      runs.push(run);
    } finally {
      await stack.stop();
    }
  }
  return runs;
}

async function throughput(options: BenchOptions, shared: { tmp: string }, postgres: BenchPostgres | undefined): Promise<ThroughputResult[]> {
  const kinds = [...new Set(options.stores.map((s) => (s === 'postgres' ? 'postgres' : 'sqlite')))];
  const results: ThroughputResult[] = [];
  let n = 0;
  for (const kind of kinds) {
    for (const writers of [1, options.writers]) {
      n += 1;
      const target = kind === 'sqlite' ? `${shared.tmp}/throughput-${n}.sqlite` : await postgres!.createDatabase(`throughput_${n}`);
      const result = await measureThroughput(kind, target, writers, options.throughputLines, options.lineBytes);
      console.log(`  ${kind}, ${writers} writer(s): ${result.linesPerSecond.toFixed(0)} lines/s (load ${loadLine()})`);
      results.push(result);
    }
  }
  return results;
}

async function main(options: BenchOptions, bench: BenchRun): Promise<void> {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli) throw new Error('LONGHAUL_TEMPORAL_CLI is not set (the temporal CLI binary scripts/bootstrap.mjs resolves)');
  console.log(`log latency bench: stores ${options.stores.join(', ')}; rates ${options.rates.join(', ')} lines/s; ${options.seconds} s each`);
  console.log(`  (rate 1 runs ${minSecondsAtOne} s at least); lines of ${options.lineBytes} bytes; flushIntervalMs ${options.flushMs ?? `${defaultLogLimits.flushIntervalMs} (default)`}`);
  console.log(machineLine({ kernel: true }));
  const loadAtStart = loadLine();
  console.log(`load average at start: ${loadAtStart}`);

  let postgres: BenchPostgres | undefined;
  if (options.stores.includes('postgres')) {
    postgres = await startPostgres();
    bench.onCleanup(() => postgres!.stop());
    console.log(`PostgreSQL ${postgres.version} (throwaway, ${postgres.settings.join(', ')})`);
  }
  const env: Record<string, string> = options.flushMs === undefined ? {} : { LONGHAUL_LOG_FLUSH_INTERVAL_MS: String(options.flushMs) };
  let runs: StoreRun[] = [];
  let tmp: string;
  if (options.latency) {
    const shared = await startShared(cli, env);
    bench.onCleanup(() => fs.rmSync(shared.tmp, { recursive: true, force: true }));
    bench.onCleanup(() => shared.devServer.stop());
    bench.onCleanup(() => shared.temporal.connection.close());
    let databases = 0;
    shared.postgresUrl = () => postgres!.createDatabase(`latency_${(databases += 1)}`);
    console.log(`Temporal dev server ${shared.devServer.address}; data under ${shared.tmp}`);
    runs = await latency(shared, options);
    tmp = shared.tmp;
  } else {
    tmp = fs.mkdtempSync('/tmp/longhaul-bench-logs-');
    bench.onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  }
  let written: ThroughputResult[] = [];
  if (options.throughput) {
    console.log('\n== store write throughput');
    written = await throughput(options, { tmp }, postgres);
  }

  console.log(`\n${machineLine({ kernel: true })}`);
  if (runs.length) {
    printDelays(runs);
    printSegments(runs);
    printDetails(runs);
  }
  if (written.length) printThroughput(written, options.lineBytes);
  console.log(`\nload average at start ${loadAtStart}; at end ${loadLine()}`);
}

const options = parseOptions(process.argv.slice(2));
runBench((bench) => main(options, bench));
