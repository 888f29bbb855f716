import { LonghaulError } from '../errors';
import type { EventView } from '../events/event-view';
import type { EventGateway } from '../events/gateway';
import type { FunctionRegistry } from '../registry/functions';
import type { AttemptRecord, AttemptSearch, LogCursor, LogKey, LogLine, LogStore } from './log-store';
import { platformPrefix } from './platform-lines';

export interface EventLogsDeps {
  store: LogStore;
  gateway: Pick<EventGateway, 'read'>;
  registry: FunctionRegistry;
}

/** What a follower receives: each line once, in order, then how the event ended. */
export type FollowItem = { kind: 'line'; line: LogLine } | { kind: 'end'; event: EventView };

/** An attempt found by a search, with the start of its log. */
export interface FoundAttempt extends AttemptRecord {
  log: string;
  /** True when the attempt has more lines than `log` shows (read them all with the event's log). */
  logTruncated: boolean;
}

const readBatch = 1000;
/** While an event runs, how often a follower asks Temporal whether it has ended. */
const statusCheckMs = 1000;
/** Right after a REPORT line the workflow closes within moments: ask more often then. */
const statusCheckAfterReportMs = 100;
const searchLogLines = 200;
const searchLogChars = 64 * 1024;

const isReport = (line: LogLine) => line.stream === 'platform' && line.text.startsWith(`${platformPrefix}REPORT `);

/**
 * Reading event logs, shared by the REST API and the SCF endpoint: a page of one event's log, a live follow
 * of it, and a search over a function's attempts. Every read starts from the caller's account, and an event
 * of another account is "not found" exactly like one that does not exist.
 */
export class EventLogs {
  constructor(private readonly deps: EventLogsDeps) {}

  /** Lines after `after`, at most `limit`, and the event as it is now. */
  async page(accountId: string, requestId: string, after: LogCursor | undefined, limit: number) {
    const event = await this.open(accountId, requestId);
    const lines = await this.deps.store.readLines({ accountId, requestId }, after, limit);
    return { event, lines, hasMore: lines.length === limit };
  }

  /**
   * The event's log from `after` on, then new lines as they are stored, then an `end` item once the event
   * has ended and every line before its end was delivered. Stops early when `signal` aborts.
   */
  async *follow(accountId: string, requestId: string, after: LogCursor | undefined, signal: AbortSignal): AsyncGenerator<FollowItem> {
    const key: LogKey = { accountId, requestId };
    let event = await this.open(accountId, requestId);
    let cursor = after;
    let checkedAt = Date.now();
    let reportSeenAt = -Infinity;
    while (!signal.aborted) {
      // Whether the event had ended is read before the lines: an ended event's lines are all stored.
      const ended = event.status !== 'RUNNING';
      const interval = Date.now() - reportSeenAt < 5000 ? statusCheckAfterReportMs : statusCheckMs;
      // The wait is armed before the read, so a line stored while we read, deliver or check the status
      // still wakes us: armed after, its wake-up would find nobody waiting and the line would sit there.
      const wake = new AbortController();
      const stopWaiting = () => wake.abort();
      signal.addEventListener('abort', stopWaiting, { once: true });
      const woken = this.deps.store.waitForLines(key, Math.max(1, interval - (Date.now() - checkedAt)), wake.signal);
      try {
        const lines = await this.deps.store.readLines(key, cursor, readBatch);
        for (const line of lines) {
          yield { kind: 'line', line };
          cursor = { attempt: line.attempt, seq: line.seq };
        }
        if (lines.length === readBatch) continue;
        if (ended) {
          yield { kind: 'end', event };
          return;
        }
        if (lines.some(isReport)) {
          // The attempt just ended: re-arm with the short interval instead of sleeping out the long one.
          reportSeenAt = Date.now();
          continue;
        }
        if (Date.now() - checkedAt >= interval) {
          event = await this.deps.gateway.read(accountId, requestId);
          checkedAt = Date.now();
          continue; // ended or not, read again: lines may have come in during the check
        }
        await woken;
      } finally {
        wake.abort();
        signal.removeEventListener('abort', stopWaiting);
      }
    }
  }

  /** A function's attempts matching the search, each with the start of its log. */
  async search(search: AttemptSearch): Promise<{ totalCount: number; attempts: FoundAttempt[] }> {
    const page = await this.deps.store.searchAttempts(search);
    const attempts = await Promise.all(page.attempts.map((a) => this.withLog(a)));
    return { totalCount: page.totalCount, attempts };
  }

  private async withLog(attempt: AttemptRecord): Promise<FoundAttempt> {
    const key = { accountId: attempt.accountId, requestId: attempt.requestId };
    const lines = await this.deps.store.readLines(key, { attempt: attempt.attempt, seq: 0 }, searchLogLines);
    const own = lines.filter((l) => l.attempt === attempt.attempt);
    let log = '';
    let shown = 0;
    for (const line of own) {
      if (log.length + line.text.length + 1 > searchLogChars) break;
      log += `${line.text}\n`;
      shown += 1;
    }
    return { ...attempt, log, logTruncated: shown < attempt.lineCount };
  }

  /**
   * The event, if it is the caller's. An event without stored lines whose function has no log destination
   * gets a clear refusal: such functions have no real-time logs (as in SCF).
   */
  private async open(accountId: string, requestId: string): Promise<EventView> {
    const event = await this.deps.gateway.read(accountId, requestId);
    const stored = await this.deps.store.attempts({ accountId, requestId });
    if (stored.length === 0 && !this.hasDestination(accountId, event)) {
      throw new LonghaulError(
        'UnsupportedOperation.LogDestination',
        `Function ${event.functionName} has no log destination (logsetId and topicId), so its events have no real-time logs`,
      );
    }
    return event;
  }

  private hasDestination(accountId: string, event: EventView): boolean {
    let fn;
    try {
      fn = this.deps.registry.get(accountId, event.namespace, event.functionName, event.qualifier || '$LATEST');
    } catch {
      fn = this.deps.registry.find(accountId, event.namespace, event.functionName); // the version was deleted
    }
    return fn !== undefined && fn.logsetId !== '' && fn.topicId !== '';
  }
}
