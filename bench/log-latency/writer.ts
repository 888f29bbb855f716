/**
 * One store writer, in its own process (as one worker process would be): appends `lines` lines of one
 * request in batches through LogStore.appendLines, the way the batcher writes them, after a `go` message.
 *
 * argv[2] is JSON WriterJob. Sends { type: 'ready' }, then on { type: 'go' } writes everything and sends
 * { type: 'done', startHi, endHi, textBytes, batchMs }.
 */
import type { LogLine, LogStore } from '../../src/logs/log-store';
import { openPostgresLogStore } from '../../src/logs/postgres-log-store';
import { openSqliteLogStore } from '../../src/logs/sqlite-log-store';
import { hiNow } from '../common/clock';

export interface WriterJob {
  kind: 'sqlite' | 'postgres';
  /** The SQLite file or the PostgreSQL connection string. */
  target: string;
  accountId: string;
  requestId: string;
  lines: number;
  batch: number;
  lineBytes: number;
}

export type WriterMessage =
  | { type: 'ready' }
  | { type: 'done'; startHi: number; endHi: number; textBytes: number; batchMs: number[] }
  | { type: 'error'; message: string };

const send = (message: WriterMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as WriterJob;
  const store: LogStore =
    job.kind === 'sqlite' ? openSqliteLogStore({ file: job.target }) : await openPostgresLogStore({ connectionString: job.target });
  const key = { accountId: job.accountId, requestId: job.requestId };
  await store.beginAttempt({
    ...key,
    attempt: 1,
    namespace: 'default',
    functionName: 'bench-throughput',
    qualifier: '$LATEST',
    logsetId: 'bench-logset',
    topicId: 'bench-topic',
    startedAtMs: Date.now(),
  });
  // The lines are made before the clock starts: only the store's work is timed.
  const batches: LogLine[][] = [];
  let textBytes = 0;
  for (let seq = 1; seq <= job.lines; seq++) {
    if ((seq - 1) % job.batch === 0) batches.push([]);
    const text = `${job.requestId} line ${seq} `.padEnd(job.lineBytes, 'x');
    textBytes += Buffer.byteLength(text);
    batches[batches.length - 1]!.push({ attempt: 1, seq, stream: seq % 10 === 0 ? 'stderr' : 'stdout', timeMs: Date.now(), text });
  }
  await send({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const batchMs: number[] = [];
  const startHi = hiNow();
  for (const batch of batches) {
    const t0 = hiNow();
    await store.appendLines(key, batch);
    batchMs.push(hiNow() - t0);
  }
  const endHi = hiNow();
  await store.close();
  await send({ type: 'done', startHi, endHi, textBytes, batchMs });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    await send({ type: 'error', message: String(err) });
    process.exit(1);
  },
);
