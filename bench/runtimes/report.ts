/** The options of bench/runtimes.ts and the tables it prints. */
import { type Summary, summarize } from '../common/stats';
import { fmt, table } from '../common/table';
import type { DensityRow } from './density';
import type { BenchRuntime } from './functions';
import type { InvokeSample, LauncherSample, SpawnSample } from './latency';
import { mib } from './system';

export interface BenchOptions {
  samples: number;
  warmups: number;
  /** Node.js density steps (events running at once). */
  concurrent: number[];
  /** Python density steps; empty to skip. */
  pythonConcurrent: number[];
  /** Worker's maxConcurrentActivityTaskExecutions. */
  workerConcurrency: number;
  /** How long a density step may take to get all its events to their first line. */
  startTimeoutSeconds: number;
  latency: boolean;
  density: boolean;
}

const usage =
  'usage: npx tsx bench/runtimes.ts [--samples 30] [--warmups 3] [--concurrent 25,50,100] [--python-concurrent 25] ' +
  '[--worker-concurrency 200] [--start-timeout 180] [--no-latency] [--no-density]';

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    samples: 30,
    warmups: 3,
    concurrent: [25, 50, 100],
    pythonConcurrent: [25],
    workerConcurrency: 200,
    startTimeoutSeconds: 180,
    latency: true,
    density: true,
  };
  const list = (v: string | undefined) => (v ?? '').split(',').filter(Boolean).map(whole);
  function whole(v: string | undefined): number {
    if (!v || !/^\d+$/.test(v)) throw new Error(usage);
    return Number(v);
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--samples') options.samples = Math.max(1, whole(argv[++i]));
    else if (flag === '--warmups') options.warmups = whole(argv[++i]);
    else if (flag === '--concurrent') options.concurrent = list(argv[++i]);
    else if (flag === '--python-concurrent') options.pythonConcurrent = list(argv[++i]);
    else if (flag === '--worker-concurrency') options.workerConcurrency = whole(argv[++i]);
    else if (flag === '--start-timeout') options.startTimeoutSeconds = whole(argv[++i]);
    else if (flag === '--no-latency') options.latency = false;
    else if (flag === '--no-density') options.density = false;
    else throw new Error(usage);
  }
  return options;
}

const cols = (s: Summary) => [s.n, fmt(s.median), fmt(s.p95), fmt(s.p99), fmt(s.max)];

export interface LatencyResults {
  invokes: Map<BenchRuntime, InvokeSample[]>;
  spawns: Map<string, SpawnSample[]>;
  launches: Map<BenchRuntime, LauncherSample[]>;
}

export function printLatency(r: LatencyResults): void {
  console.log('\n### Invoke (HTTP, async) -> handler first line, through API + Temporal + worker (ms)\n');
  console.log('"first line" = the handler\'s own Date.now() in its first line, minus the moment the invoke request was sent.\n');
  const rows: (string | number)[][] = [];
  for (const [runtime, samples] of r.invokes) rows.push([runtime, ...cols(summarize(samples.map((s) => s.printed)))]);
  console.log(table(['runtime', 'n', 'median', 'p95', 'p99', 'max'], rows));

  console.log('\n### The same invocations, milestones (median / p99, ms from the invoke request sent)\n');
  console.log('wf/activity columns: event times from the workflow history (Temporal server clock, same machine).\n');
  const ms = (xs: number[]) => {
    const s = summarize(xs);
    return `${fmt(s.median)} / ${fmt(s.p99)}`;
  };
  const rows2: (string | number)[][] = [];
  for (const [runtime, samples] of r.invokes) {
    const notFinished = samples.filter((s) => s.status !== 'FINISHED').length;
    rows2.push([
      runtime,
      ms(samples.map((s) => s.workflowStarted)),
      ms(samples.map((s) => s.accepted)),
      ms(samples.map((s) => s.workflowTaskStarted)),
      ms(samples.map((s) => s.activityScheduled)),
      ms(samples.map((s) => s.activityStarted)),
      ms(samples.map((s) => s.printed)),
      ms(samples.map((s) => s.followed)),
      ms(samples.map((s) => s.ended)),
      notFinished ? `${notFinished} not FINISHED` : 'all FINISHED',
    ]);
  }
  console.log(table(['runtime', 'wf started', '202 Accepted', 'wf task started', 'activity scheduled', 'activity started', 'first line printed', 'line at SSE follower', 'follow end event', 'status'], rows2));

  console.log('\n### Bare process spawn -> first stdout byte (ms), same run, no platform\n');
  const rows3: (string | number)[][] = [];
  for (const [name, samples] of r.spawns) {
    const printed = summarize(samples.map((s) => s.printed));
    rows3.push([name, ...cols(summarize(samples.map((s) => s.firstByte))), Number.isFinite(printed.median) ? fmt(printed.median) : '-']);
  }
  console.log(table(['command', 'n', 'median', 'p95', 'p99', 'max', 'printed Date.now() median'], rows3));

  console.log('\n### Launcher alone (launchFunction, no API, no Temporal) -> handler first line (ms)\n');
  const rows4: (string | number)[][] = [];
  for (const [runtime, samples] of r.launches) {
    const received = summarize(samples.map((s) => s.received));
    const outcome = summarize(samples.map((s) => s.outcome));
    rows4.push([runtime, ...cols(summarize(samples.map((s) => s.printed))), `${fmt(received.median)} / ${fmt(received.p99)}`, `${fmt(outcome.median)} / ${fmt(outcome.p99)}`]);
  }
  console.log(table(['runtime', 'n', 'median', 'p95', 'p99', 'max', 'line at onOutput med/p99', 'outcome med/p99'], rows4));

  console.log('\n### Where the time goes (medians, ms): platform = invoke->line minus launcher->line\n');
  const bareOf: Record<BenchRuntime, string | undefined> = {
    'Nodejs18.15': [...r.spawns.keys()].find((k) => k.startsWith('node -e (')),
    'Python3.9': [...r.spawns.keys()].find((k) => k.startsWith('python3')),
    CustomRuntime: [...r.spawns.keys()].find((k) => k.startsWith('/bin/sh')),
  };
  const rows5: (string | number)[][] = [];
  for (const [runtime, samples] of r.invokes) {
    const total = summarize(samples.map((s) => s.printed)).median;
    const launcher = summarize((r.launches.get(runtime) ?? []).map((s) => s.printed)).median;
    const bareName = bareOf[runtime];
    const bare = summarize((bareName ? r.spawns.get(bareName) : [])?.map((s) => s.firstByte) ?? []).median;
    const toActivity = summarize(samples.map((s) => s.activityStarted)).median;
    const inActivity = summarize(samples.map((s) => s.printed - s.activityStarted)).median;
    rows5.push([runtime, fmt(total), fmt(toActivity), fmt(inActivity), fmt(launcher), fmt(total - launcher), bareName ?? '-', fmt(bare), fmt(launcher - bare)]);
  }
  console.log(table(['runtime', 'invoke->line', 'invoke->activity started', 'activity started->line', 'launcher->line', 'platform overhead', 'bare spawn', 'bare', 'runtime start over bare'], rows5));
}

export function printDensity(rows: DensityRow[], workerConcurrency: number): void {
  console.log(`\n### Density: K events running at once on one worker (maxConcurrentActivityTaskExecutions ${workerConcurrency})\n`);
  console.log('functions = sum over the events\' process groups; worker = this process (API + worker) growth over its idle baseline.\n');
  const out = rows.map((r) => {
    const workerDelta = r.workerDuring.rss - r.workerBefore.rss;
    const devDelta = r.devServerDuring.rss - r.devServerBefore.rss;
    return [
      r.runtime,
      r.k,
      `${r.started}/${r.k}`,
      fmt(r.invokeSeconds),
      fmt(r.startSeconds),
      `${fmt(summarize(r.firstLineDelays).median / 1000)} / ${fmt(summarize(r.firstLineDelays).max / 1000)}`,
      r.processes,
      mib(r.functions.rss),
      mib(r.functions.pss),
      `${mib(r.workerBefore.rss)} -> ${mib(r.workerDuring.rss)}`,
      mib((r.functions.rss + workerDelta) / r.k),
      mib((r.functions.pss + workerDelta) / r.k),
      mib(devDelta),
      mib(r.availableBefore - r.availableDuring),
      fmt(r.terminateSeconds),
    ];
  });
  console.log(
    table(
      [
        'runtime',
        'K',
        'started',
        'all invoked s',
        'all started s',
        'invoke->line s med/max',
        'procs',
        'functions RSS MiB',
        'functions PSS MiB',
        'worker RSS MiB',
        'per event (RSS) MiB',
        'per event (PSS) MiB',
        'dev server +MiB',
        'MemAvailable -MiB',
        'terminate all s',
      ],
      out,
    ),
  );
  console.log('\nload average when each step was measured:');
  for (const r of rows) console.log(`  ${r.runtime} K=${r.k}: ${r.load}`);
}
