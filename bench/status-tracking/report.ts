import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from '../common/machine';
import { fmt, table } from '../common/table';
import type { FillResult } from './fill';
import type { CaseResult, Sample } from './measure';
import { type BenchStack, rssMb } from './stack';
import { mean, median, percentile } from './stats';

const targetMs = 200;

export function printMachine(): void {
  console.log(machineLine());
  console.log(
    'NOTE: runFunction is a bench stand-in (in-process, no user code): this measures listing, not execution.\n',
  );
}

export function printLatency(total: number, results: CaseResult[], runs: number, warmups: number): void {
  const times = (r: CaseResult) => r.samples.map((s) => s.ms);
  console.log(
    `\nlatency over HTTP, ${total} events, ${runs} runs after ${warmups} warm-ups (target: p95 < ${targetMs} ms)\n`,
  );
  console.log(
    table(
      ['case', 'median ms', 'p95 ms', 'target'],
      results.map((r) => [
        r.name,
        fmt(median(times(r))),
        fmt(percentile(times(r), 95)),
        percentile(times(r), 95) < targetMs ? 'met' : 'MISSED',
      ]),
    ),
  );
  const avg = (r: CaseResult, field: keyof Sample) => mean(r.samples.map((s) => s[field]));
  const per = (total: number, n: number) => fmt(n ? total / n : 0);
  console.log(`\nwhere the time goes (means per request; Temporal client calls made by the API)\n`);
  console.log(
    table(
      [
        'case',
        'counts',
        'of which window',
        'ms in counts',
        'median ms per count',
        'ms per window count',
        'lists',
        'ms in lists',
        'rows listed',
      ],
      results.map((r) => [
        r.name,
        fmt(avg(r, 'counts')),
        fmt(avg(r, 'windowCounts')),
        fmt(avg(r, 'countMs')),
        fmt(r.countDurations.length ? median(r.countDurations) : 0),
        per(avg(r, 'windowMs'), avg(r, 'windowCounts')),
        fmt(avg(r, 'lists')),
        fmt(avg(r, 'listMs')),
        fmt(avg(r, 'items')),
      ]),
    ),
  );
}

export function printFill(fillResult: FillResult | undefined, dataDir: string): void {
  if (!fillResult || fillResult.started === 0) {
    console.log(`\nfill: none in this run (events reused from ${dataDir})`);
    return;
  }
  const { started, startSeconds, fillSeconds } = fillResult;
  console.log(
    `\nfill: ${started} events in this run, ${(started / startSeconds).toFixed(0)} starts/s (${startSeconds.toFixed(1)} s), ` +
      `${(started / fillSeconds).toFixed(0)} events/s until visibility had all final statuses (${fillSeconds.toFixed(1)} s)`,
  );
}

export function printResources(stack: BenchStack, withWorker: boolean, loadBefore: number[]): void {
  const sqliteMb =
    ['', '-wal'].reduce((total, suffix) => {
      const file = stack.sqliteFile + suffix;
      return total + (fs.existsSync(file) ? fs.statSync(file).size : 0);
    }, 0) /
    2 ** 20;
  console.log(
    `memory: bench process RSS ${rssMb('self')} MB (API + client${withWorker ? ' + bench worker holding the running activities' : ', no worker'}), ` +
      `dev server RSS ${rssMb(stack.devServer.process.pid!)} MB, Temporal SQLite ${sqliteMb.toFixed(0)} MB`,
  );
  const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join('/');
  console.log(
    `load average (1/5/15 min) when measuring started ${loads(loadBefore)}, ended ${loads(os.loadavg())} ` +
      `(${os.cpus().length} cores; anything else running shares them)`,
  );
  const serverLog = path.join(stack.dataDir, 'temporal', 'server.log');
  const logText = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8') : '';
  console.log(
    `dev server log: ${(logText.match(/level=ERROR/g) ?? []).length} ERROR and ${(logText.match(/level=WARN/g) ?? []).length} WARN lines ` +
      `(persistence timeouts under fill load show up here)`,
  );
}
