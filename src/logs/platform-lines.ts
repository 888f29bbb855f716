import type { AttemptStart } from './log-store';

/** How an attempt went, as its report line and its attempt record tell it. */
export interface AttemptSummary {
  statusCode: number;
  /** Empty on success. */
  message: string;
  durationMs: number;
  memUsageBytes: number;
  memorySizeMb: number;
  /** How the process ended: `code 0`, `signal SIGKILL`, or `not started`. */
  exit: string;
}

/** Every platform line starts so; the exact formats are documented in docs/logs.md. */
export const platformPrefix = '[PLATFORM] ';

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(2);

/** The lines longhaul itself writes into an event's log (stream `platform`). */
export const platformLines = {
  start: (s: AttemptStart) =>
    `${platformPrefix}START RequestId: ${s.requestId} Version: ${s.qualifier} Attempt: ${s.attempt}`,
  end: (requestId: string) => `${platformPrefix}END RequestId: ${requestId}`,
  report: (requestId: string, r: AttemptSummary) =>
    `${platformPrefix}REPORT RequestId: ${requestId} Duration: ${r.durationMs.toFixed(2)} ms ` +
    `Billed Duration: ${Math.ceil(r.durationMs)} ms Memory Size: ${r.memorySizeMb} MB ` +
    `Max Memory Used: ${mb(r.memUsageBytes)} MB Status: ${r.statusCode} Exit: ${r.exit}`,
  signalReceived: `${platformPrefix}Signal received successfully`,
  signalFailed: `${platformPrefix}Signal reception failed`,
  volumeCapped: (limitBytes: number) =>
    `${platformPrefix}LOG LIMIT This attempt wrote more than ${limitBytes} bytes of output; the rest is dropped`,
} as const;
