/**
 * A throwaway PostgreSQL for the bench, the way test/helpers/postgres.ts starts one (bench code does not
 * import from test/): a fresh cluster in a temp dir, 127.0.0.1 on a free port, trust auth. As root the
 * server runs as the `postgres` system user. fsync is off like the tests' server, so the write figures are
 * those of a server that never waits for the disk: an upper bound for a durable one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './system';

const run = promisify(execFile);
const serverUser = 'postgres';

export interface BenchPostgres {
  connectionString: string;
  version: string;
  /** The settings the server was started with, for the report. */
  settings: string[];
  /** A fresh, empty database on the same server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<BenchPostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await ensureServerUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-pg-'));
  const dataDir = path.join(dir, 'data');
  const command = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', serverUser, '--', path.join(bin, program), ...args])
      : run(path.join(bin, program), args);
  let pid: number | undefined;
  const killOnExit = () => {
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGQUIT'); // immediate shutdown; the postmaster takes its backends with it
    } catch {
      // already gone
    }
  };
  try {
    if (asRoot) fs.chownSync(dir, ...serverIds());
    await command('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']);
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ];
    const logFile = path.join(dir, 'server.log');
    await command('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-l', logFile, '-o', settings.join(' ')]);
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.once('exit', killOnExit);
    const url = (db: string) => `postgresql://postgres@127.0.0.1:${port}/${db}`;
    const connectionString = url('postgres');
    await waitUntilAccepting(connectionString);
    const version = await query<{ server_version: string }>(connectionString, 'SHOW server_version');
    return {
      connectionString,
      version: version[0]?.server_version ?? '?',
      settings: settings.slice(3).map((s) => s.replace('-c ', '')),
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
        await query(connectionString, `CREATE DATABASE ${name}`);
        return url(name);
      },
      async stop() {
        process.removeListener('exit', killOnExit);
        await command('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(killOnExit);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${String(err)}`);
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

/** The newest /usr/lib/postgresql/<version>/bin, or the directory of `initdb` on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin');
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .find((d) => d && fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')));
  if (onPath) return onPath;
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql');
}

async function ensureServerUser(): Promise<void> {
  try {
    await run('id', ['-u', serverUser]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', serverUser]);
  }
}

function serverIds(): [number, number] {
  const fields = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${serverUser}:`))
    ?.split(':');
  if (!fields) throw new Error(`no ${serverUser} user in /etc/passwd`);
  return [Number(fields[2]), Number(fields[3])];
}

async function waitUntilAccepting(connectionString: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new Client({ connectionString });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
