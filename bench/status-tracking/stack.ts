import fs from 'node:fs';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { type LonghaulConfig, loadConfig } from '../../src/config';
import { connectClient, openStores, type Stores } from '../../src/main/services';
import { msBound } from '../../src/events/visibility-query';
import { type FirstAccount, ensureFirstAccount } from '../../src/registry/first-account';
import type { FunctionView } from '../../src/registry/functions';
import type { DevServer } from '../../src/temporal/dev-server';
import { prepareNamespace } from '../../src/temporal/namespace-setup';
import { Cleanup } from '../common/cleanup';
import { startBenchDevServer } from '../common/dev-stack';
import { zipFiles } from '../common/zip';
import { type Version, versions } from './mix';

export const benchFunction = { namespace: 'default', name: 'bench-status' } as const;

/** The embedded stack's pieces on one data dir, as `npm start` runs them, minus the API and the worker. */
export interface BenchStack {
  dataDir: string;
  config: LonghaulConfig;
  devServer: DevServer;
  sqliteFile: string;
  temporal: { connection: Connection; client: Client };
  stores: Stores;
  account: FirstAccount;
  /** The bench function's versions, created on first use of the data dir. */
  versions: Map<Version, FunctionView>;
  /** Cleanup steps run in reverse order of registration, each one even if an earlier one failed. */
  onCleanup(step: () => unknown): void;
  cleanup(): Promise<void>;
}

async function ensureBenchFunction(stack: Pick<BenchStack, 'config' | 'stores' | 'account'>) {
  const { registry } = stack.stores;
  const { accountId } = stack.account;
  if (registry.find(accountId, benchFunction.namespace, benchFunction.name)) return;
  await registry.create(accountId, {
    namespace: benchFunction.namespace,
    name: benchFunction.name,
    runtime: 'Nodejs18.15',
    handler: 'index.main',
    // The registry takes the zip's bytes (the API would decode them from base64 the same way).
    zip: Buffer.from(
      await zipFiles([{ name: 'index.js', text: 'exports.main = async (event) => event;\n' }]),
      'base64',
    ),
    timeoutSeconds: stack.config.maxAsyncTimeoutSeconds,
    memoryMb: 128,
    environment: {},
    description: 'status-tracking bench',
    asyncRunEnable: true,
    traceEnable: true,
  });
  for (const _ of versions.slice(1))
    registry.publishVersion(accountId, benchFunction.namespace, benchFunction.name);
}

/** Opens (or creates) the stack on dataDir. `removeDataDir` makes the cleanup delete it at the very end. */
export async function openStack(cli: string, dataDir: string, removeDataDir: boolean): Promise<BenchStack> {
  const { add: onCleanup, run: cleanup } = new Cleanup();
  if (removeDataDir) onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  try {
    const config = loadConfig({
      LONGHAUL_DATA_DIR: dataDir,
      LONGHAUL_PORT: '0',
      LONGHAUL_TASK_QUEUE: 'longhaul-bench',
      LONGHAUL_TEMPORAL_CLI: cli,
    });
    // Indexed as `npm start` indexes it, so that the figures are the embedded stack's.
    const devServer = await startBenchDevServer(cli, dataDir, {
      namespace: config.temporalNamespace,
      retentionHours: config.eventRetentionHours,
    });
    onCleanup(() => devServer.stop());
    const temporal = await connectClient(devServer.address, config.temporalNamespace);
    onCleanup(() => temporal.connection.close());
    await prepareNamespace(temporal.connection, config.temporalNamespace, config.eventRetentionHours);
    const stores = openStores(dataDir);
    onCleanup(() => stores.db.close());
    const account = ensureFirstAccount(config, stores.accounts, stores.namespaces);
    await ensureBenchFunction({ config, stores, account });
    const byVersion = new Map<Version, FunctionView>();
    for (const v of versions) {
      byVersion.set(
        v,
        stores.registry.get(account.accountId, benchFunction.namespace, benchFunction.name, v),
      );
    }
    const sqliteFile = path.join(dataDir, 'temporal', 'temporal.sqlite');
    return {
      dataDir,
      config,
      devServer,
      sqliteFile,
      temporal,
      stores,
      account,
      versions: byVersion,
      onCleanup,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * The literal the lister writes for the bench function's tracking start (`StartTime >= ...`): every count
 * carries it unless a window bound implies it.
 */
export function trackingStartLiteral(stack: BenchStack): string {
  const fn = [...stack.versions.values()][0]!;
  return msBound('StartTime', '>=', new Date(fn.traceEnabledAt!)).at;
}

/** The visibility query every bench event matches. */
export function benchEventsQuery(stack: BenchStack): string {
  return [
    `LonghaulAccount = '${stack.account.accountId}'`,
    `LonghaulNamespace = '${benchFunction.namespace}'`,
    `LonghaulFunction = '${benchFunction.name}'`,
  ].join(' AND ');
}

/** How many bench events visibility holds, and how many of them are running. */
export async function visibleEvents(stack: BenchStack): Promise<{ count: number; running: number }> {
  const { count, groups } = await stack.temporal.client.workflow.count(
    `${benchEventsQuery(stack)} GROUP BY ExecutionStatus`,
  );
  const running = groups.find((g) => String(g.groupValues[0]) === 'Running')?.count ?? 0;
  return { count, running };
}

export function rssMb(pid: number | 'self'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** Seconds of CPU (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Waits until the dev server is idle (under 10 % of a core over 5 s), at most 5 minutes: on a reused dir it
 * first works off the timers that came due while it was down (the idle events' heartbeat timeouts).
 */
export async function waitForQuietServer(stack: BenchStack): Promise<void> {
  const pid = stack.devServer.process.pid!;
  const start = Date.now();
  for (;;) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const share = (cpuSeconds(pid) - before) / 5;
    if (share < 0.1 || Date.now() - start > 5 * 60_000) {
      console.log(
        `dev server at ${(share * 100).toFixed(0)} % of a core after ${((Date.now() - start) / 1000).toFixed(0)} s`,
      );
      return;
    }
  }
}
