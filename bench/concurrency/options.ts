/** The command line of bench/concurrency.ts: every option with its default. */

export interface BenchOptions {
  /** Part 2: events invoked into the reserved pool. */
  events: number;
  /** Part 2: the reservation, in events of 128 MB (reservedConcurrencyMemMb = slots × 128). */
  slots: number;
  /** Part 2: how long each handler sleeps before it returns (0: at once). */
  holdMs: number;
  /** Part 2: HTTP clients invoking side by side. */
  clients: number;
  /** Part 1: measured pairs (one event through the account pool, one without a pool). */
  samples: number;
  /** Part 1: pairs run first and not reported (the first one starts the account pool). */
  warmups: number;
  overhead: boolean;
  throughput: boolean;
}

export const usage =
  'usage: npx tsx bench/concurrency.ts [--events 500] [--slots 20] [--hold-ms 0] [--clients 8] [--samples 50] ' +
  '[--warmups 3] [--no-overhead] [--no-throughput]';

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    events: 500,
    slots: 20,
    holdMs: 0,
    clients: 8,
    samples: 50,
    warmups: 3,
    overhead: true,
    throughput: true,
  };
  function whole(v: string | undefined, min: number): number {
    if (!v || !/^\d+$/.test(v) || Number(v) < min) throw new Error(usage);
    return Number(v);
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--events') options.events = whole(argv[++i], 1);
    else if (flag === '--slots') options.slots = whole(argv[++i], 1);
    else if (flag === '--hold-ms') options.holdMs = whole(argv[++i], 0);
    else if (flag === '--clients') options.clients = whole(argv[++i], 1);
    else if (flag === '--samples') options.samples = whole(argv[++i], 1);
    else if (flag === '--warmups') options.warmups = whole(argv[++i], 0);
    else if (flag === '--no-overhead') options.overhead = false;
    else if (flag === '--no-throughput') options.throughput = false;
    else throw new Error(usage);
  }
  return options;
}
