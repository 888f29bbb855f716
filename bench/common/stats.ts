/** Summaries of a bench's samples. */

/** Nearest-rank percentile of a sorted array: always a measured sample, never an interpolation. */
export const percentileOf = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

/** Non-finite samples (NaN: a step that did not happen, such as a line that never arrived) are left out. */
export function summarize(xs: number[]): Summary {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    median: percentileOf(s, 50),
    p95: percentileOf(s, 95),
    p99: percentileOf(s, 99),
    max: s[s.length - 1] ?? NaN,
  };
}
