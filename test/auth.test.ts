/**
 * Authentication and tenant isolation against the real stack: every way a request can fail to authenticate,
 * keys that stop working once revoked, the open routes, the secret key staying out of the service log and the
 * data dir's plain files, and a second account that cannot see or touch the first account's functions and
 * events (it gets exactly the answers it would get for things that do not exist).
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { type RunningApi, startApi } from '../src/main/components';
import { type FunctionWorker, createFunctionWorker } from '../src/worker/create-worker';
import { ApiClient, type ApiResponse } from './helpers/api-client';
import { eventually, exchangePath, readPid, uniqueName, zipFixture } from './helpers/fixtures';
import { createToolboxFunction, invokePath } from './helpers/functions';
import { type TestStack, startTestStack, workflowBundle } from './helpers/stack';

let stack: TestStack;
let first: { accountId: string; secretId: string; secretKey: string };
beforeAll(async () => {
  stack = await startTestStack();
  first = JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8'));
});
afterAll(async () => {
  await stack?.stop();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A request with exactly the Authorization header given (none when undefined). */
async function raw(pathname: string, authorization?: string, init: RequestInit = {}): Promise<ApiResponse> {
  const response = await fetch(stack.api.url + pathname, {
    ...init,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(init.headers as Record<string, string>),
    },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
}

function expectAuthFailure(response: ApiResponse, code: string): void {
  expectError(response, 401, code);
  // RFC 9110: every 401 carries a challenge, so clients know to send Basic credentials.
  expect(response.headers.get('www-authenticate')).toBe('Basic realm="longhaul"');
}

describe('authentication', () => {
  test('a request without credentials is 401 MissingCredentials with a Basic challenge, and does nothing', async () => {
    const name = uniqueName('anon');
    const zipFile = await zipFixture('toolbox');
    const attempts = [
      await raw('/v1/namespaces'),
      await raw('/v1/namespaces/default/functions'),
      await raw('/v1/namespaces/default/functions', undefined, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ functionName: name, code: { zipFile } }),
      }),
      await raw('/v1/events/00000000-0000-4000-8000-000000000000'),
      await raw('/v1/no-such-route'),
    ];
    for (const response of attempts) {
      expectAuthFailure(response, 'AuthFailure.MissingCredentials');
      expect(response.body.error.message).toMatch(/Basic/);
    }
    expectError(
      await stack.client.get(`/v1/namespaces/default/functions/${name}`),
      404,
      'ResourceNotFound.Function',
    );
  });

  test('credentials that are not Basic SecretId:SecretKey are MissingCredentials too', async () => {
    for (const authorization of [
      'Bearer some-token',
      `Basic`,
      `Basic ${Buffer.from(first.secretId).toString('base64')}`, // no colon
      `Basic ${Buffer.from(`:${first.secretKey}`).toString('base64')}`, // no SecretId
      `${first.secretId}:${first.secretKey}`, // not encoded, no scheme
    ]) {
      expectAuthFailure(await raw('/v1/namespaces', authorization), 'AuthFailure.MissingCredentials');
    }
  });

  test('an unknown SecretId is 401 SecretIdNotFound', async () => {
    expectAuthFailure(
      await raw('/v1/namespaces', basic('AKIDnobodyHasThisId00000000000000000', first.secretKey)),
      'AuthFailure.SecretIdNotFound',
    );
    // The SecretId is matched exactly.
    expectAuthFailure(
      await raw('/v1/namespaces', basic(first.secretId.toLowerCase(), first.secretKey)),
      'AuthFailure.SecretIdNotFound',
    );
    // A key sent where the id belongs is not a SecretId either, and the answer does not repeat it.
    const swapped = await raw('/v1/namespaces', basic(first.secretKey, first.secretId));
    expectAuthFailure(swapped, 'AuthFailure.SecretIdNotFound');
    expect(JSON.stringify(swapped.body)).not.toContain(first.secretKey);
  });

  test('a wrong SecretKey is 401 SignatureFailure', async () => {
    for (const wrong of [
      'nope',
      '',
      `${first.secretKey}x`,
      first.secretKey.slice(0, -1),
      first.secretKey.toUpperCase() + 'Q',
    ]) {
      const response = await raw('/v1/namespaces', basic(first.secretId, wrong));
      expectAuthFailure(response, 'AuthFailure.SignatureFailure');
    }
    // A key that differs in its last character only is still wrong.
    const last = first.secretKey.at(-1) === 'A' ? 'B' : 'A';
    expectAuthFailure(
      await raw('/v1/namespaces', basic(first.secretId, first.secretKey.slice(0, -1) + last)),
      'AuthFailure.SignatureFailure',
    );
  });

  test('the right credentials work, whatever the case of the scheme', async () => {
    for (const scheme of ['Basic', 'basic', 'BASIC']) {
      const encoded = Buffer.from(`${first.secretId}:${first.secretKey}`).toString('base64');
      const response = await raw('/v1/namespaces', `${scheme} ${encoded}`);
      expect(response.status).toBe(200);
      expect(response.body.namespaces.map((n: any) => n.name)).toContain('default');
    }
  });

  test('a revoked key stops working at once; the account and its other keys carry on', async () => {
    const name = await createToolboxFunction(stack.client, uniqueName('revoke'));
    const extra = stack.stores.accounts.addKey(first.accountId);
    const extraClient = stack.client.withKey(extra.secretId, extra.secretKey);
    // A second key of the same account sees the same functions.
    expect((await extraClient.get(`/v1/namespaces/default/functions/${name}`)).status).toBe(200);

    expect(stack.stores.accounts.revokeKey(extra.secretId)).toBe(true);
    expectAuthFailure(
      await raw(`/v1/namespaces/default/functions/${name}`, basic(extra.secretId, extra.secretKey)),
      'AuthFailure.SecretIdNotFound',
    );
    const mutation = await extraClient.request('DELETE', `/v1/namespaces/default/functions/${name}`);
    expectAuthFailure(mutation, 'AuthFailure.SecretIdNotFound');
    expect((await stack.client.get(`/v1/namespaces/default/functions/${name}`)).status).toBe(200);
    // Revoking twice changes nothing.
    expect(stack.stores.accounts.revokeKey(extra.secretId)).toBe(false);
  });

  test('/v1/health and /v1/openapi.json need no credentials, and bad credentials do not block them', async () => {
    for (const authorization of [
      undefined,
      'Bearer x',
      basic('AKIDunknown', 'whatever'),
      basic(first.secretId, 'wrong'),
    ]) {
      const health = await raw('/v1/health', authorization);
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const openapi = await raw('/v1/openapi.json', authorization);
      expect(openapi.status).toBe(200);
      expect(openapi.headers.get('content-type')).toMatch(/^application\/json/);
      expect(openapi.body.openapi).toMatch(/^3\./);
      expect(Object.keys(openapi.body.paths)).toContain('/v1/namespaces/{namespace}/functions');
    }
  });
});

describe('the secret key stays secret', () => {
  test('credentials.json and master.key are readable by the owner only, and SQLite holds only sealed keys', () => {
    for (const file of ['credentials.json', 'master.key']) {
      expect((fs.statSync(path.join(stack.dataDir, file)).mode & 0o777).toString(8)).toBe('600');
    }
    const rows = stack.stores.db.prepare('SELECT secret_id, secret_key_sealed FROM api_keys').all() as {
      secret_id: string;
      secret_key_sealed: string;
    }[];
    const mine = rows.find((r) => r.secret_id === first.secretId);
    expect(mine).toBeDefined();
    expect(mine!.secret_key_sealed).not.toBe(first.secretKey);
    expect(mine!.secret_key_sealed).not.toContain(first.secretKey);
    expect(
      Buffer.from(mine!.secret_key_sealed.replace(/\./g, ''), 'base64').toString('latin1'),
    ).not.toContain(first.secretKey);
    // The database files as a whole do not hold the plaintext either.
    for (const file of ['longhaul.sqlite', 'longhaul.sqlite-wal']) {
      const full = path.join(stack.dataDir, file);
      if (fs.existsSync(full)) expect(fs.readFileSync(full).includes(first.secretKey)).toBe(false);
    }
  });

  test('the secret key never reaches the service log, whatever the requests', async () => {
    // An API and a worker of their own, on their own task queue, logging everything to a buffer.
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const config = { ...stack.config, taskQueue: `${stack.config.taskQueue}-logged` };
    let api: RunningApi | undefined;
    let worker: { worker: FunctionWorker; run: Promise<void> } | undefined;
    try {
      api = await startApi(
        config,
        stack.stores,
        { connection: stack.env.connection, client: stack.env.client },
        logger,
      );
      const w = await createFunctionWorker({
        connection: stack.env.nativeConnection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        codeStore: stack.stores.codeStore,
        logger,
        concurrency: 5,
        workflowBundle: await workflowBundle(),
      });
      worker = { worker: w, run: w.run() };
      const client = new ApiClient(api.url, first.secretId, first.secretKey);

      const name = await createToolboxFunction(client, uniqueName('logged'));
      const invoked = await client.post(invokePath(name), { hello: 'log' });
      expect(invoked.status).toBe(202);
      const ended = await eventually(async () => {
        const { body } = await client.get(`/v1/events/${invoked.body.requestId}`);
        return body.status !== 'RUNNING' ? body : undefined;
      }, 60000);
      expect(ended.status).toBe('FINISHED');
      const failing = await createToolboxFunction(client, uniqueName('logged-fail'), {
        handler: 'index.fail',
      });
      const failed = await client.post(invokePath(failing), { reason: 'log me' });
      await eventually(
        async () => (await client.get(`/v1/events/${failed.body.requestId}`)).body.status === 'FAILED',
        60000,
      );
      // Every way of getting authentication wrong, each carrying the real key somewhere.
      const wrongOnes = [
        basic('AKIDunknown', first.secretKey),
        basic(first.secretKey, first.secretKey),
        basic(first.secretId, `${first.secretKey}!`),
        `Bearer ${first.secretKey}`,
        `Basic ${Buffer.from(first.secretKey).toString('base64')}`,
      ];
      for (const authorization of wrongOnes) {
        const response = await fetch(`${api.url}/v1/namespaces`, { headers: { authorization } });
        expect(response.status).toBe(401);
        expect(await response.text()).not.toContain(first.secretKey);
      }
      expect((await client.get('/v1/namespaces/default/functions/no-such-function')).status).toBe(404);
    } finally {
      if (worker) {
        worker.worker.shutdown();
        await worker.run;
      }
      await api?.close();
    }

    const log = lines.join('');
    // The log is real and records these requests' work...
    expect(log).toContain('API listening');
    expect(log).toContain('event accepted');
    expect(log).toContain('function process started');
    // ...but never the key, raw or inside an encoded Authorization header.
    expect(log).not.toContain(first.secretKey);
    expect(log).not.toContain(Buffer.from(`${first.secretId}:${first.secretKey}`).toString('base64'));
    expect(log).not.toContain(Buffer.from(first.secretKey).toString('base64'));
  });
});

describe('isolation between accounts', () => {
  let second: ApiClient;
  let secondAccountId: string;
  let mine: any; // the first account's function, with a published version
  let myNamespace: string;
  const ghost = 'no-such-function-anywhere';
  const fnPath = (name: string, namespace = 'default') => `/v1/namespaces/${namespace}/functions/${name}`;

  beforeAll(async () => {
    secondAccountId = stack.stores.accounts.createAccount('second account');
    const key = stack.stores.accounts.addKey(secondAccountId);
    stack.stores.namespaces.ensureDefault(secondAccountId);
    second = stack.client.withKey(key.secretId, key.secretKey);

    const name = await createToolboxFunction(stack.client, uniqueName('private'), {
      description: 'first account only',
      environment: { OWNER: 'first' },
    });
    expect((await stack.client.post(`${fnPath(name)}/versions`, { description: 'v1' })).status).toBe(201);
    mine = (await stack.client.get(fnPath(name))).body;
    myNamespace = `mine-${process.pid}-${Date.now().toString(36)}`;
    expect(
      (await stack.client.post('/v1/namespaces', { name: myNamespace, description: 'first account only' }))
        .status,
    ).toBe(201);
    const inMine = await stack.client.post(`/v1/namespaces/${myNamespace}/functions`, {
      functionName: uniqueName('in-mine'),
      code: { zipFile: await zipFixture('toolbox') },
    });
    expect(inMine.status).toBe(201);
  });

  /** The second account's answer on the first account's function equals the first's answer on a ghost. */
  async function sameAsMissing(
    request: (client: ApiClient, name: string) => Promise<ApiResponse>,
    expectedCode: string,
  ) {
    const theirs = await request(second, mine.functionName);
    const nothing = await request(stack.client, ghost);
    expect({ status: theirs.status, code: theirs.body?.error?.code }).toEqual({
      status: nothing.status,
      code: nothing.body?.error?.code,
    });
    expect(theirs.body.error.code).toBe(expectedCode);
    // Not even the message gives away that the function exists.
    expect(theirs.body.error.message.replace(mine.functionName, 'X')).toBe(
      nothing.body.error.message.replace(ghost, 'X'),
    );
  }

  test('the second account is a working account of its own', async () => {
    const namespaces = await second.get('/v1/namespaces');
    expect(namespaces.status).toBe(200);
    expect(namespaces.body.namespaces.map((n: any) => n.name)).toEqual(['default']);
    expect((await second.get('/v1/namespaces/default/functions')).body).toEqual({
      functions: [],
      totalCount: 0,
    });
  });

  test("another account's function answers exactly like one that does not exist", async () => {
    const zipFile = await zipFixture('toolbox');
    await sameAsMissing((c, n) => c.get(fnPath(n)), 'ResourceNotFound.Function');
    await sameAsMissing((c, n) => c.get(`${fnPath(n)}?qualifier=1`), 'ResourceNotFound.Function');
    await sameAsMissing((c, n) => c.get(`${fnPath(n)}/versions`), 'ResourceNotFound.Function');
    await sameAsMissing((c, n) => c.post(invokePath(n), { from: 'second' }), 'ResourceNotFound.Function');
    await sameAsMissing(
      (c, n) => c.request('PUT', `${fnPath(n)}/code`, { code: { zipFile }, handler: 'index.fail' }),
      'ResourceNotFound.Function',
    );
    await sameAsMissing(
      (c, n) => c.request('PATCH', `${fnPath(n)}/configuration`, { description: 'hijacked' }),
      'ResourceNotFound.Function',
    );
    await sameAsMissing(
      (c, n) => c.post(`${fnPath(n)}/versions`, { description: 'hijacked' }),
      'ResourceNotFound.Function',
    );
    await sameAsMissing(
      (c, n) => c.request('DELETE', `${fnPath(n)}?qualifier=1`),
      'ResourceNotFound.Function',
    );
    await sameAsMissing((c, n) => c.request('DELETE', fnPath(n)), 'ResourceNotFound.Function');

    const listed = await second.get('/v1/namespaces/default/functions?searchKey=private');
    expect(listed.body).toEqual({ functions: [], totalCount: 0 });
    const all = await second.get('/v1/namespaces/default/functions?limit=100');
    expect(all.body.functions.map((f: any) => f.functionName)).not.toContain(mine.functionName);

    // After all that, the first account's function and version are exactly as they were.
    expect((await stack.client.get(fnPath(mine.functionName))).body).toEqual(mine);
    const versions = await stack.client.get(`${fnPath(mine.functionName)}/versions`);
    expect(versions.body.versions.map((v: any) => v.version)).toEqual(['$LATEST', '1']);
    expect(versions.body.versions[1].description).toBe('v1');
  });

  test("another account's namespace answers like one that does not exist", async () => {
    const theirs = await second.get(`/v1/namespaces/${myNamespace}/functions`);
    const nothing = await stack.client.get('/v1/namespaces/no-such-namespace/functions');
    expectError(theirs, 404, 'ResourceNotFound.Namespace');
    expectError(nothing, 404, 'ResourceNotFound.Namespace');
    expectError(
      await second.request('DELETE', `/v1/namespaces/${myNamespace}`),
      404,
      'ResourceNotFound.Namespace',
    );
    expectError(
      await second.post(`/v1/namespaces/${myNamespace}/functions`, {
        functionName: 'squatter',
        code: { zipFile: await zipFixture('toolbox') },
      }),
      404,
      'ResourceNotFound.Namespace',
    );
    expect((await second.get('/v1/namespaces')).body.namespaces.map((n: any) => n.name)).not.toContain(
      myNamespace,
    );
    // The second account can have a namespace of that name too, without disturbing the first's.
    expect(
      (await second.post('/v1/namespaces', { name: myNamespace, description: 'second account' })).status,
    ).toBe(201);
    const firstView = (await stack.client.get('/v1/namespaces')).body.namespaces.find(
      (n: any) => n.name === myNamespace,
    );
    expect(firstView.description).toBe('first account only');
    expect((await second.request('DELETE', `/v1/namespaces/${myNamespace}`)).status).toBe(204);
    expect((await stack.client.get('/v1/namespaces')).body.namespaces.map((n: any) => n.name)).toContain(
      myNamespace,
    );
  });

  test("another account's event answers like one that does not exist, and cannot be terminated", async () => {
    const name = await createToolboxFunction(stack.client, uniqueName('private-sleep'), {
      handler: 'index.sleep',
    });
    const pidFile = exchangePath(`${name}.pid`);
    const invoked = await stack.client.post(invokePath(name), { pidFile, ms: 600000 });
    expect(invoked.status).toBe(202);
    const requestId: string = invoked.body.requestId;
    await readPid(pidFile);
    const unknownId = '00000000-0000-4000-8000-000000000000';

    const theirs = await second.get(`/v1/events/${requestId}`);
    const nothing = await stack.client.get(`/v1/events/${unknownId}`);
    expectError(theirs, 404, 'ResourceNotFound.AsyncEvent');
    expectError(nothing, 404, 'ResourceNotFound.AsyncEvent');
    expect(theirs.body.error.message.replace(requestId, 'X')).toBe(
      nothing.body.error.message.replace(unknownId, 'X'),
    );

    for (const body of [{}, { graceful: false }, { graceful: true, gracePeriodSeconds: 0 }]) {
      const theirTerminate = await second.post(`/v1/events/${requestId}/terminate`, body);
      const nothingTerminate = await stack.client.post(`/v1/events/${unknownId}/terminate`, body);
      expectError(theirTerminate, 404, 'ResourceNotFound.AsyncEvent');
      expectError(nothingTerminate, 404, 'ResourceNotFound.AsyncEvent');
    }

    // The event runs on, undisturbed, and its owner can still end it.
    expect((await stack.client.get(`/v1/events/${requestId}`)).body).toMatchObject({
      status: 'RUNNING',
      functionName: name,
    });
    const terminated = await stack.client.post(`/v1/events/${requestId}/terminate`, { graceful: false });
    expect(terminated.status).toBe(200);
    expect(terminated.body.status).toBe('ABORTED');
  });

  test('the second account can create a function of the same name, and each sees only its own', async () => {
    const zipFile = await zipFixture('toolbox');
    const created = await second.post('/v1/namespaces/default/functions', {
      functionName: mine.functionName,
      handler: 'index.echo',
      code: { zipFile },
      asyncRunEnable: true,
      timeout: 60,
      description: 'second account copy',
      environment: { OWNER: 'second' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      functionName: mine.functionName,
      description: 'second account copy',
      version: '$LATEST',
    });
    // Its version numbering starts afresh: version 1 is the first account's alone.
    expectError(
      await second.get(`${fnPath(mine.functionName)}?qualifier=1`),
      404,
      'ResourceNotFound.Version',
    );

    expect((await stack.client.get(fnPath(mine.functionName))).body).toEqual(mine);
    expect((await second.get('/v1/namespaces/default/functions')).body.totalCount).toBe(1);

    // The same idempotency key on both accounts' same-named functions names two different events.
    const key = 'same-key-for-both';
    const mineEvent = await stack.client.post(
      invokePath(mine.functionName),
      { who: 'first' },
      { 'idempotency-key': key },
    );
    const theirEvent = await second.post(
      invokePath(mine.functionName),
      { who: 'second' },
      { 'idempotency-key': key },
    );
    expect(mineEvent.status).toBe(202);
    expect(theirEvent.status).toBe(202);
    expect(theirEvent.body.duplicate).toBe(false);
    expect(theirEvent.body.requestId).not.toBe(mineEvent.body.requestId);
    const theirs = await eventually(async () => {
      const { body } = await second.get(`/v1/events/${theirEvent.body.requestId}`);
      return body.status === 'FINISHED' ? body : undefined;
    }, 60000);
    expect(theirs.result).toMatchObject({ event: { who: 'second' }, functionName: mine.functionName });
    expectError(
      await second.get(`/v1/events/${mineEvent.body.requestId}`),
      404,
      'ResourceNotFound.AsyncEvent',
    );
    expectError(
      await stack.client.get(`/v1/events/${theirEvent.body.requestId}`),
      404,
      'ResourceNotFound.AsyncEvent',
    );

    // Deleting the second account's copy leaves the first account's function in place.
    expect((await second.request('DELETE', fnPath(mine.functionName))).status).toBe(204);
    expect((await stack.client.get(fnPath(mine.functionName))).body).toEqual(mine);
    expectError(await second.get(fnPath(mine.functionName)), 404, 'ResourceNotFound.Function');
  });
});

test('a method a route does not take is a JSON error like every other', async () => {
  const response = await stack.client.request('DELETE', '/v1/namespaces/default/functions');
  expect(response.status).toBe(405);
  expect(response.body.error.code).toBe('UnsupportedOperation.Method');
  expect(response.headers.get('allow')).toContain('POST');
});
