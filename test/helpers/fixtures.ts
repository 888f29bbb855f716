import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yazl from 'yazl';

const fixturesDir = path.join(__dirname, '..', 'fixtures', 'functions');

/** Zips a fixture function's folder and returns it base64-encoded, as a user would upload it. */
export function zipFixture(name: string): Promise<string> {
  const dir = path.join(fixturesDir, name);
  const zip = new yazl.ZipFile();
  for (const file of fs.readdirSync(dir)) zip.addFile(path.join(dir, file), file);
  return zipToBase64(zip);
}

/** Ends a zip being built and returns its bytes base64-encoded. */
export function zipToBase64(zip: yazl.ZipFile): Promise<string> {
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks).toString('base64')));
    zip.outputStream.on('error', reject);
  });
}

/**
 * Files the test and a function exchange (pid files, counters, cleanup markers) live here, never in the
 * stack's data dir: when the worker runs as root, each function runs as its own unprivileged uid, the data
 * dir is 0700 root and each event's working directory is private to its uid, so a function cannot write
 * there. This directory is world-writable and sticky (0o1777, like /tmp), one per test process, and removed
 * when the process exits. The test (root, or the same user without the sandbox) reads what functions wrote.
 */
let exchangeDir: string | undefined;
let exchangeCounter = 0;

function removeExchangeDir(): void {
  if (exchangeDir) fs.rmSync(exchangeDir, { recursive: true, force: true });
  exchangeDir = undefined;
}
// Jest hands each test file its own copy of `process`, whose 'exit' never fires, and this module is loaded
// afresh for each file: under Jest the directory goes when the file's tests are done.
if (typeof afterAll === 'function') afterAll(removeExchangeDir);

/** A fresh path, not yet existing, that a function (whatever its uid) can create and the test can read. */
export function exchangePath(name: string): string {
  if (!exchangeDir) {
    exchangeDir = fs.mkdtempSync(path.join(os.tmpdir(), `longhaul-exchange-${process.pid}-`));
    fs.chmodSync(exchangeDir, 0o1777); // after mkdtemp: it creates 0700, and a mode given at creation meets the umask
    process.once('exit', removeExchangeDir);
  }
  exchangeCounter += 1;
  return path.join(exchangeDir, `${name}-${exchangeCounter}-${Math.random().toString(36).slice(2)}`);
}

/**
 * An exchange file several events or attempts write (a run counter): each runs as its own uid, so the
 * file a first one created would be closed to the next (0644, someone else's; and where fs.protected_regular
 * is set, opening another user's file with O_CREAT in a sticky directory is refused outright). So the test
 * creates it, empty and writable by all, before any function touches it.
 */
export function sharedExchangeFile(name: string): string {
  const file = exchangePath(name);
  fs.writeFileSync(file, '');
  fs.chmodSync(file, 0o666);
  return file;
}

let counter = 0;
/** A function name no other test uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Polls until `check` returns a value (not undefined/false) or throws its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/** Whether a process with this pid exists (and is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function readPid(file: string): Promise<number> {
  return eventually(() => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || undefined : undefined));
}

/**
 * A port the kernel just handed out and took back; the tiny race with other processes is acceptable here.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
