import * as wf from '@temporalio/workflow';
import type { PoolActivities } from '../activities/types';
import type { PoolJoin, PoolState, QueuePlace } from './pool-contracts';
import {
  joinPoolSignal,
  leavePoolSignal,
  poolStateQuery,
  queuePlaceQuery,
  setPoolCapacitySignal,
  slotGrantedSignal,
} from './pool-definitions';

/** While events wait, holders that vanished without leaving (terminated from outside) are looked for this often. */
const sweepIntervalMs = 5_000;

/** A pool with nothing to do closes after this; the next event to join starts it again. */
const idleCloseMs = 60_000;

/** Past this many history events the pool continues as new, carrying its state. */
const maxHistoryLength = 4_000;

/**
 * One concurrency pool (a function's reservation, or an account's shared quota): grants run slots to event
 * workflows in arrival order, as many as fit in its capacity (in MB, as SCF counts it). The slot belongs to
 * the event, not to a worker: an event whose worker dies keeps it while Temporal retries it elsewhere, and
 * gives it back when it ends, however it ends. Its workflow id is the pool id.
 */
export async function concurrencyPoolWorkflow(initial?: PoolState): Promise<void> {
  const state: PoolState = initial ?? { capacityMb: 0, holders: [], waiting: [] };
  let changes = 0;

  wf.setHandler(joinPoolSignal, (join) => {
    state.capacityMb = join.capacityMb;
    const known = state.holders.some((h) => h.requestId === join.requestId) || state.waiting.some((w) => w.requestId === join.requestId);
    if (!known) insertInArrivalOrder(state.waiting, join);
    changes++;
  });
  wf.setHandler(leavePoolSignal, ({ requestId }) => {
    state.holders = state.holders.filter((h) => h.requestId !== requestId);
    state.waiting = state.waiting.filter((w) => w.requestId !== requestId);
    changes++;
  });
  wf.setHandler(setPoolCapacitySignal, ({ capacityMb }) => {
    state.capacityMb = capacityMb;
    changes++;
  });
  wf.setHandler(poolStateQuery, () => state);
  wf.setHandler(queuePlaceQuery, (requestId) => queuePlaceOf(state, requestId));

  const { findEndedEvents } = wf.proxyLocalActivities<PoolActivities>({ startToCloseTimeout: '30s' });

  // An event that can no longer be told has ended (terminated from outside while it waited): free its slot.
  const undeliverable = (requestId: string) => {
    dropHolders(state, [requestId]);
    changes++;
  };

  // While events wait, a holder that vanished without leaving (terminated from outside) would block them for
  // good: look for such holders every few seconds. One timer per sweep, not one per signal.
  let sweeping = false;
  const sweep = async () => {
    while (state.waiting.length > 0) {
      await wf.sleep(sweepIntervalMs);
      const now = Date.now();
      const suspects = state.holders.filter((h) => now - h.grantedAtMs >= sweepIntervalMs).map((h) => h.requestId);
      const ended = suspects.length > 0 ? await findEndedEvents(suspects).catch(() => []) : [];
      if (ended.length > 0) {
        dropHolders(state, ended);
        changes++;
      }
    }
    sweeping = false;
  };

  for (;;) {
    // Synchronous, so no signal is handled between granting and taking `seen`: none can be missed.
    grantWhatFits(state, undeliverable);
    const info = wf.workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > maxHistoryLength) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof concurrencyPoolWorkflow>(state);
    }
    if (state.waiting.length > 0 && !sweeping) {
      sweeping = true;
      void sweep();
    }
    const seen = changes;
    if (state.waiting.length > 0 || state.holders.length > 0) {
      await wf.condition(() => changes !== seen);
      continue;
    }
    const woken = await wf.condition(() => changes !== seen, idleCloseMs);
    // A join handled in the same activation as the timer leaves state non-empty: never close on it.
    if (!woken && state.holders.length === 0 && state.waiting.length === 0) return;
  }
}

/**
 * Lets in, in arrival order, every waiting event that fits. The line stops at the first event that does not
 * fit now but would in an empty pool (first come, first served); one larger than the whole pool waits aside
 * for the capacity to grow instead of blocking everyone behind it.
 */
function grantWhatFits(state: PoolState, undeliverable: (requestId: string) => void): void {
  let inUseMb = state.holders.reduce((sum, h) => sum + h.weightMb, 0);
  for (const event of [...state.waiting]) {
    if (event.weightMb > state.capacityMb) continue;
    if (inUseMb + event.weightMb > state.capacityMb) break;
    inUseMb += event.weightMb;
    state.waiting = state.waiting.filter((w) => w.requestId !== event.requestId);
    state.holders.push({ requestId: event.requestId, weightMb: event.weightMb, grantedAtMs: Date.now() });
    // Not awaited: a delivery takes a round trip (seconds under load), and slots freed meanwhile must not wait
    // for it. A grant still in flight when the pool continues as new is delivered all the same.
    void wf
      .getExternalWorkflowHandle(event.requestId)
      .signal(slotGrantedSignal)
      .catch(() => undeliverable(event.requestId));
  }
}

function dropHolders(state: PoolState, requestIds: string[]): void {
  if (requestIds.length === 0) return;
  const gone = new Set(requestIds);
  state.holders = state.holders.filter((h) => !gone.has(h.requestId));
}

function insertInArrivalOrder(waiting: PoolJoin[], join: PoolJoin): void {
  const after = waiting.findIndex(
    (w) => w.arrivedAtMs > join.arrivedAtMs || (w.arrivedAtMs === join.arrivedAtMs && w.requestId > join.requestId),
  );
  waiting.splice(after === -1 ? waiting.length : after, 0, join);
}

function queuePlaceOf(state: PoolState, requestId: string): QueuePlace | null {
  const index = state.waiting.findIndex((w) => w.requestId === requestId);
  if (index === -1) return null;
  return {
    position: index + 1,
    waitingCount: state.waiting.length,
    capacityMb: state.capacityMb,
    inUseMb: state.holders.reduce((sum, h) => sum + h.weightMb, 0),
  };
}
