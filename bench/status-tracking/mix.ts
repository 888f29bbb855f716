/** The planned mix of events: a fixed seed, so every run (and every top-up of a kept dir) plans the same. */

export type Kind = 'finish' | 'fail' | 'abort' | 'run';
export type EventStatusName = 'FINISHED' | 'FAILED' | 'ABORTED' | 'RUNNING';

export const statusOfKind: Record<Kind, EventStatusName> = {
  finish: 'FINISHED',
  fail: 'FAILED',
  abort: 'ABORTED',
  run: 'RUNNING',
};

export const versions = ['$LATEST', '1', '2', '3'] as const;
export type Version = (typeof versions)[number];

export const invokeTypeMix: [string, number][] = [
  ['API', 0.4],
  ['TIMER', 0.25],
  ['CMQ', 0.15],
  ['COS', 0.1],
  ['APIGW', 0.1],
];
const kindMix: [Kind, number][] = [
  ['finish', 0.6],
  ['fail', 0.2],
  ['abort', 0.1],
  ['run', 0.1],
];
const versionMix: [Version, number][] = [
  ['$LATEST', 0.4],
  ['1', 0.2],
  ['2', 0.2],
  ['3', 0.2],
];

export interface PlannedEvent {
  kind: Kind;
  version: Version;
  invokeType: string;
}

/** What a bench event's payload carries to the stand-in activity. */
export interface BenchPayload {
  bench: Kind;
  seq: number;
}

/** A small seeded PRNG (mulberry32): the same mix on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: number, weighted: [T, number][]): T {
  let acc = 0;
  for (const [value, weight] of weighted) {
    acc += weight;
    if (r < acc) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** The first n events of the plan (a prefix of a longer plan is the shorter plan). */
export function plan(n: number): PlannedEvent[] {
  const random = prng(20260521);
  const out: PlannedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(random(), kindMix);
    const version = pick(random(), versionMix);
    out.push({ kind, version, invokeType: pick(random(), invokeTypeMix) });
  }
  return out;
}

export function statusTally(events: PlannedEvent[]): Record<EventStatusName, number> {
  const tally = { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 };
  for (const e of events) tally[statusOfKind[e.kind]] += 1;
  return tally;
}
