/** The tables bench/concurrency.ts prints. */
import { type Summary, summarize } from '../common/stats';
import { fmt, table } from '../common/table';
import type { EventSteps, PoolRun } from './history';
import type { OverheadResults } from './overhead';
import { type ThroughputResult, peakOverlap, slotHandoffs } from './throughput';

const cols = (s: Summary) => [s.n, fmt(s.median), fmt(s.p95), fmt(s.p99), fmt(s.max)];
const statsHeader = ['n', 'median', 'p95', 'p99', 'max'];
const span = (steps: EventSteps[], from: keyof EventSteps, to: keyof EventSteps) =>
  summarize(steps.map((s) => (s[to] as number) - (s[from] as number)));

function outcomes(steps: EventSteps[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

export function printOverhead(r: OverheadResults): void {
  console.log(
    `\n### Grant overhead: an event that does not wait (${r.functionName}, account pool of 128,000 MB; ms)\n`,
  );
  console.log(
    'From each event\'s workflow history (Temporal server clock). "pool": invoked over HTTP, joins the account pool;',
  );
  console.log(
    '"no pool": started through the Temporal client without a concurrency ticket. Sequential, interleaved.',
  );
  console.log(`Outcomes: pool ${outcomes(r.pooled)}; no pool ${outcomes(r.direct)}.\n`);
  type Step = keyof EventSteps;
  const both = (label: string, from: Step, to: Step) => [
    [label, 'pool', ...cols(span(r.pooled, from, to))],
    [label, 'no pool', ...cols(span(r.direct, from, to))],
  ];
  const pool = (label: string, from: Step, to: Step) => [[label, 'pool', ...cols(span(r.pooled, from, to))]];
  const rows: (string | number)[][] = [
    ...both('workflow started -> runFunction scheduled', 'started', 'scheduled'),
    ...both('  started -> first workflow task started', 'started', 'firstTaskStarted'),
    ...pool(
      '  first task started -> join recorded (joinPool local activity marker)',
      'firstTaskStarted',
      'joined',
    ),
    ...pool('  join recorded -> slotGranted signal', 'joined', 'granted'),
    ...pool('  slotGranted signal -> runFunction scheduled', 'granted', 'scheduled'),
    ...both('runFunction scheduled -> started', 'scheduled', 'activityStarted'),
    ...both('runFunction started -> closed', 'activityStarted', 'activityClosed'),
    ...both('runFunction closed -> workflow closed', 'activityClosed', 'closed'),
    ...both('workflow started -> closed', 'started', 'closed'),
  ];
  console.log(table(['step', 'events', ...statsHeader], rows));
  console.log(
    '\nrunFunction closed -> workflow closed: with a pool, the finally sends leavePool and waits for its delivery.',
  );
  const added = (from: keyof EventSteps, to: keyof EventSteps) =>
    fmt(span(r.pooled, from, to).median - span(r.direct, from, to).median);
  console.log(
    `\nThe pool adds (difference of medians): ${added('started', 'scheduled')} ms before runFunction is scheduled, ` +
      `${added('activityClosed', 'closed')} ms after it closes, ${added('started', 'closed')} ms over the whole event.`,
  );
}

export function printThroughput(r: ThroughputResult): void {
  const { steps, slots } = r;
  const n = steps.length;
  const invokeSeconds = (r.lastAcceptedHi - r.firstSentHi) / 1000;
  const lastClosed = Math.max(...steps.map((s) => s.closed).filter(Number.isFinite));
  const finishedSeconds = (lastClosed - r.firstSentHi) / 1000;
  const refused = r.invoked.reduce((sum, i) => sum + i.refused, 0);
  const peakRunning = peakOverlap(steps.map((s) => [s.activityStarted, s.activityClosed]));
  const peakHolding = peakOverlap(steps.map((s) => [s.granted, s.leaveSent]));
  console.log(
    `\n### Pool throughput: ${n} events into one pool of ${slots} slots (${r.functionName}, hold ${r.holdMs} ms)\n`,
  );
  console.log(
    `Outcomes: ${outcomes(steps)}. Invoked over HTTP by ${r.clients} clients side by side; ${refused} answer(s) 429 (retried).`,
  );
  console.log('Times from the histories (Temporal server clock) and the bench (same machine).\n');
  console.log(
    table(
      [
        'events',
        'slots',
        'all accepted s',
        'accepted/s',
        'all finished s',
        'finished/s',
        'peak running',
        'peak holding',
      ],
      [
        [
          n,
          slots,
          fmt(invokeSeconds, 2),
          fmt(n / invokeSeconds),
          fmt(finishedSeconds, 2),
          fmt(n / finishedSeconds),
          peakRunning,
          peakHolding,
        ],
      ],
    ),
  );
  console.log(
    '\nall finished = first invoke sent -> last workflow closed. peak running = most runFunction activities between',
  );
  console.log(
    'started and closed at once; peak holding = most events between slotGranted received and leavePool sent.',
  );
  const verdict =
    Math.max(peakRunning, peakHolding) <= slots
      ? `never over C = ${slots}: OK`
      : `OVER C = ${slots}: THE CAP WAS BROKEN`;
  console.log(`Concurrency seen: ${verdict}.\n`);

  const handoffs = slotHandoffs(steps, slots);
  const row = (label: string, from: keyof EventSteps, to: keyof EventSteps) => [
    label,
    ...cols(span(steps, from, to)),
  ];
  console.log(
    table(
      ['ms', ...statsHeader],
      [
        row('grant wait: workflow started -> runFunction scheduled', 'started', 'scheduled'),
        row("  started -> first workflow task started (the worker's backlog)", 'started', 'firstTaskStarted'),
        row('  first task started -> join recorded', 'firstTaskStarted', 'joined'),
        row('  join recorded -> slotGranted signal', 'joined', 'granted'),
        row('  slotGranted signal -> runFunction scheduled', 'granted', 'scheduled'),
        [
          'slot hand-off: slot freed (leavePool sent) -> next runFunction scheduled',
          ...cols(summarize(handoffs)),
        ],
        row('runFunction scheduled -> started', 'scheduled', 'activityStarted'),
        row('runFunction started -> closed (the run)', 'activityStarted', 'activityClosed'),
        row('runFunction closed -> leavePool sent', 'activityClosed', 'leaveSent'),
      ],
    ),
  );

  console.log('\nBy arrival order (fifths of the events, in invocation order; ms):\n');
  const order = new Map(r.invoked.map((i, index) => [i.requestId, index]));
  const handoffOf = new Map(
    steps
      .filter((s) => Number.isFinite(s.granted))
      .sort((a, b) => a.granted - b.granted)
      .slice(slots)
      .map((s, i) => [s.requestId, handoffs[i]!]),
  );
  const sorted = [...steps].sort((a, b) => order.get(a.requestId)! - order.get(b.requestId)!);
  const rows: (string | number)[][] = [];
  for (let part = 0; part < 5; part++) {
    const slice = sorted.slice(Math.floor((part * n) / 5), Math.floor(((part + 1) * n) / 5));
    if (slice.length === 0) continue;
    const wait = span(slice, 'started', 'scheduled');
    const handoff = summarize(slice.map((s) => handoffOf.get(s.requestId) ?? NaN));
    const run = span(slice, 'activityStarted', 'activityClosed');
    rows.push([
      `${Math.floor((part * n) / 5) + 1}-${Math.floor(((part + 1) * n) / 5)}`,
      fmt(wait.median),
      fmt(wait.max),
      fmt(handoff.median),
      fmt(handoff.p95),
      fmt(run.median),
    ]);
  }
  console.log(
    table(
      ['events', 'grant wait median', 'grant wait max', 'hand-off median', 'hand-off p95', 'run median'],
      rows,
    ),
  );
}

export interface PoolReport {
  label: string;
  poolId: string;
  /** Events that joined it in this run. */
  events: number;
  runs: PoolRun[];
}

export function printPools(pools: PoolReport[]): void {
  console.log('\n### Pool workflows at the end (a pool continues as new past 4,000 history events)\n');
  const rows = pools.map(({ label, poolId, events, runs }) => {
    const [current, ...earlier] = runs;
    const total = runs.reduce((sum, run) => sum + run.historyLength, 0);
    return [
      label,
      poolId,
      events,
      runs.length,
      current ? `${current.historyLength} (${current.status})` : '-',
      earlier.length ? earlier.map((run) => run.historyLength).join(', ') : '-',
      earlier.length > 0 ? 'yes' : 'no',
      total,
      fmt(total / events),
    ];
  });
  const header = [
    'pool',
    'workflow id',
    'events joined',
    'runs',
    'current run: history length',
    'earlier runs',
  ];
  console.log(table([...header, 'continued as new', 'history events in all', 'per event'], rows));

  console.log(
    "\nFrom the pool workflows' histories (all runs): signals in and out, and their workflow tasks.",
  );
  console.log(
    'grant delivery = slotGranted initiated -> delivered to the event; task wait = workflow task scheduled -> started.\n',
  );
  const all = (runs: PoolRun[], key: 'grantDeliveries' | 'taskWaits') => runs.flatMap((run) => run[key]);
  const sum = (runs: PoolRun[], key: 'joins' | 'leaves' | 'grants' | 'workflowTasks') =>
    runs.reduce((n, run) => n + run[key], 0);
  const ms = (xs: number[]) => {
    const st = summarize(xs);
    return `${fmt(st.median)} / ${fmt(st.p95)} / ${fmt(st.max)}`;
  };
  console.log(
    table(
      [
        'pool',
        'joins',
        'leaves',
        'grants',
        'workflow tasks',
        'signals in per task',
        'grant delivery ms med / p95 / max',
        'task wait ms med / p95 / max',
      ],
      pools.map(({ label, runs }) => [
        label,
        sum(runs, 'joins'),
        sum(runs, 'leaves'),
        sum(runs, 'grants'),
        sum(runs, 'workflowTasks'),
        fmt((sum(runs, 'joins') + sum(runs, 'leaves')) / sum(runs, 'workflowTasks')),
        ms(all(runs, 'grantDeliveries')),
        ms(all(runs, 'taskWaits')),
      ]),
    ),
  );
}
