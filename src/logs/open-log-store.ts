import path from 'node:path';
import type { LonghaulConfig } from '../config';
import type { LogStore } from './log-store';
import { openPostgresLogStore } from './postgres-log-store';
import { openSqliteLogStore } from './sqlite-log-store';

/** The log store the config names: `<dataDir>/logs.sqlite` by default, or PostgreSQL. */
export async function openLogStore(
  config: Pick<LonghaulConfig, 'dataDir' | 'logStore' | 'logDatabaseUrl'>,
): Promise<LogStore> {
  if (config.logStore === 'postgres') {
    return openPostgresLogStore({ connectionString: config.logDatabaseUrl! });
  }
  return openSqliteLogStore({ file: path.join(config.dataDir, 'logs.sqlite') });
}
