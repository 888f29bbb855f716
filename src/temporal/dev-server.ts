import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  /** The temporal CLI binary (resolved by scripts/bootstrap.mjs). */
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /** Whether the Web UI runs; tests turn it off. */
  ui?: boolean;
  ip?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts Temporal's dev server with its SQLite file under the data dir, so events survive restarts, and
 * waits until its frontend answers.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  // The data dir holds credentials and the master key: make it private before anything else creates it.
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dir = path.join(options.dataDir, 'temporal');
  fs.mkdirSync(dir, { recursive: true });
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(options.port),
    '--db-filename', path.join(dir, 'temporal.sqlite'),
    '--log-level', 'warn',
    // Synchronous invocations carry events of up to 6 MB, over the default 2 MB blob limit.
    '--dynamic-config-value', 'limit.blobSize.error=10485760',
    '--dynamic-config-value', 'limit.blobSize.warn=7340032',
    ...(options.ui === false ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
  ];
  const child = spawn(options.cli, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const address = `${ip}:${options.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the Temporal dev server exited with code ${code}; see ${path.join(dir, 'server.log')}`)),
    ),
  );
  exited.catch(() => undefined);
  await Promise.race([waitUntilReachable(address, 60_000), exited]);
  return {
    address,
    uiUrl: options.ui === false ? undefined : `http://${ip}:${options.uiPort}`,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** Polls a Temporal frontend until it answers or the time is up. */
export async function waitUntilReachable(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      lastError = err;
      await sleep(250);
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}
