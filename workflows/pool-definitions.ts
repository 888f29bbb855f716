import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PoolJoin, PoolState, QueuePlace } from './pool-contracts';

/** Sent (with start) to a pool by an event that wants a slot; a repeat of a known RequestId is ignored. */
export const joinPoolSignal = defineSignal<[PoolJoin]>('joinPool');

/** Sent by an event that ends or gives up waiting: its slot, or its place in line, is freed. */
export const leavePoolSignal = defineSignal<[{ requestId: string }]>('leavePool');

/** Sent by the API when a reservation changes, so waiting events start without waiting for a new arrival. */
export const setPoolCapacitySignal = defineSignal<[{ capacityMb: number }]>('setPoolCapacity');

/** Sent by a pool to the event it lets run. */
export const slotGrantedSignal = defineSignal('slotGranted');

export const poolStateQuery = defineQuery<PoolState>('poolState');

/** Where a waiting event stands in its pool's line; null when it is not waiting there. */
export const queuePlaceQuery = defineQuery<QueuePlace | null, [string]>('queuePlace');
