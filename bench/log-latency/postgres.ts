/**
 * The bench's PostgreSQL: the tests' throwaway server (test/helpers/postgres.ts: a fresh cluster in a temp
 * dir, 127.0.0.1 on a free port, trust auth), plus what the bench needs on top: the version and durability
 * settings for the report, and a fresh database per stack and per throughput run. fsync and
 * synchronous_commit are off there, so the write figures are those of a server that never waits for the
 * disk: an upper bound for a durable one. The report says so by printing the settings the server runs with.
 */
import { Client } from 'pg';
import { startTestPostgres } from '../../test/helpers/postgres';

/** The settings the write figures depend on, as the running server reports them. */
const reportedSettings = ['fsync', 'synchronous_commit', 'full_page_writes'];

export interface BenchPostgres {
  connectionString: string;
  version: string;
  /** `name=value` of each reported setting, for the report. */
  settings: string[];
  /** A fresh, empty database on the same server; resolves to its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<BenchPostgres> {
  const server = await startTestPostgres();
  try {
    const [version] = await query<{ server_version: string }>(server.connectionString, 'SHOW server_version');
    const rows = await query<{ name: string; setting: string }>(
      server.connectionString,
      `SELECT name, setting FROM pg_settings WHERE name IN (${reportedSettings.map((n) => `'${n}'`).join(', ')})`,
    );
    const settings = reportedSettings.map((name) => `${name}=${rows.find((r) => r.name === name)?.setting ?? '?'}`);
    return {
      connectionString: server.connectionString,
      version: version?.server_version ?? '?',
      settings,
      async createDatabase(name) {
        // The name goes into SQL as an identifier: only plain lower-case names, no quoting needed.
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
        await query(server.connectionString, `CREATE DATABASE ${name}`);
        const url = new URL(server.connectionString);
        url.pathname = `/${name}`;
        return url.toString();
      },
      stop: () => server.stop(),
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function query<T>(connectionString: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
