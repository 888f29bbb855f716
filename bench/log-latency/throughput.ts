/**
 * The store's write throughput: N lines appended in batches (1000, as the batcher's largest) by one writer,
 * then by several writers at once on different requests, each writer its own process with its own store
 * connection (as separate worker processes would be). Timed from the common `go` to the last writer's end.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { openPostgresLogStore } from '../../src/logs/postgres-log-store';
import { openSqliteLogStore } from '../../src/logs/sqlite-log-store';
import { type Summary, summarize } from '../common/stats';
import type { WriterJob, WriterMessage } from './writer';

export interface ThroughputResult {
  store: 'sqlite' | 'postgres';
  writers: number;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  batchMs: Summary;
}

function startWriter(job: WriterJob) {
  const child = fork(path.join(__dirname, 'writer.ts'), [JSON.stringify(job)]);
  const waiting = new Map<string, (m: WriterMessage) => void>();
  let failure: Error | undefined;
  child.on('message', (raw) => {
    const m = raw as WriterMessage;
    if (m.type === 'error') failure = new Error(`writer failed: ${m.message}`);
    for (const [type, resolve] of waiting) if (m.type === type || m.type === 'error') resolve(m);
  });
  child.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`writer exited with ${code}`);
    for (const resolve of waiting.values()) resolve({ type: 'error', message: String(failure) });
  });
  const next = (type: WriterMessage['type']) =>
    new Promise<WriterMessage>((resolve, reject) =>
      waiting.set(type, (m) => {
        waiting.delete(type);
        if (m.type === 'error' || failure) reject(failure ?? new Error(m.type === 'error' ? m.message : 'writer failed'));
        else resolve(m);
      }),
    );
  return { child, next };
}

export async function measureThroughput(
  store: 'sqlite' | 'postgres',
  target: string,
  writers: number,
  totalLines: number,
  lineBytes: number,
): Promise<ThroughputResult> {
  // The schema first, from here, so the writers do not race on it.
  const schemaOwner = store === 'sqlite' ? openSqliteLogStore({ file: target }) : await openPostgresLogStore({ connectionString: target });
  await schemaOwner.close();
  const perWriter = Math.ceil(totalLines / writers);
  const tag = `${Date.now().toString(36)}-${writers}`;
  const children = Array.from({ length: writers }, (_, i) =>
    startWriter({ kind: store, target, accountId: 'bench-account', requestId: `tp-${tag}-${i}`, lines: perWriter, batch: 1000, lineBytes }),
  );
  try {
    await Promise.all(children.map((c) => c.next('ready')));
    const dones = children.map((c) => c.next('done'));
    for (const c of children) c.child.send({ type: 'go' });
    const results = (await Promise.all(dones)) as Extract<WriterMessage, { type: 'done' }>[];
    const seconds = (Math.max(...results.map((r) => r.endHi)) - Math.min(...results.map((r) => r.startHi))) / 1000;
    const lines = perWriter * writers;
    const bytes = results.reduce((n, r) => n + r.textBytes, 0);
    return {
      store,
      writers,
      lines,
      seconds,
      linesPerSecond: lines / seconds,
      mbPerSecond: bytes / 1e6 / seconds,
      batchMs: summarize(results.flatMap((r) => r.batchMs)),
    };
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill();
  }
}
