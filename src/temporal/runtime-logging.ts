import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

const levels: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * Sends the Temporal SDK's own log lines (worker state, activity failures) into the service's pino log
 * instead of the console. Must run before the first worker or native connection is made.
 */
export function installRuntimeLogging(logger: Logger): void {
  const level = levels[logger.level] ?? 'WARN';
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const method = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      sdkLogger[method]({ ...entry.meta }, entry.message);
    }),
  });
}
