/**
 * The status-tracking bench's statistics. Its median is the mean of the two middle samples, unlike the
 * nearest-rank summaries of bench/common/stats.ts: kept, so its figures stay comparable with those already
 * in docs/performance.md. Cells and tables are bench/common/table.ts.
 */
import { percentileOf } from '../common/stats';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Nearest-rank percentile of unsorted samples. */
export const percentile = (xs: number[], p: number): number =>
  percentileOf(
    [...xs].sort((a, b) => a - b),
    p,
  );

export const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
