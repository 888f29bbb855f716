/**
 * Concurrency pools benchmark (issue 6, docs/concurrency.md): what the pools cost, and what one pool takes.
 *
 * 1. Grant overhead: the delay a pool adds to an event that does not have to wait. Events of a function
 *    without a reservation (they join the account's pool, 128,000 MB: nobody waits) are invoked one at a
 *    time over HTTP; each event's history gives workflow started -> runFunction scheduled, split into the
 *    join (the joinPool local activity's marker), the slotGranted signal and the scheduling, and what the
 *    leavePool in the `finally` adds at the end. Beside them, interleaved round by round, events of the same
 *    function started through the Temporal client with `eventInputOf` without its `limits` (no concurrency
 *    ticket, as bench/status-tracking starts them): they skip the pool. Same function, same worker, same load.
 * 2. Pool throughput: a function with a reservation of C slots (C × 128 MB, through the REST API) and a
 *    handler that returns at once (or sleeps --hold-ms); N events invoked as fast as the API takes them by a
 *    few HTTP clients. Reported: arrivals accepted per second, time until all N have finished, events
 *    finished per second, the most running at once as the histories show it (never more than C), the
 *    grant wait (workflow started -> runFunction scheduled) and how long a freed slot stays unused while
 *    events wait; then each pool workflow's history length and whether it continued as new.
 *
 *   LONGHAUL_TEMPORAL_CLI=/root/.cache/longhaul/temporal-cli-v1.5.1/temporal \
 *     npx tsx bench/concurrency.ts [--events 500] [--slots 20] [--hold-ms 0] [--clients 8] [--samples 50] \
 *       [--warmups 3] [--no-overhead] [--no-throughput]
 *
 * Everything is real (concurrency/stack.ts): a Temporal dev server (the pinned CLI), the API over HTTP (the
 * real gateway with its QPS throttle, whose burst is set to an hour of the rate so that part 2's burst is
 * accepted), and one worker in this process running the real workflows (the events' and the pools') and
 * the real activities: joinPool, and runFunction, which runs the Node.js function (zipped in code and
 * deployed through the API) in a real child process, as root each event as its own uid under prlimit. The
 * worker runs max(50, 2 × C) activities at once, so the pool, not the worker, is what caps part 2.
 */
import { loadLine, machineLine } from './common/machine';
import { type BenchRun, runBench } from './common/run-bench';
import { type BenchOptions, parseOptions } from './concurrency/options';
import { type OverheadResults, measureOverhead } from './concurrency/overhead';
import { type PoolReport, printOverhead, printPools, printThroughput } from './concurrency/report';
import { startStack } from './concurrency/stack';
import { type ThroughputResult, measureThroughput } from './concurrency/throughput';

const machine = () => `${machineLine({ freeMemory: true })}; shared with other work`;

async function main(options: BenchOptions, bench: BenchRun): Promise<void> {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli)
    throw new Error(
      'LONGHAUL_TEMPORAL_CLI is not set (the temporal CLI binary scripts/bootstrap.mjs resolves)',
    );
  console.log(`concurrency bench: ${new Date().toISOString()}`);
  console.log(machine());
  const loadAtStart = loadLine();
  console.log(`load average at start: ${loadAtStart}`);
  const stack = await startStack(cli, Math.max(50, 2 * options.slots));
  bench.onCleanup(() => stack.stop());
  console.log(
    `Temporal dev server ${stack.devServer.address}; data under ${stack.tmp}; worker concurrency ${stack.workerConcurrency}; ` +
      `invoke burst ${stack.config.invokeBurstSeconds} s; ` +
      (stack.sandbox
        ? 'sandbox on (root: each event as its own uid under prlimit)'
        : 'sandbox off (not root: events run as this user)'),
  );

  let overhead: OverheadResults | undefined;
  let throughput: ThroughputResult | undefined;
  const pools: PoolReport[] = [];
  if (options.overhead) {
    overhead = await measureOverhead(stack, options);
    const events = options.warmups + options.samples;
    pools.push({
      label: 'account (part 1)',
      poolId: stack.accountPoolId,
      events,
      runs: await stack.poolRuns(stack.accountPoolId),
    });
  }
  if (options.throughput) {
    throughput = await measureThroughput(stack, options);
    pools.push({
      label: `reserved, C=${options.slots} (part 2)`,
      poolId: throughput.poolId,
      events: options.events,
      runs: throughput.pool,
    });
  }

  console.log(`\n${machine()}`);
  console.log(`sandbox ${stack.sandbox ? 'on' : 'off'}; worker concurrency ${stack.workerConcurrency}`);
  if (overhead) printOverhead(overhead);
  if (throughput) printThroughput(throughput);
  if (pools.length) printPools(pools);
  console.log(
    `\nload average at start ${loadAtStart}; at end ${loadLine()} (the machine is shared with other work)`,
  );
}

const options = parseOptions(process.argv.slice(2));
runBench((bench) => main(options, bench));
