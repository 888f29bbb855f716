import type { Logger } from 'pino';
import type { LogStore } from './log-store';

export interface RetentionOptions {
  retentionMs: number;
  intervalMs: number;
}

/**
 * Removes log records older than the retention, now and then at every interval, so the store rolls
 * instead of growing. Every worker runs one: purges are idempotent, so several at once only repeat work.
 */
export function startLogRetention(store: LogStore, options: RetentionOptions, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const purge = () => {
    running ??= store
      .purgeBefore(Date.now() - options.retentionMs)
      .then((removed) => {
        if (removed.lines > 0 || removed.attempts > 0) logger.info(removed, 'expired log records removed');
      })
      .catch((err: unknown) => logger.warn({ err }, 'log retention pass failed; next one retries'))
      .finally(() => (running = undefined));
  };
  purge();
  const timer = setInterval(purge, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
