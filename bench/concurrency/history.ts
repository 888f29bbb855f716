/**
 * What an event's workflow history says about its way through a pool (workflows/function-event.ts): when
 * it started, joined (the joinPool local activity's marker), got its slotGranted signal, had runFunction
 * scheduled, started and closed, sent leavePool, and closed. All times are the Temporal server's (this
 * machine's clock), epoch ms; NaN for a step the event did not take (no pool: no join, grant or leave).
 */
import { type HistoryEvent, eventTimeMs } from '../common/history';

export interface EventSteps {
  requestId: string;
  started: number;
  /** Its first workflow task handed to the worker (what it waited for is the worker's backlog, not the pool). */
  firstTaskStarted: number;
  /** The local activity marker of joinPool: recorded when the workflow task that ran it completed. */
  joined: number;
  granted: number;
  scheduled: number;
  activityStarted: number;
  activityClosed: number;
  leaveSent: number;
  closed: number;
  /** How the workflow closed: Completed, Failed, ... ('Running' when it has not). */
  outcome: string;
}

const closeKinds = [
  ['workflowExecutionCompletedEventAttributes', 'Completed'],
  ['workflowExecutionFailedEventAttributes', 'Failed'],
  ['workflowExecutionTimedOutEventAttributes', 'TimedOut'],
  ['workflowExecutionCanceledEventAttributes', 'Canceled'],
  ['workflowExecutionTerminatedEventAttributes', 'Terminated'],
] as const;

const activityCloseKeys = [
  'activityTaskCompletedEventAttributes',
  'activityTaskFailedEventAttributes',
  'activityTaskTimedOutEventAttributes',
  'activityTaskCanceledEventAttributes',
] as const;

export function stepsOf(requestId: string, events: HistoryEvent[]): EventSteps {
  const first = (test: (e: HistoryEvent) => unknown) => events.find((e) => test(e));
  const scheduled = first(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runFunction',
  );
  const scheduledId = String(scheduled?.eventId ?? '');
  const ofScheduled = (id: unknown) => scheduled !== undefined && String(id) === scheduledId;
  const close = closeKinds
    .map(([key, name]) => ({ event: first((e) => e[key]), name }))
    .find((c) => c.event !== undefined);
  return {
    requestId,
    started: eventTimeMs(first((e) => e.workflowExecutionStartedEventAttributes)),
    firstTaskStarted: eventTimeMs(first((e) => e.workflowTaskStartedEventAttributes)),
    joined: eventTimeMs(first((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')),
    granted: eventTimeMs(
      first((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'slotGranted'),
    ),
    scheduled: eventTimeMs(scheduled),
    activityStarted: eventTimeMs(
      first((e) => ofScheduled(e.activityTaskStartedEventAttributes?.scheduledEventId)),
    ),
    activityClosed: eventTimeMs(
      first((e) => activityCloseKeys.some((k) => ofScheduled(e[k]?.scheduledEventId))),
    ),
    leaveSent: eventTimeMs(
      first((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'leavePool'),
    ),
    closed: eventTimeMs(close?.event),
    outcome: close?.name ?? 'Running',
  };
}

/** One run of a pool workflow (it continues as new past 4,000 history events), from its history. */
export interface PoolRun {
  runId: string;
  historyLength: number;
  status: string;
  /** Signals it received. */
  joins: number;
  leaves: number;
  /** slotGranted signals it sent, and each one's delivery: initiated -> the target has it (ms). */
  grants: number;
  grantDeliveries: number[];
  /** Its workflow tasks, and how long each waited for the worker: scheduled -> started (ms). */
  workflowTasks: number;
  taskWaits: number[];
}

export function poolRunOf(runId: string, status: string, events: HistoryEvent[]): PoolRun {
  const timeOf = new Map(events.map((e) => [String(e.eventId), eventTimeMs(e)]));
  const since = (id: unknown, e: HistoryEvent) => eventTimeMs(e) - (timeOf.get(String(id)) ?? NaN);
  const signaled = (name: string) =>
    events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
  const grants = events.filter(
    (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'slotGranted',
  );
  const started = events.filter((e) => e.workflowTaskStartedEventAttributes);
  return {
    runId,
    historyLength: events.length,
    status,
    joins: signaled('joinPool'),
    leaves: signaled('leavePool'),
    grants: grants.length,
    grantDeliveries: events
      .filter((e) => e.externalWorkflowExecutionSignaledEventAttributes)
      .map((e) => since(e.externalWorkflowExecutionSignaledEventAttributes!.initiatedEventId, e)),
    workflowTasks: started.length,
    taskWaits: started.map((e) => since(e.workflowTaskStartedEventAttributes!.scheduledEventId, e)),
  };
}
