import type { EventInput, EventSuccess } from '../workflows/contracts';

/** The activities the function-event workflow schedules. */
export interface FunctionActivities {
  /** Runs the user code of one event in its own process, heartbeating until it ends. */
  runFunction(input: EventInput): Promise<EventSuccess>;
}
