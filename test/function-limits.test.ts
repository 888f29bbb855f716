/**
 * A function's limits (reserved concurrency, async retry settings) through the REST API and the official SCF
 * SDK, against the real stack: defaults, changes, the account quota, validation, accounts kept apart, and
 * limits going with the function they belong to.
 */
import type { ApiClient, ApiResponse } from './helpers/api-client';
import { uniqueName, zipFixture } from './helpers/fixtures';
import { expectError, functionPath, functionRequests } from './helpers/function-requests';
import { type ScfClient, errorCode, scfClient, secondAccount } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

const reservedPath = (name: string, ns = 'default') => `${functionPath(name, ns)}/reserved-concurrency`;
const configPath = (name: string, ns = 'default') => `${functionPath(name, ns)}/invoke-config`;
const put = (client: ApiClient, path: string, body: unknown) => client.request('PUT', path, body);
const remove = (client: ApiClient, path: string) => client.request('DELETE', path);
const reserve = (client: ApiClient, name: string, mem: unknown) =>
  put(client, reservedPath(name), { reservedConcurrencyMemMb: mem });
const defaults = { retryNum: 0, msgTtlSeconds: 21600 };

type Call = [action: string, params: Record<string, unknown>];
type Request = [method: string, path: string, body?: unknown];

/** Sends each row's input in turn and expects the table back: every input with its HTTP status and error code. */
async function expectAnswers<T>(table: [T, number, string][], send: (input: T) => Promise<ApiResponse>) {
  const got: [T, number, unknown][] = [];
  for (const [input] of table) {
    const response = await send(input);
    got.push([input, response.status, response.body?.error?.code]);
  }
  expect(got).toEqual(table);
}

let toolbox: string;
beforeAll(async () => {
  toolbox = await zipFixture('toolbox');
});

describe('with the default account quota (128000 MB)', () => {
  let stack: TestStack;
  let scf: ScfClient;
  beforeAll(async () => {
    stack = await startTestStack();
    scf = scfClient(stack);
  }, 120000);
  afterAll(() => stack?.stop());
  const fns = functionRequests(() => ({ client: stack.client, toolbox }));
  const newFunction = async (body: Record<string, unknown> = {}) =>
    (await fns.createOk(body)).functionName as string;
  const get = async (path: string) => (await stack.client.get(path)).body;

  test('a new function has no reservation, shares the whole quota, and has the default retry settings', async () => {
    const name = await newFunction({ memorySize: 384 });
    expect(await stack.client.get(reservedPath(name))).toMatchObject({
      status: 200,
      body: {
        reservedConcurrencyMemMb: null,
        concurrency: Math.floor(128000 / 384),
        memorySizeMb: 384,
        accountConcurrencyMb: 128000,
        unreservedConcurrencyMemMb: 128000,
      },
    });
    expect(await get(configPath(name))).toEqual(defaults);

    expect((await scf.GetReservedConcurrencyConfig({ FunctionName: name })).ReservedMem).toBeNull();
    expect((await scf.GetFunctionEventInvokeConfig({ FunctionName: name })).AsyncTriggerConfig).toEqual({
      RetryConfig: [{ RetryNum: 0 }],
      MsgTTL: 21600,
    });
    await fns.remove(name);
  });

  test('a reservation is set, read and removed over REST; its concurrency follows the memory size', async () => {
    const name = await newFunction({ memorySize: 256 });
    const set = await reserve(stack.client, name, 1024);
    expect(set).toMatchObject({
      status: 200,
      body: {
        reservedConcurrencyMemMb: 1024,
        concurrency: 4,
        memorySizeMb: 256,
        accountConcurrencyMb: 128000,
        unreservedConcurrencyMemMb: 128000 - 1024,
      },
    });
    expect(await get(reservedPath(name))).toEqual(set.body);
    expect((await scf.GetReservedConcurrencyConfig({ FunctionName: name })).ReservedMem).toBe(1024);

    expect((await fns.patch(name, { memorySize: 512 })).status).toBe(200);
    expect(await get(reservedPath(name))).toMatchObject({ concurrency: 2, memorySizeMb: 512 });
    // 0 is a reservation too: the function starts no events.
    expect((await reserve(stack.client, name, 0)).body).toMatchObject({
      reservedConcurrencyMemMb: 0,
      concurrency: 0,
      unreservedConcurrencyMemMb: 128000,
    });

    expect((await remove(stack.client, reservedPath(name))).status).toBe(204);
    expect(await get(reservedPath(name))).toMatchObject({ reservedConcurrencyMemMb: null, concurrency: 250 });
    expect((await remove(stack.client, reservedPath(name))).status).toBe(204); // nothing left to remove
    await fns.remove(name);
  });

  test('SCF actions set and remove a reservation in a namespace, and REST sees it', async () => {
    const namespace = uniqueName('ns').slice(0, 30).replace(/-$/, '');
    expect((await stack.client.post('/v1/namespaces', { name: namespace })).status).toBe(201);
    const name = (await fns.createOk({}, namespace)).functionName as string;
    const target = { FunctionName: name, Namespace: namespace };
    await scf.PutReservedConcurrencyConfig({ ...target, ReservedConcurrencyMem: 2048 });
    expect(await get(reservedPath(name, namespace))).toMatchObject({
      reservedConcurrencyMemMb: 2048,
      concurrency: 16,
    });
    expect((await scf.GetReservedConcurrencyConfig(target)).ReservedMem).toBe(2048);
    expect(await errorCode(scf.GetReservedConcurrencyConfig({ FunctionName: name }))).toBe(
      'ResourceNotFound.Function',
    );
    await scf.DeleteReservedConcurrencyConfig(target);
    expect((await get(reservedPath(name, namespace))).reservedConcurrencyMemMb).toBeNull();
    await stack.client.request('DELETE', functionPath(name, namespace));
  });

  test('retry settings change field by field, over REST and SCF alike', async () => {
    const name = await newFunction();
    const configure = async (body: unknown) => (await put(stack.client, configPath(name), body)).body;
    expect(await configure({ retryNum: 2 })).toEqual({ retryNum: 2, msgTtlSeconds: 21600 });
    expect(await configure({ msgTtlSeconds: 60 })).toEqual({ retryNum: 2, msgTtlSeconds: 60 });
    expect(await configure({})).toEqual({ retryNum: 2, msgTtlSeconds: 60 });
    const latest = await scf.GetFunctionEventInvokeConfig({ FunctionName: name, Qualifier: '$LATEST' });
    expect(latest.AsyncTriggerConfig).toEqual({ RetryConfig: [{ RetryNum: 2 }], MsgTTL: 60 });

    await scf.UpdateFunctionEventInvokeConfig({
      FunctionName: name,
      AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 1 }], MsgTTL: 3600 },
    });
    expect(await get(configPath(name))).toEqual({ retryNum: 1, msgTtlSeconds: 3600 });
    // A part of AsyncTriggerConfig left out keeps its value (the SDK's types want both: sent untyped).
    await scf.request('UpdateFunctionEventInvokeConfig', {
      FunctionName: name,
      AsyncTriggerConfig: { MsgTTL: 120 },
    });
    expect(await get(configPath(name))).toEqual({ retryNum: 1, msgTtlSeconds: 120 });
    // The settings are the function's: a version has the same, and a version that does not exist is refused.
    expect((await fns.publish(name)).status).toBe(201);
    const v1 = await scf.GetFunctionEventInvokeConfig({ FunctionName: name, Qualifier: '1' });
    expect(v1.AsyncTriggerConfig).toEqual({ RetryConfig: [{ RetryNum: 1 }], MsgTTL: 120 });
    expect(await errorCode(scf.GetFunctionEventInvokeConfig({ FunctionName: name, Qualifier: '9' }))).toBe(
      'ResourceNotFound.Version',
    );
    await fns.remove(name);
  });

  test('refused REST bodies answer their code and HTTP status, and change nothing', async () => {
    const name = await newFunction();
    await expectAnswers<unknown>(
      [
        [{ reservedConcurrencyMemMb: -1 }, 400, 'InvalidParameterValue.ReservedConcurrencyMem'],
        [{ reservedConcurrencyMemMb: 1.5 }, 400, 'InvalidParameterValue.ReservedConcurrencyMem'],
        [{ reservedConcurrencyMemMb: '128' }, 400, 'InvalidParameterValue.ReservedConcurrencyMem'],
        [{ reservedConcurrencyMemMb: 128001 }, 400, 'LimitExceeded.ReservedConcurrencyMem'],
        [{}, 400, 'MissingParameter'],
        [{ reservedConcurrencyMemMb: 128, mem: 1 }, 400, 'UnknownParameter'],
        ['{nope', 400, 'InvalidParameter'],
      ],
      (body) => put(stack.client, reservedPath(name), body),
    );
    await expectAnswers<unknown>(
      [
        [{ retryNum: 3 }, 400, 'LimitExceeded.RetryNum'],
        [{ retryNum: -1 }, 400, 'InvalidParameterValue.RetryNum'],
        [{ retryNum: 'two' }, 400, 'InvalidParameterValue.RetryNum'],
        [{ msgTtlSeconds: 59 }, 400, 'LimitExceeded.MsgTTL'],
        [{ msgTtlSeconds: 21601 }, 400, 'LimitExceeded.MsgTTL'],
        [{ msgTtlSeconds: 90.5 }, 400, 'InvalidParameterValue.MsgTTL'],
        [{ retryNum: 1, ttl: 60 }, 400, 'UnknownParameter'],
        // One bad field refuses the whole change: the good one is not applied either.
        [{ retryNum: 1, msgTtlSeconds: 10 }, 400, 'LimitExceeded.MsgTTL'],
      ],
      (body) => put(stack.client, configPath(name), body),
    );
    expect((await get(reservedPath(name))).reservedConcurrencyMemMb).toBeNull();
    expect(await get(configPath(name))).toEqual(defaults);
    await fns.remove(name);
  });

  test('refused SCF parameters answer their codes, and change nothing', async () => {
    const name = await newFunction();
    const mem = (m: unknown): Call => ['PutReservedConcurrencyConfig', { ReservedConcurrencyMem: m }];
    const trigger = (c: unknown): Call => ['UpdateFunctionEventInvokeConfig', { AsyncTriggerConfig: c }];
    const cases: [Call, string][] = [
      [mem(-128), 'InvalidParameterValue.ReservedConcurrencyMem'],
      [mem(128001), 'LimitExceeded.ReservedConcurrencyMem'],
      [mem('128'), 'InvalidParameter'],
      [mem(undefined), 'MissingParameter'],
      [trigger({ RetryConfig: [{ RetryNum: 3 }] }), 'LimitExceeded.RetryNum'],
      [trigger({ RetryConfig: [{ RetryNum: 'x' }] }), 'InvalidParameterValue.RetryNum'],
      [trigger({ MsgTTL: 30 }), 'LimitExceeded.MsgTTL'],
      [trigger({ MsgTTL: '600' }), 'InvalidParameterValue.MsgTTL'],
      [trigger({ RetryConfig: [] }), 'InvalidParameter'],
      [trigger({ RetryConfig: [{ RetryNum: 1 }, { RetryNum: 2 }] }), 'InvalidParameter'],
      [trigger({ RetryConfig: [{}] }), 'MissingParameter'],
      [trigger({ Retries: 1 }), 'UnknownParameter'],
      [trigger(undefined), 'MissingParameter'],
    ];
    const got = [];
    for (const [[action, params]] of cases) {
      got.push([[action, params], await errorCode(scf.request(action, { FunctionName: name, ...params }))]);
    }
    expect(got).toEqual(cases);
    expect((await get(reservedPath(name))).reservedConcurrencyMemMb).toBeNull();
    expect(await get(configPath(name))).toEqual(defaults);
    await fns.remove(name);
  });

  test('unknown functions and namespaces are 404 on every route and ResourceNotFound over SCF', async () => {
    const missing = uniqueName('missing');
    const requests: Request[] = [
      ['GET', reservedPath(missing)],
      ['PUT', reservedPath(missing), { reservedConcurrencyMemMb: 128 }],
      ['DELETE', reservedPath(missing)],
      ['GET', configPath(missing)],
      ['PUT', configPath(missing), { retryNum: 1 }],
    ];
    const send = ([method, path, body]: Request) => stack.client.request(method, path, body);
    await expectAnswers(
      requests.map((r): [Request, number, string] => [r, 404, 'ResourceNotFound.Function']),
      send,
    );
    await expectAnswers(
      requests.map(([method, path, body]): [Request, number, string] => [
        [method, path.replace('/default/', '/no-such-ns/'), body],
        404,
        'ResourceNotFound.Namespace',
      ]),
      send,
    );
    expect(await errorCode(scf.GetFunctionEventInvokeConfig({ FunctionName: missing }))).toBe(
      'ResourceNotFound.Function',
    );
    const inNoNamespace = scf.GetReservedConcurrencyConfig({
      FunctionName: missing,
      Namespace: 'no-such-ns',
    });
    expect(await errorCode(inNoNamespace)).toBe('ResourceNotFound.Namespace');
  });

  test('another account can neither read nor change them, and has a quota of its own', async () => {
    const name = await newFunction();
    await reserve(stack.client, name, 4096);
    await put(stack.client, configPath(name), { retryNum: 2 });
    const key = secondAccount(stack);
    const other = stack.client.withKey(key.secretId, key.secretKey);
    const otherScf = scfClient(stack, key);

    await expectAnswers<Request>(
      [
        [['GET', reservedPath(name)], 404, 'ResourceNotFound.Function'],
        [['PUT', reservedPath(name), { reservedConcurrencyMemMb: 0 }], 404, 'ResourceNotFound.Function'],
        [['DELETE', reservedPath(name)], 404, 'ResourceNotFound.Function'],
        [['GET', configPath(name)], 404, 'ResourceNotFound.Function'],
        [['PUT', configPath(name), { retryNum: 0 }], 404, 'ResourceNotFound.Function'],
      ],
      ([method, path, body]) => other.request(method, path, body),
    );
    const calls = [
      () => otherScf.GetReservedConcurrencyConfig({ FunctionName: name }),
      () => otherScf.PutReservedConcurrencyConfig({ FunctionName: name, ReservedConcurrencyMem: 0 }),
      () => otherScf.DeleteReservedConcurrencyConfig({ FunctionName: name }),
      () => otherScf.GetFunctionEventInvokeConfig({ FunctionName: name }),
      () =>
        otherScf.UpdateFunctionEventInvokeConfig({
          FunctionName: name,
          AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 0 }], MsgTTL: 60 },
        }),
    ];
    for (const call of calls) expect(await errorCode(call())).toBe('ResourceNotFound.Function');
    expect((await get(reservedPath(name))).reservedConcurrencyMemMb).toBe(4096);
    expect((await get(configPath(name))).retryNum).toBe(2);

    // A function of the same name in the other account starts from the defaults, with the whole quota.
    const created = await other.post('/v1/namespaces/default/functions', {
      functionName: name,
      code: { zipFile: toolbox },
    });
    expect(created.status).toBe(201);
    expect((await other.get(reservedPath(name))).body).toMatchObject({
      reservedConcurrencyMemMb: null,
      unreservedConcurrencyMemMb: 128000,
    });
    expect((await reserve(other, name, 128000)).status).toBe(200);
    expect((await get(reservedPath(name))).unreservedConcurrencyMemMb).toBe(128000 - 4096);
    await fns.remove(name);
  });

  test('deleting a function removes its limits: created again, it has the defaults', async () => {
    const name = await newFunction();
    await reserve(stack.client, name, 2048);
    await put(stack.client, configPath(name), { retryNum: 2, msgTtlSeconds: 600 });
    expect((await fns.remove(name)).status).toBe(204);
    expectError(await stack.client.get(reservedPath(name)), 404, 'ResourceNotFound.Function');
    await fns.createOk({ functionName: name });
    expect(await get(reservedPath(name))).toMatchObject({
      reservedConcurrencyMemMb: null,
      unreservedConcurrencyMemMb: 128000,
    });
    expect(await get(configPath(name))).toEqual(defaults);
    await fns.remove(name);
  });
});

describe('with LONGHAUL_ACCOUNT_CONCURRENCY_MB=1024', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ LONGHAUL_ACCOUNT_CONCURRENCY_MB: '1024' });
  }, 120000);
  afterAll(() => stack?.stop());
  const fns = functionRequests(() => ({ client: stack.client, toolbox }));
  const over = 'LimitExceeded.ReservedConcurrencyMem';

  test("the account's reservations together stay within its quota; the rest is shared", async () => {
    const a = (await fns.createOk({ memorySize: 128 })).functionName as string;
    const b = (await fns.createOk({ memorySize: 256 })).functionName as string;
    const get = async (name: string) => (await stack.client.get(reservedPath(name))).body;
    expect(await get(a)).toMatchObject({ accountConcurrencyMb: 1024, concurrency: 8 });
    expectError(await reserve(stack.client, a, 1025), 400, over);

    expect((await reserve(stack.client, a, 768)).body).toMatchObject({
      concurrency: 6,
      unreservedConcurrencyMemMb: 256,
    });
    // b has no reservation: it shares what a left.
    expect(await get(b)).toMatchObject({ reservedConcurrencyMemMb: null, concurrency: 1 });
    expectError(await reserve(stack.client, b, 512), 400, over);
    const scf = scfClient(stack);
    expect(
      await errorCode(scf.PutReservedConcurrencyConfig({ FunctionName: b, ReservedConcurrencyMem: 512 })),
    ).toBe(over);
    await scf.PutReservedConcurrencyConfig({ FunctionName: b, ReservedConcurrencyMem: 256 });
    expect(await get(b)).toMatchObject({ reservedConcurrencyMemMb: 256, unreservedConcurrencyMemMb: 0 });
    // A function's own reservation is replaced, not added to: a may stay at 768, not go over.
    expect((await reserve(stack.client, a, 768)).status).toBe(200);
    expectError(await reserve(stack.client, a, 769), 400, over);

    // Removing a reservation, or the function that holds it, gives its share back.
    expect((await remove(stack.client, reservedPath(a))).status).toBe(204);
    expect((await reserve(stack.client, b, 1024)).body).toMatchObject({ unreservedConcurrencyMemMb: 0 });
    expect((await fns.remove(b)).status).toBe(204);
    expect(await get(a)).toMatchObject({ unreservedConcurrencyMemMb: 1024, concurrency: 8 });
  });
});
