// Entry point of `npm start`: the whole embedded stack in one process tree. The Temporal dev server (SQLite
// under the data dir, with its Web UI) unless TEMPORAL_ADDRESS names one, then the worker and the API.
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { ensureFirstAccount } from '../registry/first-account';
import { type DevServer, startDevServer } from '../temporal/dev-server';
import { installRuntimeLogging } from '../temporal/runtime-logging';
import { retentionOf, startApi, startWorker } from './components';
import { startLogRetention } from '../logs/retention';
import { closeStores, connectClient, openConfiguredStores } from './services';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'longhaul');
  let devServer: DevServer | undefined;
  let address = config.temporalAddress;
  if (!address) {
    if (!config.temporalCli) throw new Error('LONGHAUL_TEMPORAL_CLI is not set: start the stack with `npm start`');
    console.log(`Starting the Temporal dev server (data in ${config.dataDir}/temporal) ...`);
    devServer = await startDevServer({
      cli: config.temporalCli,
      dataDir: config.dataDir,
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      // Only this embedded server's own SQLite file is ever indexed, never a TEMPORAL_ADDRESS one.
      visibilityIndexes: {
        namespace: config.temporalNamespace,
        retentionHours: config.eventRetentionHours,
        log: (line) => console.log(line),
      },
    });
    address = devServer.address;
  }
  installRuntimeLogging(logger);
  const stores = await openConfiguredStores(config);
  const first = ensureFirstAccount(config, stores.accounts, stores.namespaces);
  const temporal = await connectClient(address, config.temporalNamespace);
  const api = await startApi(config, stores, temporal, logger, {
    visibilityIndexed: devServer?.visibilityIndexed,
  });
  const worker = await startWorker(config, address, stores, logger);
  const retention = startLogRetention(stores.logStore, retentionOf(config), logger);

  console.log(
    [
      '',
      'longhaul is running.',
      `  API          ${api.url}/v1   (OpenAPI: ${api.url}/v1/openapi.json)`,
      `  Temporal     ${address}`,
      `  Web UI       ${devServer?.uiUrl ?? '(the one of your Temporal server)'}`,
      `  SecretId     ${first.secretId}`,
      `  SecretKey    ${first.source === 'environment' ? '(from LONGHAUL_SECRET_KEY)' : first.secretKey}`,
      `  Credentials  ${first.credentialsFile}${first.source === 'environment' ? ' (not written: from environment)' : ''}`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping: API, worker, then Temporal ...');
    void api.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Temporal's runtime shuts the worker down on the same signals; run() resolves once it has.
  await worker.run();
  await api.close();
  await retention.stop();
  await temporal.connection.close();
  await closeStores(stores);
  await devServer?.stop();
  console.log('Stopped.');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
