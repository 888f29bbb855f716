import { performance } from 'node:perf_hooks';

/**
 * Wall-clock epoch milliseconds with sub-millisecond resolution. Comparable across processes (the
 * follower's and the writers' timestamps meet the bench's) and with a child's Date.now().
 */
export const hiNow = (): number => performance.timeOrigin + performance.now();
