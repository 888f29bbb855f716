/**
 * Start delays. Through the platform: invoke over HTTP (async) -> the handler's first line, per runtime.
 * Beside it, in the same run: a bare process spawn -> its first stdout byte, and the launcher alone
 * (launchFunction, no Temporal, no API) -> the handler's first line, so process start and platform
 * overhead (API, Temporal scheduling, activity start, event place) can be told apart.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSnapshot } from '../../workflows/contracts';
import { functionEnvironment } from '../../src/runtime/function-env';
import { launchFunction } from '../../src/runtime/launcher';
import { python3Interpreter } from '../../src/runtime/runtimes';
import { type SandboxIdentity, giveWorkDir, sandboxAvailable, sandboxIdentity, shareCodeWith } from '../../src/runtime/sandbox';
import { hiNow } from '../common/clock';
import { type BenchRuntime, benchPackage, firstLinePattern, writePackage } from './functions';
import type { BenchStack } from './stack';

/** One platform invocation, all in ms from the moment the invoke request was sent. */
export interface InvokeSample {
  /** From the workflow history (server clock). */
  workflowStarted: number;
  workflowTaskStarted: number;
  activityScheduled: number;
  activityStarted: number;
  accepted: number;
  printed: number;
  followed: number;
  ended: number;
  status: string;
}

export async function invokeOnce(stack: BenchStack, runtime: BenchRuntime): Promise<InvokeSample> {
  const invoked = await stack.invoke(runtime, {});
  const followed = await stack.follow(invoked.requestId);
  const history = await stack.milestones(invoked.requestId);
  return {
    workflowStarted: history.workflowStarted - invoked.sentHi,
    workflowTaskStarted: history.workflowTaskStarted - invoked.sentHi,
    activityScheduled: history.activityScheduled - invoked.sentHi,
    activityStarted: history.activityStarted - invoked.sentHi,
    accepted: invoked.acceptedHi - invoked.sentHi,
    printed: followed.printedMs - invoked.sentHi,
    followed: followed.receivedHi - invoked.sentHi,
    ended: followed.endedHi - invoked.sentHi,
    status: followed.endStatus,
  };
}

/** A bare spawn: ms to the first stdout byte, and (when the child prints Date.now()) to that timestamp. */
export interface SpawnSample {
  firstByte: number;
  printed: number;
}

export interface BareCommand {
  name: string;
  command: string;
  args: string[];
  /** Run as a fresh unprivileged uid under prlimit, as the worker runs events when it is root. */
  sandboxed?: boolean;
}

export async function bareCommands(): Promise<BareCommand[]> {
  const python = (await python3Interpreter()).executable;
  const commands: BareCommand[] = [
    { name: `node -e (${path.basename(process.execPath)} ${process.version})`, command: process.execPath, args: ['-e', 'console.log(Date.now())'] },
    { name: `python3 -c (${python})`, command: python, args: ['-c', 'import time; print(int(time.time() * 1000))'] },
    { name: "/bin/sh -c 'echo'", command: '/bin/sh', args: ['-c', 'echo'] },
  ];
  if (sandboxAvailable()) {
    commands.push({ name: 'node -e, own uid under prlimit', command: process.execPath, args: ['-e', 'console.log(Date.now())'], sandboxed: true });
  }
  return commands;
}

let uidCounter = 0;

export function spawnOnce(cmd: BareCommand): Promise<SpawnSample> {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };
  let command = cmd.command;
  let args = cmd.args;
  let ids = {};
  if (cmd.sandboxed) {
    command = 'prlimit';
    args = ['--nproc=256', '--nofile=1024', '--', cmd.command, ...cmd.args];
    const identity = sandboxIdentity(`bench-spawn-${(uidCounter += 1)}-${randomUUID()}`, 1, 'bench')!;
    ids = { uid: identity.uid, gid: identity.gid };
  }
  return new Promise((resolve, reject) => {
    const started = hiNow();
    const child = spawn(command, args, { ...ids, env, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
    let firstByte = NaN;
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (Number.isNaN(firstByte)) firstByte = hiNow() - started;
      text += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd.name} exited with ${code}`));
      const printedMs = Number(/^(\d{13})/.exec(text)?.[1]);
      resolve({ firstByte, printed: printedMs - started });
    });
  });
}

/** The launcher alone: the runtime's package unpacked once, each run with its own work dir (and uid). */
export interface LauncherSetup {
  runtime: BenchRuntime;
  codeDir: string;
  root: string;
}

export async function prepareLauncher(runtime: BenchRuntime, tmp: string): Promise<LauncherSetup> {
  const root = path.join(tmp, `launcher-${runtime.replace(/\W/g, '')}`);
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(tmp, 0o711); // mkdtemp made it 0700: sandboxed users must reach the code below it
  fs.chmodSync(root, 0o711);
  const codeDir = path.join(root, 'code');
  writePackage(benchPackage(runtime), codeDir);
  if (sandboxAvailable()) await shareCodeWith(codeDir, sandboxIdentity('bench-code', 1, `bench-${runtime}`)!);
  return { runtime, codeDir, root };
}

export interface LauncherSample {
  /** ms from launchFunction called to the handler's own Date.now() in its first line. */
  printed: number;
  /** ms to that line reaching the worker's onOutput. */
  received: number;
  /** ms to the outcome (process exited, output drained, answer read). */
  outcome: number;
}

export async function launchOnce(setup: LauncherSetup): Promise<LauncherSample> {
  const requestId = randomUUID();
  const pkg = benchPackage(setup.runtime);
  const workDir = fs.mkdtempSync(path.join(setup.root, 'event-'));
  let identity: SandboxIdentity | undefined;
  if (sandboxAvailable()) {
    identity = sandboxIdentity(requestId, 1, `bench-${setup.runtime}`)!;
    await giveWorkDir(workDir, identity);
  }
  const fn = {
    namespace: 'default',
    functionName: 'bench-launcher',
    version: '$LATEST',
    runtime: setup.runtime,
    memoryMb: 256,
    environment: {},
  } as unknown as FunctionSnapshot;
  let printedMs = NaN;
  let receivedHi = NaN;
  let text = '';
  try {
    const started = hiNow();
    const proc = await launchFunction({
      runtime: setup.runtime,
      codeDir: setup.codeDir,
      workDir,
      handler: pkg.handler,
      event: {},
      context: { requestId, functionName: fn.functionName, functionVersion: fn.version, namespace: 'default', memoryLimitInMb: 256, timeLimitInMs: 60_000 },
      env: functionEnvironment(fn, requestId, workDir, setup.codeDir),
      onOutput: (_stream, chunk) => {
        if (!Number.isNaN(printedMs)) return;
        const now = hiNow();
        text += chunk.toString();
        const match = firstLinePattern.exec(text);
        if (match) {
          printedMs = Number(match[1]);
          receivedHi = now;
        }
      },
      identity,
    });
    const outcome = await proc.outcome;
    const ended = hiNow();
    if (outcome.answer?.kind !== 'result') throw new Error(`launcher run of ${setup.runtime} did not succeed: ${JSON.stringify(outcome)}`);
    return { printed: printedMs - started, received: receivedHi - started, outcome: ended - started };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
