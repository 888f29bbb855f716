/**
 * Pure types of the concurrency pools: one coordinator workflow per pool grants run slots to event
 * workflows in arrival order. Safe to import from the workflow sandbox.
 */

/** An event asking for a slot. */
export interface PoolJoin {
  requestId: string;
  /** What the event takes of the pool: its memory size in MB (SCF counts concurrency in memory). */
  weightMb: number;
  /** The event's invocation time: the queue is ordered by it, then by RequestId. */
  arrivedAtMs: number;
  /** The pool's capacity as the joiner's invocation saw it; the latest one seen wins. */
  capacityMb: number;
}

export interface PoolHolder {
  requestId: string;
  weightMb: number;
  grantedAtMs: number;
}

/** The whole state of a pool: what it carries over when it continues as new. */
export interface PoolState {
  capacityMb: number;
  holders: PoolHolder[];
  waiting: PoolJoin[];
}

/** Where one waiting event stands, for longhaul's API (SCF shows such an event as RUNNING). */
export interface QueuePlace {
  /** 1 for the next event to start. */
  position: number;
  waitingCount: number;
  capacityMb: number;
  inUseMb: number;
}

/** How an event waits for a slot, snapshotted at invocation. */
export interface ConcurrencyTicket {
  poolId: string;
  capacityMb: number;
  /** When the gateway accepted the invocation (epoch ms, sub-millisecond): its place in arrival order. */
  arrivedAtMs?: number;
}

/** Memo key of an event that waits for a slot: which pool and since when (cleared once it starts). */
export const queueMemo = 'queue';

export interface QueueMemo {
  poolId: string;
  since: string;
}

/** Memo key of an event's finished attempts (beyond SCF: each attempt is visible in the event's detail). */
export const attemptsMemo = 'attempts';

export interface AttemptRecord {
  attempt: number;
  statusCode: number;
  errorType: string;
  message: string;
  endedAt: string;
}
