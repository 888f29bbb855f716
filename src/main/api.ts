// Entry point: the REST API alone, against an existing Temporal (TEMPORAL_ADDRESS). Run many behind a balancer.
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { ensureFirstAccount } from '../registry/first-account';
import { startApi } from './components';
import { closeStores, connectClient, openConfiguredStores } from './services';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'longhaul-api');
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  const stores = await openConfiguredStores(config);
  const first = ensureFirstAccount(config, stores.accounts, stores.namespaces);
  logger.info({ secretId: first.secretId, source: first.source }, 'first account ready');
  const temporal = await connectClient(address, config.temporalNamespace);
  const api = await startApi(config, stores, temporal, logger);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await api.close();
    await temporal.connection.close();
    await closeStores(stores);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
