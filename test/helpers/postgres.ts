/**
 * A real, throwaway PostgreSQL server for tests: a fresh cluster in a temp dir, on a random port of
 * 127.0.0.1, trust auth, fsync off. As root (how the tests run here) the server runs as the `postgres`
 * system user, since initdb and postgres refuse root.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './fixtures';

const run = promisify(execFile);
const serverUser = 'postgres';

export interface TestPostgres {
  connectionString: string;
  /** Stops the server at once (`pg_ctl stop -m immediate`) and removes its directory. */
  stop(): Promise<void>;
}

type Command = (program: string, args: string[]) => Promise<unknown>;

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await ensureServerUser();
  // The server user must be able to reach its directory, which a root-only TMPDIR would not allow.
  const base = asRoot && !othersCanEnter(os.tmpdir()) ? '/tmp' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'longhaul-pg-'));
  const dataDir = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const command: Command = (program, args) =>
    asRoot
      ? run('runuser', ['-u', serverUser, '--', path.join(bin, program), ...args])
      : run(path.join(bin, program), args);

  let postmasterPid: number | undefined;
  const killOnExit = () => {
    if (postmasterPid !== undefined) killQuietly(postmasterPid);
  };
  try {
    if (asRoot) fs.chownSync(dir, ...serverIds());
    const initdbFlags = ['--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
    await command('initdb', ['-D', dataDir, ...initdbFlags]);
    const port = await startServer(command, dataDir, dir, log);
    postmasterPid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // Should the test process die without its afterAll, the server must not outlive it.
    process.once('exit', killOnExit);
    const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilAccepting(connectionString);
    return {
      connectionString,
      async stop() {
        process.removeListener('exit', killOnExit);
        await command('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(killOnExit);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    const serverLog = fs.existsSync(log) ? `\nserver log:\n${fs.readFileSync(log, 'utf8')}` : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL: ${String(err)}${serverLog}`);
  }
}

/** Starts the server on a free port of 127.0.0.1, its socket in `socketDir`; resolves to the port. */
async function startServer(
  command: Command,
  dataDir: string,
  socketDir: string,
  log: string,
): Promise<number> {
  // The port is free when picked, but another process may take it first: pick again then.
  for (let tries = 1; ; tries += 1) {
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${socketDir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    try {
      await command('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-l', log, '-o', settings]);
      return port;
    } catch (err) {
      if (tries >= 3) throw err;
    }
  }
}

/** The newest /usr/lib/postgresql/<version>/bin, or the directory of `initdb` on PATH. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin');
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .find((dir) => dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
  if (onPath) return onPath;
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: ' +
      'install them with `apt-get install postgresql`',
  );
}

async function ensureServerUser(): Promise<void> {
  try {
    await run('id', ['-u', serverUser]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', serverUser]);
  }
}

function othersCanEnter(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

function serverIds(): [number, number] {
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  const fields = passwd.find((line) => line.startsWith(`${serverUser}:`))?.split(':');
  if (!fields) throw new Error(`no ${serverUser} user in /etc/passwd`);
  return [Number(fields[2]), Number(fields[3])];
}

/** Re-exported for the benches (bench/common/ports.ts). */
export { freePort };

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

function killQuietly(pid: number): void {
  try {
    // SIGQUIT is postgres's immediate shutdown: the postmaster takes its backends down with it.
    process.kill(pid, 'SIGQUIT');
  } catch {
    // already gone
  }
}
