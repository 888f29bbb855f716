import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AttemptLog, type LogLimits, defaultLogLimits } from '../src/logs/attempt-log';
import type { LogStore } from '../src/logs/log-store';
import { openSqliteLogStore } from '../src/logs/sqlite-log-store';
import { launchNodeFunction } from '../src/runtime/launcher';
import { quietLogger } from './helpers/stack';

const codeDir = path.join(__dirname, 'fixtures', 'functions', 'logger');
let dir: string;
let store: LogStore;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-backpressure-'));
  store = openSqliteLogStore({ file: path.join(dir, 'logs.sqlite') });
});
afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The real store, made slow: every write waits first, as a loaded database would. */
function slowed(inner: LogStore, delayMs: number): LogStore {
  return Object.assign(Object.create(inner) as LogStore, {
    appendLines: async (...args: Parameters<LogStore['appendLines']>) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return inner.appendLines(...args);
    },
  });
}

/** Runs the logger fixture's handler in a real child process, its output going through an AttemptLog. */
async function runThrough(target: LogStore, limits: LogLimits, handler: string, event: unknown, requestId: string) {
  const start = {
    accountId: 'acct-bp',
    requestId,
    attempt: 1,
    namespace: 'default',
    functionName: 'flood',
    qualifier: '$LATEST',
    logsetId: 'ls',
    topicId: 'tp',
    startedAtMs: Date.now(),
  };
  let pausedTimes = 0;
  const running: { proc?: ReturnType<typeof launchNodeFunction> } = {};
  const log = new AttemptLog(target, start, limits, quietLogger, (high) => {
    if (high) pausedTimes += 1;
    running.proc?.setOutputPaused(high);
  });
  await log.begin();
  const workDir = fs.mkdtempSync(path.join(dir, 'work-'));
  const proc = launchNodeFunction({
    codeDir,
    workDir,
    handler,
    event,
    context: { requestId, functionName: 'flood', functionVersion: '$LATEST', namespace: 'default', memoryLimitInMb: 128, timeLimitInMs: 60000 },
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onOutput: (stream, chunk, raw) => log.output(stream, chunk, raw),
  });
  running.proc = proc;
  const outcome = await proc.outcome;
  await log.end({ statusCode: 200, message: '', durationMs: outcome.durationMs, memUsageBytes: 0, memorySizeMb: 128, exit: 'code 0' });
  return { outcome, peak: log.buffered.peak, pausedTimes };
}

test('a slow store slows the function down instead of filling the worker with its output', async () => {
  const limits: LogLimits = { ...defaultLogLimits, maxBufferedBytes: 256 * 1024, flushBytes: 64 * 1024, flushIntervalMs: 20 };
  const requestId = 'backpressure-slow-store';
  const { outcome, peak, pausedTimes } = await runThrough(slowed(store, 15), limits, 'index.flood', { megabytes: 20 }, requestId);
  expect(outcome.answer?.kind).toBe('result');
  // 20 MB went through; the worker never held more than the bound plus what was already in the pipes.
  expect(pausedTimes).toBeGreaterThan(0);
  expect(peak).toBeLessThan(limits.maxBufferedBytes + 512 * 1024);
  // And nothing was dropped: every one of the 200,000 lines is stored (plus start, end and report).
  const [attempt] = await store.attempts({ accountId: 'acct-bp', requestId });
  expect(attempt!.lineCount).toBe(200_000 + 3);
}, 120_000);

test('with a fast store the same flood is stored completely, in order', async () => {
  const requestId = 'backpressure-fast-store';
  const { outcome } = await runThrough(store, defaultLogLimits, 'index.flood', { megabytes: 5 }, requestId);
  expect(outcome.answer?.kind).toBe('result');
  const key = { accountId: 'acct-bp', requestId };
  let count = 0;
  let after;
  for (;;) {
    const lines = await store.readLines(key, after, 5000);
    if (lines.length === 0) break;
    for (const line of lines) {
      count += 1;
      expect(line.seq).toBe(count);
    }
    const last = lines[lines.length - 1]!;
    after = { attempt: last.attempt, seq: last.seq };
  }
  expect(count).toBe(50_000 + 3);
}, 120_000);
