/**
 * Part 2, pool throughput: one function with a reservation of C slots (C × 128 MB) and a short handler. N
 * events are invoked as fast as the API takes them (a few HTTP clients side by side), then each is waited
 * to its end and its history read. From the histories: how many ran at once (never more than C), how long
 * each waited for its slot, and how long a freed slot stayed unused while events waited.
 */
import { hiNow } from '../common/clock';
import { loadLine } from '../common/machine';
import { inParallel } from '../common/parallel';
import type { EventSteps, PoolRun } from './history';
import { type BenchStack, type Invoked, memoryMb } from './stack';

export interface ThroughputResult {
  functionName: string;
  slots: number;
  holdMs: number;
  clients: number;
  invoked: Invoked[];
  steps: EventSteps[];
  /** When the first invoke was sent and the last one accepted (hi-res epoch ms). */
  firstSentHi: number;
  lastAcceptedHi: number;
  pool: PoolRun[];
  poolId: string;
}

export async function measureThroughput(
  stack: BenchStack,
  options: { events: number; slots: number; holdMs: number; clients: number },
): Promise<ThroughputResult> {
  const functionName = 'bench-reserved';
  await stack.createFunction(functionName);
  const reservation = await stack.call(
    'PUT',
    `/v1/namespaces/default/functions/${functionName}/reserved-concurrency`,
    {
      reservedConcurrencyMemMb: options.slots * memoryMb,
    },
  );
  if (reservation.status !== 200 || reservation.body.concurrency !== options.slots)
    throw new Error(`reservation failed: ${reservation.status} ${JSON.stringify(reservation.body)}`);
  console.log(
    `\n== pool throughput: ${functionName}, reservation ${options.slots * memoryMb} MB = ${options.slots} slots of ${memoryMb} MB; ` +
      `${options.events} events (hold ${options.holdMs} ms) from ${options.clients} HTTP clients`,
  );
  const event = options.holdMs > 0 ? { holdMs: options.holdMs } : {};
  const firstSentHi = hiNow();
  const invoked = await inParallel(Array.from({ length: options.events }), options.clients, () =>
    stack.invoke(functionName, event),
  );
  const lastAcceptedHi = Math.max(...invoked.map((i) => i.acceptedHi));
  console.log(
    `  all ${options.events} accepted in ${((lastAcceptedHi - firstSentHi) / 1000).toFixed(1)} s (load ${loadLine()})`,
  );
  for (const [i, { requestId }] of invoked.entries()) {
    await stack.waitForEnd(requestId);
    if ((i + 1) % 100 === 0 || i + 1 === invoked.length)
      console.log(
        `  ${i + 1}/${invoked.length} ended, ${((hiNow() - firstSentHi) / 1000).toFixed(1)} s in (load ${loadLine()})`,
      );
  }
  const steps = await inParallel(invoked, 8, (i) => stack.steps(i.requestId));
  const poolId = stack.functionPoolId(functionName);
  return {
    functionName,
    slots: options.slots,
    holdMs: options.holdMs,
    clients: options.clients,
    invoked,
    steps,
    firstSentHi,
    lastAcceptedHi,
    pool: await stack.poolRuns(poolId),
    poolId,
  };
}

/** The most intervals [from, to) open at once; an interval closing at the moment another opens does not overlap it. */
export function peakOverlap(intervals: [number, number][]): number {
  const edges = intervals
    .filter(([from, to]) => Number.isFinite(from) && Number.isFinite(to))
    .flatMap(([from, to]): [number, number][] => [
      [from, 1],
      [to, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, step] of edges) peak = Math.max(peak, (open += step));
  return peak;
}

/**
 * For each event granted after the first C: how long from the slot it took being freed to its runFunction
 * scheduled. Every event takes one slot, so the k-th grant (k ≥ C, in grant order) needed k − C + 1 slots
 * given back: the (k − C)-th leavePool sent (in time order) is when the last of them was freed, unless the
 * event itself joined later. An upper bound of the hand-off (the leave that made room may have come later).
 */
export function slotHandoffs(steps: EventSteps[], slots: number): number[] {
  const leaves = steps
    .map((s) => s.leaveSent)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const byGrant = steps.filter((s) => Number.isFinite(s.granted)).sort((a, b) => a.granted - b.granted);
  return byGrant.slice(slots).map((s, i) => s.scheduled - Math.max(leaves[i] ?? NaN, s.started));
}
