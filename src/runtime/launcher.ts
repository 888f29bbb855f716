import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** What the in-process runner answered on fd 3 (see node-runner.cjs). */
export type RunnerAnswer =
  | { kind: 'result'; result: unknown; maxRssBytes: number }
  | { kind: 'error'; errorType: string; message: string; stack?: string; maxRssBytes: number }
  | { kind: 'handler-not-found'; message: string; maxRssBytes: number }
  | { kind: 'invalid-result'; message: string; maxRssBytes: number };

/** How the function's process ended. */
export interface ProcessOutcome {
  /** Undefined when the process died before answering. */
  answer: RunnerAnswer | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
}

export interface LaunchSpec {
  codeDir: string;
  workDir: string;
  handler: string;
  event: unknown;
  context: {
    requestId: string;
    functionName: string;
    functionVersion: string;
    namespace: string;
    memoryLimitInMb: number;
    timeLimitInMs: number;
  };
  /** The complete environment of the process: nothing of the worker's own leaks in. */
  env: Record<string, string>;
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** A running function process; it leads its own process group so its whole tree can be signalled. */
export interface FunctionProcess {
  readonly pid: number;
  readonly outcome: Promise<ProcessOutcome>;
  /** Sends a signal to every process of the group; false when none is left. */
  signalGroup(signal: NodeJS.Signals): boolean;
}

/** Answers larger than this are refused, so a function cannot exhaust the worker's memory. */
const maxAnswerBytes = 6 * 1024 * 1024;

/** How long output may still drain after the process exited. */
const pipeDrainLimitMs = 2000;

const nodeRunnerPath = path.join(__dirname, 'node-runner.cjs');

/**
 * Starts the Node.js runtime for one event. The handler runs in a fresh process group with only the given
 * environment; its stdout and stderr go to `onOutput`; the outcome resolves once the process has exited.
 */
export function launchNodeFunction(spec: LaunchSpec): FunctionProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [nodeRunnerPath], {
    cwd: spec.workDir,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('The function process could not be started');
  const pid = child.pid;
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const control = child.stdio[3] as unknown as NodeJS.ReadWriteStream & Readable;
  control.on('error', () => undefined); // a dead runner closes the pipe; the exit event says the rest
  stdout.on('data', (chunk: Buffer) => spec.onOutput('stdout', chunk));
  stderr.on('data', (chunk: Buffer) => spec.onOutput('stderr', chunk));

  const answer = readAnswer(control);
  control.write(
    JSON.stringify({ codeDir: spec.codeDir, handler: spec.handler, event: spec.event, context: spec.context }) + '\n',
  );

  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is gone
    }
  };

  const outcome = new Promise<ProcessOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      // The event is over once its runner has exited: whatever it left behind in its group goes too.
      signalGroup('SIGKILL');
      const finish = () => {
        void answer.then((a) => resolve({ answer: a, exitCode, signal, durationMs: Date.now() - started }));
      };
      // 'close' means stdout/stderr are drained, so every line printed before the exit was delivered. A
      // process that left the group (setsid) could hold the pipes open: stop waiting for it after a while.
      const drainLimit = setTimeout(() => {
        stdout.destroy();
        stderr.destroy();
        control.destroy();
        finish();
      }, pipeDrainLimitMs);
      child.once('close', () => {
        clearTimeout(drainLimit);
        finish();
      });
    });
  });

  return { pid, outcome, signalGroup };
}

function readAnswer(control: Readable): Promise<RunnerAnswer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    control.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxAnswerBytes) {
        control.destroy();
        resolve({ kind: 'invalid-result', message: 'The return value is larger than 6 MB', maxRssBytes: 0 });
        return;
      }
      chunks.push(chunk);
    });
    control.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text) as RunnerAnswer);
      } catch {
        resolve(undefined);
      }
    });
  });
}
