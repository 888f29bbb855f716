import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestStack } from './stack';

/** Worker processes a test file started, so its afterAll can kill what is left. */
export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly stack: () => TestStack) {}

  /** Starts `src/main/worker.ts` as its own process, the way a deployment runs workers. */
  spawn(): ChildProcess {
    const stack = this.stack();
    // `node --import tsx` keeps it one process, so killing it really kills the worker (the tsx CLI would fork).
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'main', 'worker.ts')], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: stack.env.address,
        LONGHAUL_DATA_DIR: stack.dataDir,
        LONGHAUL_TASK_QUEUE: stack.config.taskQueue,
        LONGHAUL_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.children.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    for (const p of this.children) p.kill('SIGKILL');
    await Promise.all(
      this.children.map((p) =>
        p.exitCode === null && p.signalCode === null ? new Promise((resolve) => p.once('exit', resolve)) : Promise.resolve(),
      ),
    );
  }
}

/** Stops the test stack's in-process workers, so only worker processes a test can kill run its events. */
export async function stopInProcessWorkers(stack: TestStack): Promise<void> {
  for (const { worker, run } of stack.inProcessWorkers) {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await run;
  }
}

/** The pid of the function process the worker process started (the runner, a child of that worker). */
export function findFunctionProcess(workerPid: number): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const parent = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (cmdline.includes('node-runner.cjs') && parent === workerPid) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
