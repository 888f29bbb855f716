/**
 * The bench function: a Node.js handler, zipped in code, that prints lines at a steady rate. Each line
 * carries its sequence number and the moment it was written (Date.now() and the sub-millisecond
 * performance.timeOrigin + performance.now()), so a follower can tell how long the line took to reach it.
 */
import { zipFiles } from '../common/zip';

/** A line as printed: `L <seq> <Date.now()> <timeOrigin + now()> <padding>`, about `lineBytes` long. */
export const linePattern = /^L (\d+) (\d+) (\d+\.\d+) /;

/** What the function is invoked with. */
export interface PrintEvent {
  rate: number;
  lines: number;
  /** The function prints `READY` and waits for this file before its first line (the follower is attached). */
  goFile: string;
  lineBytes: number;
}

/** What the function returns. */
export interface PrintResult {
  printed: number;
  firstHi: number;
  lastHi: number;
  /** The most a line was written after its due time (timer lateness), in ms. */
  maxLateMs: number;
}

const handler = `'use strict';
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Paced by due time: line i (from 0) is due i * 1000 / rate ms after the start. Each timer tick
// writes every line that has come due (about 10 a millisecond at 10,000 lines/s), then sleeps until the
// next one is due (at least 1 ms).
exports.main = async (event) => {
  const { rate, lines, goFile, lineBytes } = event;
  process.stdout.write('READY ' + process.pid + '\\n');
  while (!fs.existsSync(goFile)) await sleep(2);
  const start = performance.now();
  const periodMs = 1000 / rate;
  let seq = 0;
  let firstHi = 0;
  let lastHi = 0;
  let maxLateMs = 0;
  while (seq < lines) {
    const now = performance.now();
    const due = Math.min(lines, Math.floor((now - start) / periodMs) + 1);
    while (seq < due) {
      seq += 1;
      const hiNow = performance.now();
      maxLateMs = Math.max(maxLateMs, hiNow - start - (seq - 1) * periodMs);
      const hi = performance.timeOrigin + hiNow;
      const head = 'L ' + seq + ' ' + Date.now() + ' ' + hi.toFixed(3) + ' ';
      process.stdout.write(head.padEnd(lineBytes - 1, 'x') + '\\n');
      if (seq === 1) firstHi = hi;
      lastHi = hi;
    }
    if (seq < lines) await sleep(Math.max(1, start + seq * periodMs - performance.now()));
  }
  return { printed: seq, firstHi, lastHi, maxLateMs };
};
`;

/** The function's code package, base64 as the API takes it. */
export function benchZip(): Promise<string> {
  return zipFiles([{ name: 'index.js', text: handler }]);
}
