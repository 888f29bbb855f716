import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { namespaceRetentionHours } from '../src/temporal/namespace-setup';
import { ApiClient } from './helpers/api-client';
import { eventually, freePort, zipFixture } from './helpers/fixtures';
import { temporalCli } from './helpers/stack';

const root = path.join(__dirname, '..');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface RunningStack {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs src/main/stack.ts (what `npm start` runs) with its own data dir and ports. */
function startStack(env: Record<string, string>): RunningStack {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main', 'stack.ts')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LONGHAUL_TEMPORAL_CLI: temporalCli(), LONGHAUL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

let dataDir: string;
let ports: { api: number; temporal: number; ui: number };
let current: RunningStack | undefined;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-stack-'));
  ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
});
afterAll(async () => {
  if (current && current.process.exitCode === null) {
    current.process.kill('SIGKILL');
    await current.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const stackEnv = () => ({
  LONGHAUL_DATA_DIR: dataDir,
  LONGHAUL_PORT: String(ports.api),
  LONGHAUL_TEMPORAL_PORT: String(ports.temporal),
  LONGHAUL_TEMPORAL_UI_PORT: String(ports.ui),
});

async function waitUntilRunning(stack: RunningStack) {
  await eventually(() => stack.output().includes('Press Ctrl-C to stop.') || stack.process.exitCode !== null, 90000);
  if (stack.process.exitCode !== null) throw new Error(`the stack exited:\n${stack.output()}`);
}

test('the embedded stack starts, persists functions and events across a Ctrl-C and a restart', async () => {
  current = startStack(stackEnv());
  await waitUntilRunning(current);
  const printed = current.output();
  expect(printed).toContain(`http://127.0.0.1:${ports.api}/v1`);
  expect(printed).toContain(`Web UI       http://127.0.0.1:${ports.ui}`);
  const credentialsFile = path.join(dataDir, 'credentials.json');
  expect(fs.statSync(credentialsFile).mode & 0o777).toBe(0o600);
  const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8'));
  expect(printed).toContain(credentials.secretId);
  expect(printed).toContain(credentials.secretKey);
  expect(fs.existsSync(path.join(dataDir, 'temporal', 'temporal.sqlite'))).toBe(true);

  // The Web UI answers, and the namespace keeps ended events for 72 h (the dev server's default is 24 h).
  expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  expect(await namespaceRetentionHours(connection, 'default')).toBe(72);
  const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  expect(Object.keys(attributes.customAttributes ?? {})).toEqual(
    expect.arrayContaining(['LonghaulAccount', 'LonghaulFunction', 'LonghaulNamespace', 'LonghaulVersion', 'LonghaulInvokeType', 'LonghaulStatusCode']),
  );
  await connection.close();

  const client = new ApiClient(`http://127.0.0.1:${ports.api}`, credentials.secretId, credentials.secretKey);
  const created = await client.post('/v1/namespaces/default/functions', {
    functionName: 'persisted',
    handler: 'index.syncEcho',
    code: { zipFile: await zipFixture('toolbox') },
    asyncRunEnable: true,
    timeout: 30,
  });
  expect(created.status).toBe(201);
  const { body } = await client.post('/v1/namespaces/default/functions/persisted/invocations', { kept: true });
  await eventually(async () => (await client.get(`/v1/events/${body.requestId}`)).body.status === 'FINISHED', 30000);

  // Ctrl-C: everything stops cleanly, the Temporal dev server included.
  current.process.kill('SIGINT');
  expect(await current.exited).toBe(0);
  expect(current.output()).toContain('Stopped.');
  expect(await portOpen(ports.temporal)).toBe(false);
  expect(await portOpen(ports.api)).toBe(false);

  current = startStack(stackEnv());
  await waitUntilRunning(current);
  expect(current.output()).toContain(credentials.secretId);
  expect((await client.get('/v1/namespaces/default/functions/persisted')).body).toMatchObject({ functionName: 'persisted' });
  expect((await client.get(`/v1/events/${body.requestId}`)).body).toMatchObject({
    status: 'FINISHED',
    result: { sync: true, event: { kept: true } },
  });
  current.process.kill('SIGINT');
  expect(await current.exited).toBe(0);
}, 240000);
