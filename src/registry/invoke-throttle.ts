import type { Db } from './database';

/** How fast a function's async invocations may arrive: SCF's rule is a tenth of its concurrency per second. */
export interface ThrottleRate {
  perSecond: number;
  /** How many may arrive at once after a quiet spell. */
  burst: number;
}

/**
 * SCF's async QPS rule for a function that fits `instances` events at once. The bucket holds
 * `burstSeconds` of the rate (at least one invocation), so a function with concurrency 10 takes 1 per
 * second and, after a quiet spell, 10 at once with the default 10 s. Concurrency 0 refuses everything.
 */
export function asyncInvokeRate(instances: number, burstSeconds: number): ThrottleRate {
  const perSecond = instances / 10;
  return { perSecond, burst: instances === 0 ? 0 : Math.max(1, Math.floor(perSecond * burstSeconds)) };
}

/**
 * Token buckets in the registry database, so that every API process sharing the data dir counts the same
 * invocations. One IMMEDIATE transaction per take: exact across processes and about a tenth of a
 * millisecond on a WAL database.
 */
export class InvokeThrottle {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token from the bucket; false (and nothing changed) when it is empty. */
  take(bucket: string, rate: ThrottleRate): boolean {
    return this.db
      .transaction(() => {
        const tokens = this.refilled(bucket, rate);
        if (tokens < 1) return false;
        this.store(bucket, tokens - 1);
        return true;
      })
      .immediate();
  }

  /** Gives a token back (the invocation it paid for started nothing: a duplicate, or Temporal refused). */
  refund(bucket: string, rate: ThrottleRate): void {
    this.db.transaction(() => this.store(bucket, Math.min(rate.burst, this.refilled(bucket, rate) + 1))).immediate();
  }

  private refilled(bucket: string, rate: ThrottleRate): number {
    const row = this.db.prepare('SELECT tokens, refilled_at_ms FROM invoke_buckets WHERE bucket = ?').get(bucket) as
      | { tokens: number; refilled_at_ms: number }
      | undefined;
    if (!row) return rate.burst;
    const elapsedSeconds = Math.max(0, this.now() - row.refilled_at_ms) / 1000;
    return Math.min(rate.burst, row.tokens + elapsedSeconds * rate.perSecond);
  }

  private store(bucket: string, tokens: number): void {
    this.db
      .prepare(
        `INSERT INTO invoke_buckets (bucket, tokens, refilled_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, refilled_at_ms = excluded.refilled_at_ms`,
      )
      .run(bucket, tokens, this.now());
  }
}
