import fs from 'node:fs';

/** Resident memory of every process group the worker watches, from one /proc scan per tick for all. */
const pageBytes = 4096;
const tickMs = 250;

type Listener = (rssBytes: number) => void;

const listeners = new Map<number, Set<Listener>>();
let timer: NodeJS.Timeout | undefined;

/** Sums the resident set of each watched group: /proc/<pid>/stat field 5 is the process group id. */
function scan(): void {
  const totals = new Map<number, number>();
  for (const pgid of listeners.keys()) totals.set(pgid, 0);
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgid = Number(fields[2]);
      const total = totals.get(pgid);
      if (total === undefined) continue;
      totals.set(pgid, total + Number(fields[21]) * pageBytes);
    } catch {
      // the process ended between readdir and read
    }
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
