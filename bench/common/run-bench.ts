/**
 * The frame every bench's main runs in: the Temporal SDK's runtime made quiet, SIGINT/SIGTERM turned into a
 * cleanup, and the exit code (0, 1 on an error, 130 when interrupted).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Cleanup } from './cleanup';

export interface BenchRun {
  /** A step for the end of the run, however it ends (done, failed or interrupted); run in reverse order. */
  onCleanup(step: () => unknown): void;
  /** Runs the cleanup now, for a bench that reports after it; what it ran does not run again at the end. */
  cleanup(): Promise<void>;
  /** Whether a signal started the cleanup: the bench then leaves the cleanup to it. */
  readonly interrupted: boolean;
}

export function runBench(main: (run: BenchRun) => Promise<void>): void {
  // The SDK's own lines (failed activities, some on purpose) would drown the report, and so would core's:
  // after the dev server stops, the worker retries its last reports loudly. No shutdown signals: each bench
  // stops its worker itself, in its cleanup order.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\ninterrupted: cleaning up');
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const run: BenchRun = {
    onCleanup: cleanup.add,
    cleanup: cleanup.run,
    get interrupted() {
      return interrupted;
    },
  };
  main(run)
    .then(cleanup.run)
    .then(
      () => process.exit(0),
      async (err: unknown) => {
        console.error(err);
        await cleanup.run();
        process.exit(1);
      },
    );
}
