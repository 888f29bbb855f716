/**
 * The waiting half of waitForLines, shared by both stores: a registry of waiters per event log that the
 * store wakes when it learns of new lines (a poll on SQLite, a notification on PostgreSQL), with the
 * timeout and the abort every wait has.
 */
import type { LogKey } from './log-store';
import { logKeyId } from './store-rows';

type Wake = () => void;

export class LineWaiters {
  private readonly byKey = new Map<string, Set<Wake>>();
  private closed = false;

  /** The keys someone is waiting on, as logKeyId spells them. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  has(keyId: string): boolean {
    return this.byKey.has(keyId);
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Resolves when `wake` is called for the key, after `maxWaitMs`, or when `signal` aborts, whichever
   * comes first; never rejects.
   */
  wait(key: LogKey, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || this.closed) return Promise.resolve();
    const id = logKeyId(key);
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        const waiters = this.byKey.get(id);
        waiters?.delete(finish);
        if (waiters?.size === 0) this.byKey.delete(id);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, maxWaitMs));
      signal?.addEventListener('abort', finish, { once: true });
      let waiters = this.byKey.get(id);
      if (!waiters) this.byKey.set(id, (waiters = new Set()));
      waiters.add(finish);
    });
  }

  /** Wakes everyone waiting on the key (a logKeyId). */
  wake(keyId: string): void {
    for (const finish of [...(this.byKey.get(keyId) ?? [])]) finish();
  }

  wakeAll(): void {
    for (const keyId of this.keys()) this.wake(keyId);
  }

  /** For a closing store: everyone wakes now, and later waits return at once (there is nothing to wait on). */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
