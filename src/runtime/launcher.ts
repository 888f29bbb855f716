import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { bootstrapCommand, bootstrapProblem, startRuntimeApi } from './custom-runtime';
import { type PythonInterpreter, python3Interpreter, runtimeKindOf } from './runtimes';
import type { SandboxIdentity } from './sandbox';
import { type RunnerAnswer, type RunnerReport, readControl } from './control-channel';

export type { RunnerAnswer, RunnerReport };

/** How the function's process ended. */
export interface ProcessOutcome {
  /** Undefined when the process died before answering. */
  answer: RunnerAnswer | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
}

export interface LaunchSpec {
  /** The function's SCF runtime name (Nodejs18.15, Python3.9, CustomRuntime, ...): it picks the runtime. */
  runtime: string;
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
    /** The last checkpoint an earlier attempt saved, or null: a long job resumes from it. */
    checkpoint?: unknown;
  };
  /** The complete environment of the process: nothing of the worker's own leaks in. */
  env: Record<string, string>;
  /**
   * Output as it is read. `raw` tells the process's own fd 1/2 (child processes, direct writes) from what
   * the runner framed on fd 4: their bytes interleave arbitrarily, so each needs its own line splitting.
   */
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer, raw: boolean) => void;
  /** The directory holding node-runner.cjs and python-runner.py; this one when absent. */
  runnerDir?: string;
  /** Progress reports and checkpoints the function makes while it runs (Node.js and Python runtimes). */
  onReport?: (report: RunnerReport) => void;
  /** The unprivileged user and group the process runs as; absent when the worker cannot switch users. */
  identity?: SandboxIdentity;
}

/** Per-event limits applied with prlimit: processes count per user, and each event has its own user. */
const sandboxLimits = { processes: 256, openFiles: 1024 };

/** The command run as the event's own user, under its resource limits (prlimit execs, keeping the pid). */
function sandboxed(command: string, args: string[], identity: SandboxIdentity | undefined) {
  if (!identity) return { command, args, ids: {} };
  const limits = [`--nproc=${sandboxLimits.processes}`, `--nofile=${sandboxLimits.openFiles}`];
  return { command: 'prlimit', args: [...limits, '--', command, ...args], ids: { uid: identity.uid, gid: identity.gid } };
}

/** What one runtime's launcher needs: the spec, its runtime already chosen. */
export type RunSpec = Omit<LaunchSpec, 'runtime'>;

/** A running function process; it leads its own process group so its whole tree can be signalled. */
export interface FunctionProcess {
  readonly pid: number;
  readonly outcome: Promise<ProcessOutcome>;
  /** Sends a signal to every process of the group; false when none is left. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /**
   * Stops reading the function's output (backpressure: once the pipes fill, its writes block) or starts
   * again. The outcome waits for paused output to be read, so nothing is dropped by pausing.
   */
  setOutputPaused(paused: boolean): void;
}

/**
 * After the process exited, output may keep draining while it flows. A process that left the group
 * (setsid) could hold the pipes open forever: stop waiting once they are idle this long, or after the cap.
 */
const pipeIdleLimitMs = 2000;
const pipeDrainCapMs = 60_000;


/**
 * Starts one event's process with the runtime its SCF runtime name maps to (src/runtime/runtimes.ts). The
 * process leads a fresh process group with only the given environment; its stdout and stderr go to
 * `onOutput`; the outcome resolves once it has exited and its output is read. If the worker dies, the
 * group dies with it: each runtime watches fd 3, whose other end only the worker holds.
 */
export async function launchFunction(spec: LaunchSpec): Promise<FunctionProcess> {
  const kind = runtimeKindOf(spec.runtime);
  if (kind === 'node') return launchNodeFunction(spec);
  if (kind === 'python3') return launchPythonFunction(spec, await python3Interpreter());
  if (kind === 'custom') return launchCustomFunction(spec);
  throw new Error(`The runtime ${spec.runtime} is not one longhaul runs`);
}

/** The Node.js runtime: node-runner.cjs on the worker's own Node.js. */
export function launchNodeFunction(spec: RunSpec): FunctionProcess {
  return startRunner(process.execPath, [path.join(spec.runnerDir ?? __dirname, 'node-runner.cjs')], spec, spec.env);
}

/**
 * The Python 3 runtime: python-runner.py. -u: unbuffered; -s: no user site-packages; -B: no __pycache__
 * written into the code package, which every event of that code shares. PYTHON* variables are the
 * function's own (the environment has nothing of the worker's), so they are honoured, not isolated away.
 */
function launchPythonFunction(spec: RunSpec, python: PythonInterpreter): FunctionProcess {
  // A `python3` the function starts itself is the interpreter it runs on, not some other one on the PATH.
  const env = {
    ...spec.env,
    PATH: [path.dirname(python.executable), spec.env.PATH].filter(Boolean).join(':'),
  };
  const runner = path.join(spec.runnerDir ?? __dirname, 'python-runner.py');
  return startRunner(python.executable, ['-u', '-s', '-B', runner], spec, env);
}

/** A runner of ours (Node or Python): the invocation goes in on fd 3, the answer comes back on it. */
function startRunner(
  command: string,
  args: string[],
  spec: RunSpec,
  env: Record<string, string>,
): FunctionProcess {
  const started = Date.now();
  const run = sandboxed(command, args, spec.identity);
  const child = spawn(run.command, run.args, {
    ...run.ids,
    cwd: spec.workDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const control = child.stdio[3] as unknown as NodeJS.ReadWriteStream & Readable;
  const answer = readControl(control, spec.onReport ?? (() => undefined));
  control.write(
    JSON.stringify({
      codeDir: spec.codeDir,
      handler: spec.handler,
      event: spec.event,
      context: spec.context,
    }) + '\n',
  );
  return supervise(child, spec, started, {
    framed: child.stdio[4] as unknown as Readable,
    answer: () => answer,
  });
}

/**
 * The custom runtime: `<code>/bootstrap`, any program, asks this event's runtime API for the event and
 * posts the answer. It runs in the code directory (SCF's bootstraps find their files relative to it). The
 * first answer ends the event: the group is killed then, the bootstrap having no further event to wait for.
 */
async function launchCustomFunction(spec: RunSpec): Promise<FunctionProcess> {
  const started = Date.now();
  const bootstrap = path.join(spec.codeDir, 'bootstrap');
  const problem = bootstrapProblem(bootstrap);
  const api = await startRuntimeApi({
    event: spec.event,
    context: spec.context,
    presetAnswer: problem ? { kind: 'handler-not-found', message: problem, maxRssBytes: 0 } : undefined,
  });
  const { command, args } = bootstrapCommand(bootstrap);
  const run = sandboxed(command, args, spec.identity);
  let proc: FunctionProcess;
  try {
    const child = spawn(run.command, run.args, {
      ...run.ids,
      cwd: spec.codeDir,
      env: { ...spec.env, ...api.environment(spec.handler) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    child.once('error', () => api.close()); // not started after all: no one will ever call
    if (child.pid !== undefined) api.admitGroup(child.pid);
    proc = supervise(child, spec, started, { answer: () => api.settle() });
  } catch (err) {
    api.close();
    throw err;
  }
  void api.answered.then(() => proc.signalGroup('SIGKILL'));
  return proc;
}

interface Protocol {
  /** The runner's framed stdout+stderr (fd 4); absent for programs that only have their own fd 1 and 2. */
  framed?: Readable;
  /** The answer, asked for once the process has exited and its output is read. */
  answer: () => Promise<RunnerAnswer | undefined>;
}

/** Reads the process's output, signals its group, and resolves the outcome once it exited and drained. */
function supervise(
  child: ChildProcess,
  spec: RunSpec,
  started: number,
  { framed, answer }: Protocol,
): FunctionProcess {
  if (child.pid === undefined) throw new Error('The function process could not be started');
  const pid = child.pid;
  const control = child.stdio[3] as unknown as Readable;
  control.on('error', () => undefined); // a dead process closes the pipe; the exit event says the rest
  const outputs = [child.stdout!, child.stderr!, ...(framed ? [framed] : [])];
  let paused = false;
  let lastOutputAt = Date.now();
  const deliver = (stream: 'stdout' | 'stderr', chunk: Buffer, raw: boolean) => {
    lastOutputAt = Date.now();
    spec.onOutput(stream, chunk, raw);
  };
  child.stdout!.on('data', (chunk: Buffer) => deliver('stdout', chunk, true));
  child.stderr!.on('data', (chunk: Buffer) => deliver('stderr', chunk, true));
  if (framed) {
    const frames = new FrameReader((stream, chunk) => deliver(stream, chunk, false));
    framed.on('data', (chunk: Buffer) => frames.push(chunk));
  }

  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is gone
    }
  };

  const setOutputPaused = (pause: boolean) => {
    paused = pause;
    for (const output of outputs) {
      if (pause) output.pause();
      else output.resume();
    }
  };

  const outcome = new Promise<ProcessOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      // The event is over once its leader has exited: whatever it left behind in its group goes too.
      signalGroup('SIGKILL');
      const exitedAt = Date.now();
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearInterval(drainWatch);
        answer().then(
          (a) => resolve({ answer: a, exitCode, signal, durationMs: exitedAt - started }),
          reject,
        );
      };
      // 'close' means every pipe is drained, so every line printed before the exit was delivered.
      const drainWatch = setInterval(() => {
        const now = Date.now();
        const idle = !paused && now - lastOutputAt > pipeIdleLimitMs;
        if (!idle && now - exitedAt < pipeDrainCapMs) return;
        for (const stream of [...outputs, control]) stream.destroy();
        finish();
      }, 250);
      child.once('close', finish);
    });
  });

  return { pid, outcome, signalGroup, setOutputPaused };
}

/** Splits the runner's fd 4 byte stream back into (stream, bytes) frames. */
class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + length) return;
      const stream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      this.onFrame(stream, this.pending.subarray(5, 5 + length));
      this.pending = this.pending.subarray(5 + length);
    }
  }
}
