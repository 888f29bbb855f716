import fs from 'node:fs';
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
