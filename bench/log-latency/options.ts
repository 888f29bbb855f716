import type { StoreKind } from './stack';

/** The bench's command line: every option with its default. */
export interface BenchOptions {
  stores: StoreKind[];
  /** How long each rate prints, except rate 1 which prints at least `minSamplesAtOne` lines. */
  seconds: number;
  rates: number[];
  /** Overrides the batcher's flushIntervalMs (LONGHAUL_LOG_FLUSH_INTERVAL_MS); the default (20) when absent. */
  flushMs: number | undefined;
  /** Length of each printed line, newline included. */
  lineBytes: number;
  throughputLines: number;
  writers: number;
  latency: boolean;
  throughput: boolean;
}

/** Rate 1 would give only `seconds` samples: it runs at least this many seconds. */
export const minSecondsAtOne = 30;

const storeSets: Record<string, StoreKind[]> = {
  sqlite: ['sqlite'],
  'sqlite-split': ['sqlite-split'],
  postgres: ['postgres'],
  both: ['sqlite', 'postgres'],
  all: ['sqlite', 'sqlite-split', 'postgres'],
};

export const usage =
  'npx tsx bench/log-latency.ts [--store sqlite|sqlite-split|postgres|both|all] [--seconds 10] [--rates 1,100,1000,10000]\n' +
  '  [--flush-ms N] [--line-bytes 100] [--throughput-lines 200000] [--writers 8] [--no-latency] [--no-throughput]';

export function parseOptions(argv: string[]): BenchOptions {
  const text = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i === -1) return undefined;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value\n${usage}`);
    return value;
  };
  const whole = (name: string, fallback: number, min = 1): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} needs a whole number >= ${min}\n${usage}`);
    return value;
  };
  const stores = (text('store') ?? 'both').split(',').flatMap((name) => {
    const set = storeSets[name];
    if (!set) throw new Error(`unknown store "${name}"\n${usage}`);
    return set;
  });
  const rates = (text('rates') ?? '1,100,1000,10000').split(',').map((r) => {
    const value = Number(r);
    if (!Number.isFinite(value) || value <= 0 || value > 100_000) throw new Error(`bad rate "${r}"\n${usage}`);
    return value;
  });
  const flushMs = text('flush-ms') === undefined ? undefined : whole('flush-ms', 50);
  const lineBytes = whole('line-bytes', 100, 64);
  return {
    stores: [...new Set(stores)],
    seconds: whole('seconds', 10),
    rates,
    flushMs,
    lineBytes,
    throughputLines: whole('throughput-lines', 200_000),
    writers: whole('writers', 8),
    latency: !argv.includes('--no-latency'),
    throughput: !argv.includes('--no-throughput'),
  };
}
