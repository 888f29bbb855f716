/**
 * How an SQLite log store sees lines that other connections (the worker processes) append: one poller
 * per store, running only while someone waits.
 */
import type Database from 'better-sqlite3';
import type { LogKey } from './log-store';
import { logKeyId } from './store-rows';
import type { LineWaiters } from './store-wait';

/**
 * Other processes' appends, seen by one poller per store while anyone waits. Each tick costs one
 * `PRAGMA data_version` (which moves only when another connection commits); only then is each waited
 * log's signature (two primary-key lookups) compared with the one taken when its first waiter came.
 */
export function watchOtherConnections(
  db: Database.Database,
  waiters: LineWaiters,
  pollIntervalMs: number,
  readSignature: (key: LogKey) => string,
) {
  const signatures = new Map<string, string>();
  const dataVersionQuery = db.prepare('PRAGMA data_version').pluck();
  const dataVersion = (): unknown => dataVersionQuery.get();
  let timer: NodeJS.Timeout | undefined;
  let lastVersion: unknown;

  const tick = (): void => {
    if (!db.open || waiters.size === 0) return stop();
    const waited = new Set(waiters.keys());
    for (const id of signatures.keys()) if (!waited.has(id)) signatures.delete(id);
    const version = dataVersion();
    if (version === lastVersion) return;
    lastVersion = version;
    for (const [id, signature] of signatures) {
      const [accountId, requestId] = JSON.parse(id) as [string, string];
      const now = readSignature({ accountId, requestId });
      if (now === signature) continue;
      signatures.set(id, now);
      waiters.wake(id);
    }
  };

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
    signatures.clear();
  }

  return {
    wait(key: LogKey, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted || !db.open) return waiters.wait(key, maxWaitMs, signal);
      if (!timer) {
        // The version first, then the signatures: a commit between the two is caught at the next tick.
        lastVersion = dataVersion();
        timer = setInterval(tick, pollIntervalMs);
        timer.unref();
      }
      const id = logKeyId(key);
      // A key nobody waits on may have a stale signature (its last waiters were woken): take it afresh.
      if (!waiters.has(id)) signatures.set(id, readSignature(key));
      return waiters.wait(key, maxWaitMs, signal);
    },
    stop,
  };
}
