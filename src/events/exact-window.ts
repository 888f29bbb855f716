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

/**
 * Where earlier searches of one segment saw which counts, to start the next search close to its answer.
 * A guess is only ever a first probe: the search counts there afresh and brackets with fresh counts only,
 * so a stale guess (events came or went since) costs at most a probe, never exactness.
 */
export interface SeedBook {
  /** A time where the count is probably near `target`, or undefined. */
  guess(target: number, growing: boolean): number | undefined;
  record(t: number, count: number, growing: boolean): void;
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
  seeds?: SeedBook;
}

/** How many extra items a window may hold beyond the page: fewer count queries, a little more listing. */
const slack = 100;

/**
 * The items at ranks [offset, offset + limit) of the segment, in order. A page nearer the end than the
 * start is read as the mirrored page of the reverse order, reversed: a deep page costs what a first one does.
 */
export async function pageOf<T>(store: WindowStore<T>, req: WindowRequest): Promise<T[]> {
  const end = Math.min(req.total, req.offset + req.limit);
  if (req.offset >= end) return [];
  if (req.total - end < req.offset) {
    const mirrored = {
      ...req,
      descending: !req.descending,
      offset: req.total - end,
      limit: end - req.offset,
    };
    return (await pageFromStart(store, mirrored)).reverse();
  }
  return pageFromStart(store, req);
}

async function pageFromStart<T>(store: WindowStore<T>, req: WindowRequest): Promise<T[]> {
  const end = Math.min(req.total, req.offset + req.limit);
  // In the sort direction, "before" items precede the page; the window starts at `near` and ends at `far`.
  const before: Comparison = req.descending ? '>' : '<';
  const through: Comparison = req.descending ? '>=' : '<=';
  let near: number | undefined;
  let skipped = 0;
  if (req.offset > 0) {
    // The nearest bound with at most `offset` items before it, and not far fewer.
    const found = await threshold(store, before, req, req.offset - slack, req.offset, 'atMost');
    near = found.t;
    skipped = found.count ?? (await store.count(before, near));
  }
  let far: number | undefined;
  if (end < req.total) {
    // The farthest bound such that at least `end` items lie up to and through it.
    far = (await threshold(store, through, req, end, end + slack, 'atLeast')).t;
  }
  const [lower, upper] = req.descending ? [far, near] : [near, far];
  const window = await store.list(lower, upper);
  window.sort((a, b) => (req.descending ? -store.compare(a, b) : store.compare(a, b)));
  return window.slice(req.offset - skipped, end - skipped);
}

/**
 * Finds a time t where count(op, t) lies in [low, high], searching by interpolation between bracketing
 * times (regula falsi with the Illinois step, so skewed data still converges) and stopping at 1 ms. The
 * first probe is the seed book's guess when it has one. `must` names the side that has to hold when
 * [low, high] cannot be hit exactly (many ties at one ms). Returns t with its count when one was taken.
 */
async function threshold<T>(
  store: WindowStore<T>,
  op: Comparison,
  req: WindowRequest,
  low: number,
  high: number,
  must: 'atMost' | 'atLeast',
): Promise<{ t: number; count: number | undefined }> {
  // count(op, t) grows with t for < and <=, and shrinks for > and >=.
  const growing = op === '<' || op === '<=';
  let a = req.minKey - 1;
  let b = req.maxKey + 1;
  let fa = growing ? 0 : req.total;
  let fb = growing ? req.total : 0;
  // Counts actually known at times (the Illinois step below reweighs fa and fb, so they are not).
  const known = new Map([
    [a, fa],
    [b, fb],
  ]);
  const target = (Math.max(low, 0) + high) / 2;
  let seed = req.seeds?.guess(target, growing);
  let side = 0;
  let repeats = 0;
  while (b - a > 1) {
    // Interpolate; after two steps on the same side (flat or skewed data), bisect once so that the
    // bracket at least halves: never worse than about twice a bisection, usually a few steps.
    let t =
      seed ??
      (repeats >= 2 ? Math.round((a + b) / 2) : Math.round(a + ((target - fa) * (b - a)) / (fb - fa || 1)));
    seed = undefined;
    t = Math.min(b - 1, Math.max(a + 1, Number.isFinite(t) ? t : Math.round((a + b) / 2)));
    const ft = await store.count(op, t);
    known.set(t, ft);
    req.seeds?.record(t, ft, growing);
    if (ft >= low && ft <= high) return { t, count: ft };
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
  const t = must === 'atMost' ? atMostEnd : atLeastEnd;
  return { t, count: known.get(t) };
}

/**
 * Seed books for many segments, remembered across requests: the last few counts seen per segment and
 * direction, for the segments used most recently. Guesses only (see SeedBook), so sharing one memory
 * between requests never changes an answer.
 */
export class BoundaryMemory {
  private readonly segments = new Map<string, { t: number; count: number }[]>();

  constructor(
    private readonly maxSegments = 256,
    private readonly pointsPerSegment = 16,
  ) {}

  /** The seed book of one segment (its query, so the same filter finds its own points again). */
  book(segmentKey: string): SeedBook {
    return {
      guess: (target, growing) => this.guess(`${segmentKey}|${growing ? 'up' : 'down'}`, target),
      record: (t, count, growing) => this.record(`${segmentKey}|${growing ? 'up' : 'down'}`, t, count),
    };
  }

  private guess(key: string, target: number): number | undefined {
    const points = this.segments.get(key);
    if (!points?.length) return undefined;
    // The nearest remembered counts on either side of the target; interpolate between them if both exist.
    let below: { t: number; count: number } | undefined;
    let above: { t: number; count: number } | undefined;
    for (const p of points) {
      if (p.count <= target && (!below || p.count > below.count)) below = p;
      if (p.count >= target && (!above || p.count < above.count)) above = p;
    }
    if (below && above && above.count !== below.count) {
      const share = (target - below.count) / (above.count - below.count);
      return Math.round(below.t + share * (above.t - below.t));
    }
    // One side only: a point near the target is still a good first probe; a far one is not worth a count.
    const nearest = below ?? above!;
    return Math.abs(nearest.count - target) <= 4 * slack ? nearest.t : undefined;
  }

  private record(key: string, t: number, count: number): void {
    const points = this.segments.get(key) ?? [];
    // Most recently used last: a Map iterates in insertion order, so the first key is the least recent.
    this.segments.delete(key);
    this.segments.set(key, [...points.filter((p) => p.t !== t), { t, count }].slice(-this.pointsPerSegment));
    if (this.segments.size > this.maxSegments) this.segments.delete(this.segments.keys().next().value!);
  }
}
