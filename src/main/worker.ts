// Entry point: one worker alone, against an existing Temporal (TEMPORAL_ADDRESS). Run as many as you need;
// they must share the data dir (code packages) with the API.
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { installRuntimeLogging } from '../temporal/runtime-logging';
import { retentionOf, startWorker } from './components';
import { startLogRetention } from '../logs/retention';
import { closeStores, openConfiguredStores } from './services';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'longhaul-worker');
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  installRuntimeLogging(logger);
  const stores = await openConfiguredStores(config);
  const worker = await startWorker(config, address, stores, logger);
  const retention = startLogRetention(stores.logStore, retentionOf(config), logger);
  logger.info({ address, taskQueue: config.taskQueue }, 'worker polling');
  // Temporal's runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once it has. The listener
  // stays so that a repeated signal (tsx forwards Ctrl-C twice) cannot cut the shutdown short.
  const noteRepeat = () => logger.info('already stopping: running events are handed back to Temporal');
  process.on('SIGINT', noteRepeat);
  process.on('SIGTERM', noteRepeat);
  await worker.run();
  await retention.stop();
  await closeStores(stores);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
