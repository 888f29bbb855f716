/** The sandbox around user code, tried from inside by a function that attempts what hostile code would. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uniqueName, zipFixture } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { waitForEnd } from './helpers/logs';
import { type TestStack, startTestStack } from './helpers/stack';

const asRoot = process.getuid?.() === 0;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A function of a fixture package; the intruder's probe by default. */
async function createIntruder(options: Record<string, unknown> = {}, fixture = 'intruder') {
  const name = uniqueName(fixture);
  const response = await stack.client.post('/v1/namespaces/default/functions', {
    functionName: name,
    runtime: 'Nodejs18.15',
    handler: 'index.probe',
    code: { zipFile: await zipFixture(fixture) },
    timeout: 60,
    asyncRunEnable: true,
    traceEnable: true,
    ...options,
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return response.body as { functionName: string; codeSha256: string };
}

async function run(name: string, event: unknown) {
  const accepted = await stack.client.post(invokePath(name), event);
  return waitForEnd(stack.client, accepted.body.requestId as string);
}

(asRoot ? describe : describe.skip)('as root, each event runs as its own unprivileged user', () => {
  test("it cannot read the service's environment, the data dir or another function's code", async () => {
    // Another function's code, unpacked by running it once.
    const other = await createToolboxFunction(stack.client, uniqueName('victim'), { handler: 'index.syncEcho' });
    expect((await run(other, {})).status).toBe('FINISHED');
    const { body: victim } = await stack.client.get(`/v1/namespaces/default/functions/${other}`);
    const otherCodeDir = path.join(os.tmpdir(), 'longhaul-sandbox', 'code', victim.codeSha256 as string);
    expect(fs.existsSync(otherCodeDir)).toBe(true);

    const intruder = await createIntruder();
    const ended = await run(intruder.functionName, { dataDir: stack.dataDir, otherCodeDir });
    expect(ended.status).toBe('FINISHED');
    const probe = ended.result;
    expect(probe.uid).toBeGreaterThan(65535);
    expect(probe.gid).toBeGreaterThan(65535);
    expect(probe.groups).not.toContain(0);
    for (const denied of ['serviceEnvironment', 'dataDir', 'credentials', 'otherCode', 'writeOwnCode']) {
      expect([denied, probe[denied]]).toEqual([denied, { ok: false, code: 'EACCES' }]);
    }
    expect(probe.ownCode.ok).toBe(true);
    expect(probe.cwdMode).toBe('700');
    expect(probe.maxOpenFiles).toBe(1024);
    expect(probe.maxProcesses).toBe(256);
    // The working directory is the event's alone, and gone once it ended.
    expect(fs.existsSync(probe.cwd)).toBe(false);
    expect((fs.statSync(stack.dataDir).mode & 0o777).toString(8)).toBe('700');
  });

  test('two events never share a user', async () => {
    const intruder = await createIntruder();
    const [a, b] = await Promise.all([run(intruder.functionName, {}), run(intruder.functionName, {})]);
    expect(a.result.uid).not.toBe(b.result.uid);
    expect(a.result.gid).toBe(b.result.gid); // same code package, same group: it may read its own code
  });
});

test('a function that allocates past its memory size ends FAILED 434, with its peak memory reported', async () => {
  const intruder = await createIntruder({ handler: 'index.allocate', memorySize: 128 });
  const ended = await run(intruder.functionName, { megabytes: 400 });
  expect(ended).toMatchObject({ status: 'FAILED', statusCode: 434 });
  expect(ended.error.message).toMatch(/more than its 128 MB memory size/);
  expect(ended.error.type).toBe('MemoryLimitExceeded');
  expect(ended.memUsageBytes).toBeGreaterThan(128 * 1024 * 1024);
  const fine = await run(intruder.functionName, { megabytes: 16 });
  expect(fine).toMatchObject({ status: 'FINISHED', result: { allocated: 16 } });
  // Peak memory is measured, not guessed: at least the 16 MB the function touched.
  expect(fine.memUsageBytes).toBeGreaterThan(16 * 1024 * 1024);
  expect(fine.memUsageBytes).toBeLessThan(128 * 1024 * 1024);
});

test('a function in a sandboxed package still runs a Python handler', async () => {
  const { functionName: name } = await createIntruder({ runtime: 'Python3.9', handler: 'index.echo' }, 'python-basic');
  const ended = await run(name, { hello: 'sandbox' });
  expect(ended.status).toBe('FINISHED');
});
