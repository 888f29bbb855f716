/** Small shared pieces: the clock, free ports, machine info, statistics and a Markdown table. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** Wall-clock epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export const hiNow = (): number => performance.timeOrigin + performance.now();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function machineLine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return `machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${os.type()} ${os.release()}`;
}

export const loadLine = (): string =>
  `${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} (1/5/15 min, ${os.cpus().length} cores)`;

/** Nearest-rank percentile of a sorted array. */
export const percentileOf = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: percentileOf(s, 50), p95: percentileOf(s, 95), p99: percentileOf(s, 99), max: s[s.length - 1] ?? NaN };
}

export const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** A Markdown table: first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|');
  return [line(header), `|${rule}|`, ...cells.slice(1).map(line)].join('\n');
}
