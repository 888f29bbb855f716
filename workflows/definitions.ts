import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { TerminateRequest } from './contracts';

/** Sent just before the workflow is cancelled, so the activity knows how to stop the process. */
export const terminateSignal = defineSignal<[TerminateRequest]>('terminate');

/** Asked by the activity when it is cancelled: forced or graceful, and how long the grace is. */
export const terminateRequestQuery = defineQuery<TerminateRequest | null>('terminateRequest');
