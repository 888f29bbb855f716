import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * How the event ended, as its runtime reported it: the runner's answer on fd 3 (node-runner.cjs,
 * python-runner.py), or what a custom runtime's bootstrap posted to its runtime API (custom-runtime.ts).
 */
export type RunnerAnswer =
  | { kind: 'result'; result: unknown; maxRssBytes: number }
  | { kind: 'error'; errorType: string; message: string; stack?: string; maxRssBytes: number }
  | { kind: 'handler-not-found'; message: string; maxRssBytes: number }
  | { kind: 'invalid-result'; message: string; maxRssBytes: number };

/** Reports a function makes while it runs (beyond SCF): they ride on the activity's heartbeat details. */
export type RunnerReport =
  | { kind: 'progress'; value: number; message: string }
  | { kind: 'checkpoint'; value: unknown };

/** Answers larger than this are refused, so a function cannot exhaust the worker's memory. */
const maxAnswerBytes = 6 * 1024 * 1024;
/** A progress report or checkpoint is small by contract (the runners refuse larger ones first). */
export const maxReportBytes = 64 * 1024;

const answerKinds = new Set(['result', 'error', 'handler-not-found', 'invalid-result']);

/**
 * Reads the runner's fd 3: JSON lines, any number of reports while the function runs (passed on at once),
 * then one answer before the runner exits. Resolves with the answer, or undefined when none came.
 */
export function readControl(control: Readable, onReport: (report: RunnerReport) => void): Promise<RunnerAnswer | undefined> {
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let answer: RunnerAnswer | undefined;
    const take = (line: string) => {
      if (!line.trim()) return;
      let message: { kind?: unknown };
      try {
        message = JSON.parse(line) as { kind?: unknown };
      } catch {
        return; // not ours to trust: a garbled line is ignored, the missing answer says the rest
      }
      if (answerKinds.has(String(message.kind))) answer = message as RunnerAnswer;
      else if ((message.kind === 'progress' || message.kind === 'checkpoint') && line.length <= maxReportBytes + 256) {
        onReport(message as RunnerReport);
      }
    };
    control.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      if (pending.length > maxAnswerBytes) {
        control.destroy();
        pending = '';
        answer = { kind: 'invalid-result', message: 'The return value is larger than 6 MB', maxRssBytes: 0 };
        return;
      }
      let newline;
      while ((newline = pending.indexOf('\n')) !== -1) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    control.on('close', () => {
      take(pending);
      resolve(answer);
    });
  });
}
