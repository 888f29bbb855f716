/** Reading a workflow history's event times, which the benches take as the steps' timestamps. */
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * When the Temporal server recorded the event, epoch ms (NaN without a time). The dev server runs on this
 * machine, so the time compares with the bench's own clock (common/clock.ts).
 */
export const eventTimeMs = (event: HistoryEvent | undefined): number =>
  event?.eventTime ? Number(event.eventTime.seconds ?? 0) * 1000 + (event.eventTime.nanos ?? 0) / 1e6 : NaN;
