import type { EventInput, EventSuccess } from '../workflows/contracts';
import type { PoolJoin } from '../workflows/pool-contracts';

/** The activities the function-event workflow schedules. */
export interface FunctionActivities {
  /** Runs the user code of one event in its own process, heartbeating until it ends. */
  runFunction(input: EventInput): Promise<EventSuccess>;
  /** Puts the event in its pool's line, starting the pool's workflow when it is not running. */
  joinPool(poolId: string, join: PoolJoin): Promise<void>;
}

/** The activities a concurrency pool's workflow schedules. */
export interface PoolActivities {
  /** Which of these events have ended (visibility, so eventually consistent): their slots are free. */
  findEndedEvents(requestIds: string[]): Promise<string[]>;
}
