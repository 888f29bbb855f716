import { LonghaulError } from '../errors';
import type { Db } from './database';
import type { FunctionRegistry, FunctionView } from './functions';

/** SCF's async retry settings: retries of user errors, and how long an event may wait to start. */
export interface InvokeConfig {
  retryNum: number;
  msgTtlSeconds: number;
}

/**
 * SCF's bounds (RetryNum 0–2, MsgTTL 60 s – 6 h). longhaul's default RetryNum is 0, not SCF's 2: an event
 * here may run for a day, and rerunning a failed day-long job twice on its own is a cost the user should choose.
 */
export const invokeConfigLimits = { maxRetryNum: 2, minMsgTtlSeconds: 60, maxMsgTtlSeconds: 21600 } as const;
export const defaultInvokeConfig: InvokeConfig = { retryNum: 0, msgTtlSeconds: invokeConfigLimits.maxMsgTtlSeconds };

/**
 * Where an event waits for a slot: its function's own pool when the function has reserved concurrency, the
 * account's shared pool otherwise. Capacities are in MB, as SCF counts them; an event takes its memory size.
 */
export interface ConcurrencyPool {
  /** Names the pool within a deployment; its workflow id adds the task queue (poolWorkflowId). */
  poolKey: string;
  capacityMb: number;
  /** How many events of this function fit at once: capacity ÷ memory size. */
  instances: number;
  /** The function's reservation, or null when it shares the account's pool. */
  reservedMb: number | null;
}

interface LimitsRow {
  reserved_concurrency_mem: number | null;
  retry_num: number | null;
  msg_ttl_seconds: number | null;
}

/**
 * Per-function limits: reserved concurrency and the async retry settings, kept beside the registry (a
 * function's, not a version's, as in SCF) and removed with the function.
 */
export class FunctionLimits {
  constructor(
    private readonly db: Db,
    private readonly registry: FunctionRegistry,
    /** The account-wide concurrency (MB) that reservations are carved out of. */
    readonly accountQuotaMb: number,
  ) {}

  reservation(accountId: string, namespace: string, name: string): number | null {
    this.registry.requireFunction(accountId, namespace, name);
    return this.row(accountId, namespace, name)?.reserved_concurrency_mem ?? null;
  }

  /** Reserves concurrency for one function; the account's reservations together stay within its quota. */
  reserve(accountId: string, namespace: string, name: string, memMb: unknown): number {
    if (typeof memMb !== 'number' || !Number.isInteger(memMb) || memMb < 0) {
      throw new LonghaulError('InvalidParameterValue.ReservedConcurrencyMem', 'ReservedConcurrencyMem must be a whole number of MB ≥ 0');
    }
    this.db.transaction(() => {
      this.registry.requireFunction(accountId, namespace, name);
      const others = this.reservedTotal(accountId) - (this.row(accountId, namespace, name)?.reserved_concurrency_mem ?? 0);
      if (others + memMb > this.accountQuotaMb) {
        throw new LonghaulError(
          'LimitExceeded.ReservedConcurrencyMem',
          `ReservedConcurrencyMem ${memMb} MB is more than the account has left: ${this.accountQuotaMb - others} of ${this.accountQuotaMb} MB`,
        );
      }
      this.upsert(accountId, namespace, name, 'reserved_concurrency_mem', memMb);
    }).immediate();
    return memMb;
  }

  unreserve(accountId: string, namespace: string, name: string): void {
    this.registry.requireFunction(accountId, namespace, name);
    this.upsert(accountId, namespace, name, 'reserved_concurrency_mem', null);
  }

  invokeConfig(accountId: string, namespace: string, name: string): InvokeConfig {
    this.registry.requireFunction(accountId, namespace, name);
    const row = this.row(accountId, namespace, name);
    return {
      retryNum: row?.retry_num ?? defaultInvokeConfig.retryNum,
      msgTtlSeconds: row?.msg_ttl_seconds ?? defaultInvokeConfig.msgTtlSeconds,
    };
  }

  /** Changes the given settings; omitted ones keep their value. */
  updateInvokeConfig(accountId: string, namespace: string, name: string, patch: Partial<InvokeConfig>): InvokeConfig {
    if (patch.retryNum !== undefined) validateRetryNum(patch.retryNum);
    if (patch.msgTtlSeconds !== undefined) validateMsgTtl(patch.msgTtlSeconds);
    this.db.transaction(() => {
      this.registry.requireFunction(accountId, namespace, name);
      if (patch.retryNum !== undefined) this.upsert(accountId, namespace, name, 'retry_num', patch.retryNum);
      if (patch.msgTtlSeconds !== undefined) this.upsert(accountId, namespace, name, 'msg_ttl_seconds', patch.msgTtlSeconds);
    }).immediate();
    return this.invokeConfig(accountId, namespace, name);
  }

  /** The pool an event of this function version joins, with the capacity it has now. */
  poolOf(fn: FunctionView): ConcurrencyPool {
    const reservedMb = this.row(fn.accountId, fn.namespace, fn.name)?.reserved_concurrency_mem ?? null;
    const capacityMb = reservedMb ?? this.unreservedMb(fn.accountId);
    const poolKey = reservedMb === null ? accountPoolKey(fn.accountId) : functionPoolKey(fn.accountId, fn.namespace, fn.name);
    return { poolKey, capacityMb, instances: Math.floor(capacityMb / fn.memoryMb), reservedMb };
  }

  /** What the account's shared pool holds: the quota less every reservation. */
  unreservedMb(accountId: string): number {
    return Math.max(0, this.accountQuotaMb - this.reservedTotal(accountId));
  }

  private reservedTotal(accountId: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(reserved_concurrency_mem), 0) AS total FROM function_limits WHERE account_id = ?')
      .get(accountId) as { total: number };
    return row.total;
  }

  private row(accountId: string, namespace: string, name: string): LimitsRow | undefined {
    return this.db
      .prepare('SELECT reserved_concurrency_mem, retry_num, msg_ttl_seconds FROM function_limits WHERE account_id = ? AND namespace = ? AND name = ?')
      .get(accountId, namespace, name) as LimitsRow | undefined;
  }

  private upsert(accountId: string, namespace: string, name: string, column: keyof LimitsRow, value: number | null): void {
    // The column name comes from the closed keyof LimitsRow above, never from a request.
    this.db
      .prepare(
        `INSERT INTO function_limits (account_id, namespace, name, ${column}) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, namespace, name) DO UPDATE SET ${column} = excluded.${column}`,
      )
      .run(accountId, namespace, name, value);
  }
}

/** The pool of functions without a reservation: one per account. */
export function accountPoolKey(accountId: string): string {
  return accountId;
}

export function functionPoolKey(accountId: string, namespace: string, name: string): string {
  return `${accountId}/${namespace}/${name}`;
}

/**
 * A pool's workflow id. The task queue is part of it: a pool runs on the task queue of the event that
 * started it, so two deployments sharing a Temporal namespace (each its own task queue) need pools of
 * their own, or one's events would wait on a pool that only the other's workers run.
 */
export function poolWorkflowId(taskQueue: string, poolKey: string): string {
  return `longhaul-pool/${taskQueue}/${poolKey}`;
}

function validateRetryNum(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new LonghaulError('InvalidParameterValue.RetryNum', 'RetryNum must be a whole number ≥ 0');
  }
  if (value > invokeConfigLimits.maxRetryNum) {
    throw new LonghaulError('LimitExceeded.RetryNum', `RetryNum is at most ${invokeConfigLimits.maxRetryNum}, got ${value}`);
  }
}

function validateMsgTtl(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new LonghaulError('InvalidParameterValue.MsgTTL', 'MsgTTL must be a whole number of seconds');
  }
  const { minMsgTtlSeconds: min, maxMsgTtlSeconds: max } = invokeConfigLimits;
  if (value < min || value > max) {
    throw new LonghaulError('LimitExceeded.MsgTTL', `MsgTTL must be from ${min} to ${max} seconds, got ${value}`);
  }
}
