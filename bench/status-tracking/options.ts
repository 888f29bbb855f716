import os from 'node:os';

/** The bench's command line: every option with its default and why. */
export interface BenchOptions {
  /** How many events the data dir should hold; a kept dir holding fewer is topped up to this. */
  events: number;
  /** Workflow starts in flight at once while filling. */
  concurrency: number;
  /** At most this many events started but not yet picked up by the worker: the dev server's SQLite is one writer. */
  window: number;
  runs: number;
  warmups: number;
  /** Where a temporary data dir goes (e.g. /dev/shm: see docs/performance.md on fsync and fill speed). */
  tmpParent: string;
  /**
   * A data dir to keep instead of a temporary one. A later run on it skips the fill (or only tops it up) and
   * just measures: re-measure after a change without filling again.
   */
  keptDataDir: string | undefined;
  /** Fill (or top up) and stop: no measuring. For a long fill in the background. */
  fillOnly: boolean;
  /** Measure what the kept dir holds, however many events that is: no fill, no top-up. */
  measureOnly: boolean;
}

export function parseOptions(argv: string[]): BenchOptions {
  const text = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const whole = (name: string, fallback: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive whole number`);
    return value;
  };
  const options: BenchOptions = {
    events: whole('events', 100_000),
    concurrency: whole('concurrency', 64),
    window: whole('window', 256),
    runs: whole('runs', 30),
    warmups: whole('warmups', 3),
    tmpParent: text('tmp') ?? os.tmpdir(),
    keptDataDir: text('data-dir'),
    fillOnly: argv.includes('--fill-only'),
    measureOnly: argv.includes('--measure-only'),
  };
  if ((options.fillOnly || options.measureOnly) && !options.keptDataDir) {
    throw new Error('--fill-only and --measure-only need --data-dir (a temporary dir is gone after the run)');
  }
  if (options.fillOnly && options.measureOnly)
    throw new Error('--fill-only and --measure-only exclude each other');
  return options;
}
