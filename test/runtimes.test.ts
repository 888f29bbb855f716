import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eventually, exchangePath, processAlive, readPid, uniqueName, zipFixture } from './helpers/fixtures';
import { zipOf } from './helpers/function-requests';
import { invokePath } from './helpers/functions';
import { readAllLines, userLines, waitForEnd } from './helpers/logs';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A function-facing file path: in the exchange dir, which a sandboxed function can write (unlike the data dir). */
const tmp = (name: string) => exchangePath(name);

/** Creates a function with a log destination from a fixture folder or a zip (base64) and returns its name. */
async function createFunction(runtime: string, handler: string, code: { fixture: string } | { zip: string }) {
  const name = uniqueName(handler.replace(/^index\./, '').replace(/_/g, '-'));
  const response = await stack.client.post('/v1/namespaces/default/functions', {
    functionName: name,
    runtime,
    handler,
    code: { zipFile: 'zip' in code ? code.zip : await zipFixture(code.fixture) },
    timeout: 60,
    asyncRunEnable: true,
    logsetId: 'test-logset',
    topicId: 'test-topic',
    environment: { GREETING: 'hello' },
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return name;
}

const python = (handler: string) =>
  createFunction('Python3.9', `index.${handler}`, { fixture: 'python-basic' });
const shell = (handler: string) =>
  createFunction('CustomRuntime', `index.${handler}`, { fixture: 'custom-shell' });

async function invoke(name: string, event: unknown): Promise<string> {
  const response = await stack.client.post(invokePath(name), event);
  expect(response.status).toBe(202);
  return response.body.requestId as string;
}

async function runToEnd(name: string, event: unknown) {
  const requestId = await invoke(name, event);
  return { requestId, event: await waitForEnd(stack.client, requestId) };
}

test('runtime names map to the runtimes longhaul runs; others are refused at create', async () => {
  for (const runtime of ['Python3.6', 'Python3.12', 'CustomRuntime']) {
    await expect(createFunction(runtime, 'index.echo', { fixture: 'python-basic' })).resolves.toBeTruthy();
  }
  for (const runtime of ['Go1', 'Java8', 'Php7', 'Python2.7', 'python3.9', 'Custom']) {
    const response = await stack.client.post('/v1/namespaces/default/functions', {
      functionName: uniqueName('refused'),
      runtime,
      handler: 'index.echo',
      code: { zipFile: await zipFixture('python-basic') },
    });
    expect({ runtime, status: response.status, code: response.body.error?.code }).toEqual({
      runtime,
      status: 400,
      code: 'InvalidParameterValue.Runtime',
    });
  }
});

describe('Python 3', () => {
  test('a function returns its event and SCF context, imports its own modules, and prints to the log', async () => {
    const name = await python('echo');
    const { requestId, event } = await runToEnd(name, { n: 1 });
    expect(event).toMatchObject({ status: 'FINISHED', statusCode: 200 });
    expect(event.result).toMatchObject({
      event: { n: 1 },
      context: {
        request_id: requestId,
        function_name: name,
        function_version: '$LATEST',
        namespace: 'default',
        memory_limit_in_mb: 128,
        time_limit_in_ms: 60000,
      },
      requestIdAttribute: requestId,
      scfFunctionName: name,
      greeting: 'hello',
      helper: 'HI!',
      platformOnPath: [],
    });
    expect(event.result.python[0]).toBe(3);
    expect(event.result.remainingMs).toBeGreaterThan(50000);
    expect(event.logTail).toContain('echo handler running');
    expect(event.logTail).toContain('a line on stderr');
  });

  test('an exception ends FAILED 430 with its type, message and a traceback of the user code', async () => {
    const { event } = await runToEnd(await python('fail'), { reason: 'bad input' });
    expect(event).toMatchObject({ status: 'FAILED', statusCode: 430 });
    expect(event.error).toMatchObject({ type: 'ValueError', message: 'boom: bad input' });
    expect(event.error.stack).toContain('index.py');
    expect(event.error.stack).not.toContain('python-runner.py');
  });

  test('an async def handler is run to completion', async () => {
    const { event } = await runToEnd(await python('async_echo'), { n: 2 });
    expect(event).toMatchObject({ status: 'FINISHED', result: { event: { n: 2 }, awaited: true } });
  });

  test.each([
    ['not_json', 'FAILED', 430, 'not JSON'],
    ['exit_hard', 'FAILED', 439, 'exited with code 3'],
    ['missing_function', 'FAILED', 437, 'does not define a function "missing_function"'],
  ])('%s ends %s %i', async (handler, status, statusCode, message) => {
    const { event } = await runToEnd(await python(handler), {});
    expect(event).toMatchObject({ status, statusCode });
    expect(event.error.message).toContain(message);
  });

  test('print() and stderr lines are stored in exactly the order written', async () => {
    const { event, requestId } = await runToEnd(await python('interleave'), { lines: 100 });
    expect(event.status).toBe('FINISHED');
    const user = userLines(await readAllLines(stack.client, requestId)).map((l) => [l.stream, l.text]);
    // The subprocess writes to the real fd 1, not through sys.stdout: it is stored, in no promised order.
    expect(user).toContainEqual(['stdout', 'from a subprocess']);
    const expected = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0 ? ['stdout', `out ${i + 1}`] : ['stderr', `err ${i + 1}`],
    );
    expect(user.filter(([, text]) => text !== 'from a subprocess')).toEqual([
      ...expected,
      ['stdout', 'piecewise'],
      ['stdout', 'bytes through sys.stdout.buffer'],
      ['stdout', 'no newline at the end'],
    ]);
  });

  test('a forced terminate kills the whole process tree', async () => {
    await expectTerminateKillsTree(await python('sleep'));
  });
});

describe('custom runtime', () => {
  test("a POSIX sh + curl bootstrap in SCF's own shape answers, and its output is logged", async () => {
    const name = await shell('echo_event');
    const { event, requestId } = await runToEnd(name, { n: 3, text: 'hi there' });
    expect(event).toMatchObject({ status: 'FINISHED', statusCode: 200 });
    expect(event.result).toEqual({
      event: { n: 3, text: 'hi there' },
      requestId,
      handler: 'index.echo_event',
      inCodeDir: true,
    });
    const lines = userLines(await readAllLines(stack.client, requestId)).map((l) => [l.stream, l.text]);
    expect(lines).toEqual([
      ['stdout', 'bootstrap ready'],
      ['stderr', `handling ${requestId}`],
    ]);
  });

  test('a bootstrap that posts an error ends FAILED 430 with its type and message', async () => {
    const { event } = await runToEnd(await shell('fail'), { reason: 'bad input' });
    expect(event).toMatchObject({ status: 'FAILED', statusCode: 430 });
    expect(event.error).toMatchObject({ type: 'ShellError', message: 'boom from sh: bad input' });
  });

  test.each([
    ['no bootstrap', [{ name: 'index.sh', content: 'true' }], 'has no bootstrap file'],
    [
      'a bootstrap that is not executable',
      [{ name: 'bootstrap', content: '#!/bin/sh\n', mode: 0o100644 }],
      'not executable',
    ],
  ])('a package with %s fails clearly (437)', async (_title, entries, message) => {
    const name = await createFunction('CustomRuntime', 'index.main', { zip: await zipOf(entries) });
    const { event } = await runToEnd(name, {});
    expect(event).toMatchObject({ status: 'FAILED', statusCode: 437 });
    expect(event.error.message).toContain(message);
  });

  test("the runtime API refuses callers without the event's token, and the token admits them", async () => {
    const infoFile = tmp('api');
    const requestId = await invoke(await shell('share_api'), { infoFile });
    const [port, url] = (await eventually(() => fs.existsSync(infoFile) && fs.readFileSync(infoFile, 'utf8')))
      .trim()
      .split('\n');
    const bare = `http://127.0.0.1:${port}`;
    expect((await fetch(`${bare}/runtime/invocation/next`)).status).toBe(403);
    const forged = await fetch(`${bare}/runtime/invocation/response`, {
      method: 'POST',
      body: '{"forged":true}',
    });
    expect(forged.status).toBe(403);
    expect((await fetch(`${bare}/not-the-token/runtime/invocation/next`)).status).toBe(403);

    const next = await fetch(`${url}/runtime/invocation/next`);
    expect(next.status).toBe(200);
    expect(next.headers.get('request_id')).toBe(requestId);
    expect(await next.json()).toEqual({ infoFile });
    expect(
      (await fetch(`${url}/runtime/invocation/response`, { method: 'POST', body: '{"via":"token"}' })).status,
    ).toBe(200);
    expect(await waitForEnd(stack.client, requestId)).toMatchObject({
      status: 'FINISHED',
      result: { via: 'token' },
    });
  });

  test('a forced terminate kills the whole process tree', async () => {
    await expectTerminateKillsTree(await shell('sleep_long'));
  });
});

async function expectTerminateKillsTree(name: string) {
  const pidFile = tmp('pid');
  const grandchildPidFile = tmp('grandchild');
  const requestId = await invoke(name, { pidFile, grandchildPidFile, ms: 600000 });
  const [pid, grandchild] = [await readPid(pidFile), await readPid(grandchildPidFile)];
  expect([processAlive(pid), processAlive(grandchild)]).toEqual([true, true]);
  const terminated = await stack.client.post(`/v1/events/${requestId}/terminate`, { graceful: false });
  expect(terminated.body).toMatchObject({ status: 'ABORTED', statusCode: 499 });
  expect([processAlive(pid), processAlive(grandchild)]).toEqual([false, false]);
}

test.each([
  ['Python3.9', 'python-basic', 'index.sleep'],
  ['CustomRuntime', 'custom-shell', 'index.sleep_long'],
])(
  '%s: when the worker dies (kill -9), the function process group dies with it',
  async (runtime, fixture, handler) => {
    const pidFile = tmp('pid');
    const grandchildPidFile = tmp('grandchild');
    // A stand-in worker: a Node process that launches the function as the worker does, then is killed hard.
    const spec = JSON.stringify({
      runtime,
      codeDir: path.join(__dirname, 'fixtures', 'functions', fixture),
      workDir: stack.dataDir,
      handler,
      event: { pidFile, grandchildPidFile, ms: 600000 },
      context: {
        requestId: 'r',
        functionName: 'f',
        functionVersion: '$LATEST',
        namespace: 'default',
        memoryLimitInMb: 128,
        timeLimitInMs: 600000,
      },
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: stack.dataDir, TMPDIR: stack.dataDir },
    });
    const launch = `require('./src/runtime/launcher').launchFunction({ ...${spec}, onOutput() {} });`;
    const worker = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', launch], {
      cwd: path.join(__dirname, '..'),
      stdio: 'ignore',
    });
    try {
      const [pid, grandchild] = [await readPid(pidFile), await readPid(grandchildPidFile)];
      expect([processAlive(pid), processAlive(grandchild)]).toEqual([true, true]);
      worker.kill('SIGKILL');
      await eventually(() => !processAlive(pid) && !processAlive(grandchild), 10000);
    } finally {
      worker.kill('SIGKILL');
    }
  },
);
