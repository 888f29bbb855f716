import { processStats } from './procfs';

/** Resident memory of every process group the worker watches, from one /proc scan per tick for all. */
const tickMs = 250;

type Listener = (rssBytes: number) => void;

const listeners = new Map<number, Set<Listener>>();
let timer: NodeJS.Timeout | undefined;

/** Sums the resident set of each watched group, from one pass over /proc for all of them. */
function scan(): void {
  const totals = new Map<number, number>();
  for (const pgid of listeners.keys()) totals.set(pgid, 0);
  for (const { pgid, rssBytes } of processStats()) {
    const total = totals.get(pgid);
    if (total !== undefined) totals.set(pgid, total + rssBytes);
  }
  for (const [pgid, rss] of totals) for (const listener of listeners.get(pgid) ?? []) listener(rss);
}

/**
 * Calls `onSample` with the group's total resident memory about four times a second until the returned
 * function is called. Counting the whole group catches memory held by the function's own child processes.
 */
export function watchGroupMemory(pgid: number, onSample: Listener): () => void {
  let set = listeners.get(pgid);
  if (!set) listeners.set(pgid, (set = new Set()));
  set.add(onSample);
  timer ??= setInterval(scan, tickMs);
  return () => {
    set.delete(onSample);
    if (set.size === 0) listeners.delete(pgid);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
