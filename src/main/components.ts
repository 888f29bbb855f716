import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createApp } from '../api/app';
import { EventQueries, type EventQueriesOptions } from '../events/event-queries';
import { EventLogs } from '../logs/event-logs';
import type { LonghaulConfig } from '../config';
import type { RetentionOptions } from '../logs/retention';
import { sandboxAvailable } from '../runtime/sandbox';
import { prepareNamespace } from '../temporal/namespace-setup';
import { type FunctionWorker, createFunctionWorker } from '../worker/create-worker';
import { type Stores, createGateway } from './services';

export interface RunningApi {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Prepares the Temporal namespace (search attributes, retention), then serves the REST API. `queryOptions`
 * say what the status-tracking lister may count on (the embedded stack knows whether it indexed visibility).
 */
export async function startApi(
  config: LonghaulConfig,
  stores: Stores,
  temporal: { connection: Connection; client: Client },
  logger: Logger,
  queryOptions: EventQueriesOptions = {},
): Promise<RunningApi> {
  const { connection, client } = temporal;
  await prepareNamespace(connection, config.temporalNamespace, config.eventRetentionHours);
  const gateway = createGateway(config, stores, client, logger);
  const eventLogs = new EventLogs({ store: stores.logStore, gateway, registry: stores.registry });
  const queries = new EventQueries(client, queryOptions);
  const app = createApp({ ...stores, config, gateway, queries, eventLogs, logger });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's callback handles its own errors
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.apiPort, config.apiHost, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.apiHost}:${port}`;
  logger.info({ url }, 'API listening');
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Connects a worker to Temporal; the caller runs it. */
export async function startWorker(config: LonghaulConfig, address: string, stores: Stores, logger: Logger): Promise<FunctionWorker> {
  // Sandboxed functions run as other users: the data dir (credentials, keys, databases) must be ours alone.
  if (config.sandbox === 'auto' && sandboxAvailable()) fs.chmodSync(config.dataDir, 0o700);
  const connection = await NativeConnection.connect({ address });
  return createFunctionWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    codeStore: stores.codeStore,
    logger: logger.child({ component: 'worker' }),
    concurrency: config.workerConcurrency,
    logStore: stores.logStore,
    logLimits: config.logLimits,
    sandbox: config.sandbox === 'auto' && sandboxAvailable(),
  });
}

/** The log retention a worker applies, from the config. */
export function retentionOf(config: LonghaulConfig): RetentionOptions {
  return { retentionMs: config.logRetentionHours * 3600_000, intervalMs: config.logPurgeIntervalSeconds * 1000 };
}
