/** The bench's printed tables. */
import type { Summary } from '../common/stats';
import { fmt, table } from '../common/table';
import type { RateResult } from './latency';
import type { StoreKind } from './stack';
import type { ThroughputResult } from './throughput';

export const targetRate = 1000;
export const targetP99Ms = 200;

export interface StoreRun {
  store: StoreKind;
  flushIntervalMs: number;
  rates: RateResult[];
}

const medP99 = (s: Summary) => `${fmt(s.median)} / ${fmt(s.p99)}`;

export function printDelays(runs: StoreRun[]): void {
  console.log(`\ndelay from a line printed by the function to the same line received by a following SSE client, ms`);
  console.log(`(target: p99 < ${targetP99Ms} ms at ${targetRate} lines/s)\n`);
  const rows = runs.flatMap((run) =>
    run.rates.map((r) => [
      run.store,
      r.rate,
      fmt(r.achievedRate, 1),
      `${r.received}/${r.expected}`,
      r.inOrderOnce ? 'yes' : `NO: ${r.orderNote}`,
      fmt(r.delay.median),
      fmt(r.delay.p95),
      fmt(r.delay.p99),
      fmt(r.delay.max),
      r.rate === targetRate ? (r.delay.p99 < targetP99Ms ? 'met' : 'MISSED') : '',
    ]),
  );
  console.log(
    table(['store', 'lines/s asked', 'achieved', 'received', 'all once, in order', 'median', 'p95', 'p99', 'max', 'target'], rows),
  );
}

export function printSegments(runs: StoreRun[]): void {
  console.log('\nwhere the time goes, per line: median / p99 ms of each step');
  console.log(
    '  capture: printed -> worker read it (stored time, whole ms); batching: -> append started; write: the append;\n' +
      '  wake: append done -> the follower read started (about 0, or just below, when the append wakes the follower\n' +
      '  directly: the follower starts reading before the timing wrapper notes the append done); read: the read;\n' +
      '  deliver: read done -> client received (SSE write, HTTP, the client process)\n',
  );
  const rows = runs.flatMap((run) =>
    run.rates.map((r) => [
      `${run.store} (flush ${run.flushIntervalMs} ms)`,
      r.rate,
      medP99(r.segments.capture),
      medP99(r.segments.batching),
      medP99(r.segments.write),
      medP99(r.segments.wake),
      medP99(r.segments.read),
      medP99(r.segments.deliver),
    ]),
  );
  console.log(table(['store', 'lines/s', 'capture', 'batching', 'write', 'wake', 'read', 'deliver'], rows));
}

export function printDetails(runs: StoreRun[]): void {
  console.log('\nthe follower: its status checks (describe calls while following) and its waits for lines');
  console.log(
    '  waits begun on unread lines: waitForLines calls that started after lines were stored and before they were\n' +
      '  read (the follower slept on lines it had), how many of them ran to their timeout, and the lines they held back\n',
  );
  console.log(
    table(
      ['store', 'lines/s', 'checks', 'check ms med / max', 'lines waiting on one', 'p99 ms those / others', 'waits begun on unread lines', 'lines held back, p99 ms'],
      runs.flatMap((run) =>
        run.rates.map((r) => [
          run.store,
          r.rate,
          r.statusChecks.count,
          `${fmt(r.statusChecks.durations.median)} / ${fmt(r.statusChecks.durations.max)}`,
          r.statusChecks.linesBehindOne,
          `${fmt(r.statusChecks.delayBehind.p99)} / ${fmt(r.statusChecks.delayOthers.p99)}`,
          `${r.staleWaits.count}/${r.staleWaits.of} (${r.staleWaits.timedOut} to timeout), longest ${fmt(r.staleWaits.longestMs, 0)} ms`,
          `${r.staleWaits.lines}, p99 ${fmt(r.staleWaits.delayOfLines.p99)}`,
        ]),
      ),
    ),
  );
  console.log('\nbatches, and the load of this process (API + worker; the follower and the function are processes of their own)\n');
  console.log(
    table(
      ['store', 'lines/s', 'appends x lines', 'reads', 'SSE chunks', 'loop delay p99 / max ms', 'CPU % of a core', 'Date.now() delay med / p99', 'print late max ms', 'event end'],
      runs.flatMap((run) =>
        run.rates.map((r) => [
          run.store,
          r.rate,
          `${r.appendBatches} x ${fmt(r.linesPerAppend)}`,
          r.readBatches,
          r.sseChunks,
          `${fmt(r.eventLoopDelay.p99)} / ${fmt(r.eventLoopDelay.max)}`,
          fmt(r.cpuPercent, 0),
          `${fmt(r.delayMsClock.median)} / ${fmt(r.delayMsClock.p99)}`,
          fmt(r.maxLateMs),
          r.endStatus,
        ]),
      ),
    ),
  );
}

export function printThroughput(results: ThroughputResult[], lineBytes: number): void {
  console.log(
    `\nstore write throughput: LogStore.appendLines, batches of 1000 lines of ${lineBytes} bytes, each writer a process with its own connection\n`,
  );
  console.log(
    table(
      ['store', 'writers', 'lines', 'seconds', 'lines/s', 'MB/s (text, 10^6 B)', 'batch ms median / p99 / max'],
      results.map((r) => [
        r.store,
        r.writers,
        r.lines,
        fmt(r.seconds, 2),
        r.linesPerSecond.toFixed(0),
        fmt(r.mbPerSecond, 2),
        `${fmt(r.batchMs.median)} / ${fmt(r.batchMs.p99)} / ${fmt(r.batchMs.max)}`,
      ]),
    ),
  );
}
