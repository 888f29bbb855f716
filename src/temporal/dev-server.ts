import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { prepareNamespace } from './namespace-setup';
import {
  ensureVisibilityIndexes,
  readRememberedColumns,
  readVisibilityColumns,
  rememberColumns,
  sameColumns,
  type VisibilityColumns,
} from './visibility-indexes';

export interface DevServerOptions {
  /** The temporal CLI binary (resolved by scripts/bootstrap.mjs). */
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /** Whether the Web UI runs; tests turn it off. */
  ui?: boolean;
  ip?: string;
  /**
   * Prepare this namespace (search attributes, retention) and index its status-tracking queries in the
   * server's SQLite visibility (see visibility-indexes.ts), as `npm start` does. The first start on a data
   * dir restarts the server once to build the indexes; later starts check them before the server starts.
   */
  visibilityIndexes?: { namespace: string; retentionHours: number; log?: (line: string) => void };
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  /** Whether longhaul's visibility indexes are in place (only with `visibilityIndexes`). */
  visibilityIndexed: boolean;
  stop(): Promise<void>;
}

/**
 * Starts Temporal's dev server with its SQLite file under the data dir, so events survive restarts, and
 * waits until its frontend answers. With `visibilityIndexes`, also prepares the namespace and indexes it.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // The data dir holds credentials and the master key: make it private before anything else creates it.
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dir = path.join(options.dataDir, 'temporal');
  fs.mkdirSync(dir, { recursive: true });
  return options.visibilityIndexes
    ? startIndexed(options, dir, options.visibilityIndexes)
    : spawnDevServer(options, dir);
}

/**
 * The indexes need the server stopped, and the columns they cover are only known once the server has
 * registered the search attributes. So: before the start, build them for the mapping remembered from an
 * earlier run (cheap when they exist); after it, read the mapping, and if it was not known (a fresh data
 * dir) or changed, stop the server, build them, and start it again, before anyone else connects.
 */
async function startIndexed(
  options: DevServerOptions,
  dir: string,
  setup: NonNullable<DevServerOptions['visibilityIndexes']>,
): Promise<DevServer> {
  const log = setup.log ?? (() => undefined);
  const dbFile = path.join(dir, 'temporal.sqlite');
  const remembered = readRememberedColumns(dir, setup.namespace);
  const indexedFor = remembered && tryEnsure(dbFile, remembered, log) ? remembered : undefined;
  let server = await spawnDevServer(options, dir);
  try {
    const connection = await Connection.connect({ address: server.address });
    let columns;
    try {
      await prepareNamespace(connection, setup.namespace, setup.retentionHours);
      columns = await readVisibilityColumns(connection, setup.namespace);
    } finally {
      await connection.close();
    }
    if (!columns) {
      log('The Temporal dev server did not report its search-attribute columns: status tracking runs unindexed.');
      return server;
    }
    if (indexedFor && sameColumns(indexedFor, columns)) return { ...server, visibilityIndexed: true };
    log(`Indexing status tracking in ${dbFile} (once per data dir): restarting the dev server ...`);
    const started = Date.now();
    await server.stop();
    const created = tryEnsure(dbFile, columns, log);
    if (created) rememberColumns(dir, setup.namespace, columns);
    server = await spawnDevServer(options, dir);
    log(`  built ${created?.join(', ') || 'nothing'}; the dev server is back (${Date.now() - started} ms).`);
    return { ...server, visibilityIndexed: created !== undefined };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * The indexes only make counts faster: failing to build them (say, another process holds the file) is told
 * and the server runs without them; the next start tries again.
 */
function tryEnsure(
  dbFile: string,
  columns: VisibilityColumns,
  log: (line: string) => void,
): string[] | undefined {
  try {
    return ensureVisibilityIndexes(dbFile, columns)?.created;
  } catch (err) {
    log(`Could not build the visibility indexes in ${dbFile} (${String(err)}): status tracking runs unindexed.`);
    return undefined;
  }
}

async function spawnDevServer(options: DevServerOptions, dir: string): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
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
    visibilityIndexed: false,
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
