/**
 * Exact ordering and paging over a store that can only count and list unordered (Temporal's SQL
 * visibility rejects ORDER BY and LIMIT). The idea: counts are exact and cheap, so narrow a time window
 * with count queries until it holds the requested page plus a little slack, list just that window, and
 * sort it in memory. Memory and time stay bounded by the page size, not by the number of events.
 */

/** Comparisons the store answers: how many items have a key above / at-or-above / below / at-or-below t. */
export type Comparison = '>' | '>=' | '<' | '<=';

export interface WindowStore<T> {
  /** Items of the segment with `key op t` (t in ms since the epoch). */
  count(op: Comparison, t: number): Promise<number>;
  /** Every item of the segment with lower ≤ key ≤ upper (either bound may be absent), unordered. */
  list(lower: number | undefined, upper: number | undefined): Promise<T[]>;
  /** Compares two items by key, then by a unique tie-breaker: a total order. */
  compare(a: T, b: T): number;
}

export interface WindowRequest {
  /** How many items the segment holds. */
  total: number;
  offset: number;
  limit: number;
  descending: boolean;
  /** Keys are known to lie within [minKey, maxKey] (ms). */
  minKey: number;
  maxKey: number;
}

/** How many extra items a window may hold beyond the page: fewer count queries, a little more listing. */
const slack = 200;

/** The items at ranks [offset, offset + limit) of the segment, in order. */
export async function pageOf<T>(store: WindowStore<T>, req: WindowRequest): Promise<T[]> {
  const end = Math.min(req.total, req.offset + req.limit);
  if (req.offset >= end) return [];
  // In the sort direction, "before" items precede the page; the window starts at `near` and ends at `far`.
  const before: Comparison = req.descending ? '>' : '<';
  const through: Comparison = req.descending ? '>=' : '<=';
  let near: number | undefined;
  let skipped = 0;
  if (req.offset > 0) {
    // The nearest bound with at most `offset` items before it, and not far fewer.
    near = await threshold(store, before, req, req.offset - slack, req.offset, 'atMost');
    skipped = await store.count(before, near);
  }
  let far: number | undefined;
  if (end < req.total) {
    // The farthest bound such that at least `end` items lie up to and through it.
    far = await threshold(store, through, req, end, end + slack, 'atLeast');
  }
  const [lower, upper] = req.descending ? [far, near] : [near, far];
  const window = await store.list(lower, upper);
  window.sort((a, b) => (req.descending ? -store.compare(a, b) : store.compare(a, b)));
  return window.slice(req.offset - skipped, end - skipped);
}

/**
 * Finds a time t where count(op, t) lies in [low, high], searching by interpolation between bracketing
 * times (regula falsi with the Illinois step, so skewed data still converges) and stopping at 1 ms.
 * `must` names the side that has to hold when [low, high] cannot be hit exactly (many ties at one ms).
 */
async function threshold<T>(
  store: WindowStore<T>,
  op: Comparison,
  req: WindowRequest,
  low: number,
  high: number,
  must: 'atMost' | 'atLeast',
): Promise<number> {
  // count(op, t) grows with t for < and <=, and shrinks for > and >=.
  const growing = op === '<' || op === '<=';
  let a = req.minKey - 1;
  let b = req.maxKey + 1;
  let fa = growing ? 0 : req.total;
  let fb = growing ? req.total : 0;
  const target = (Math.max(low, 0) + high) / 2;
  let side = 0;
  let repeats = 0;
  while (b - a > 1) {
    // Interpolate; after two steps on the same side (flat or skewed data), bisect once so that the
    // bracket at least halves: never worse than about twice a bisection, usually a few steps.
    let t = repeats >= 2 ? Math.round((a + b) / 2) : Math.round(a + ((target - fa) * (b - a)) / (fb - fa || 1));
    t = Math.min(b - 1, Math.max(a + 1, Number.isFinite(t) ? t : Math.round((a + b) / 2)));
    const ft = await store.count(op, t);
    if (ft >= low && ft <= high) return t;
    // Keep [a, b] bracketing the target; halve the stale end's weight when one end repeats (Illinois).
    const towardsB = growing ? ft < low : ft > high;
    const newSide = towardsB ? -1 : 1;
    repeats = newSide === side && repeats < 2 ? repeats + 1 : newSide === side ? 0 : 1;
    if (towardsB) {
      a = t;
      fa = ft;
      if (side === -1) fb = (fb + target) / 2;
    } else {
      b = t;
      fb = ft;
      if (side === 1) fa = (fa + target) / 2;
    }
    side = newSide;
  }
  // Ties span the target: take the end that keeps the hard side of the bound.
  const atMostEnd = growing ? a : b;
  const atLeastEnd = growing ? b : a;
  return must === 'atMost' ? atMostEnd : atLeastEnd;
}
