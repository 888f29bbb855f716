/**
 * The function registry through the REST API, against the real stack: creating functions (defaults, every
 * setting, names taken and free across namespaces), and reading and listing them.
 */
import type { ApiResponse } from './helpers/api-client';
import {
  expectError,
  functionRequests,
  functionsPath,
  sha256,
  startRegistryStack,
} from './helpers/function-requests';
import { uniqueName } from './helpers/fixtures';
import type { TestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
beforeAll(async () => ({ stack, toolbox } = await startRegistryStack()));
afterAll(() => stack?.stop());

const { create, createOk, get, publish } = functionRequests(() => ({ client: stack.client, toolbox }));

// ---------------------------------------------------------------------------------------------------------

describe('creating a function', () => {
  test('with only a name and code it gets the documented defaults', async () => {
    const name = uniqueName('defaults');
    const before = Date.now();
    const response = await create({ functionName: name });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      namespace: 'default',
      functionName: name,
      version: '$LATEST',
      status: 'Active',
      runtime: 'Nodejs18.15',
      handler: 'index.main_handler',
      timeout: 3,
      memorySize: 128,
      environment: {},
      description: '',
      asyncRunEnable: false,
      traceEnable: false,
      // No log destination: no real-time logs, as in SCF.
      logsetId: '',
      topicId: '',
      codeSha256: sha256(toolbox),
      codeSize: Buffer.from(toolbox, 'base64').length,
      addTime: expect.any(String),
      modTime: expect.any(String),
    });
    expect(Date.parse(response.body.addTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(response.body.modTime).toBe(response.body.addTime);
    // What create answered is what a later read answers.
    expect((await get(name)).body).toEqual(response.body);
    // The package itself is stored byte for byte under its hash.
    expect(
      (await stack.stores.codeStore.get(response.body.codeSha256)).equals(Buffer.from(toolbox, 'base64')),
    ).toBe(true);
  });

  test('every setting given at creation is kept', async () => {
    const name = uniqueName('configured');
    const response = await create({
      functionName: name,
      runtime: 'Nodejs20.15',
      handler: 'index.echo',
      timeout: 7200,
      memorySize: 512,
      environment: { GREETING: 'hi', EMPTY: '' },
      description: 'all set',
      asyncRunEnable: true,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      runtime: 'Nodejs20.15',
      handler: 'index.echo',
      timeout: 7200,
      memorySize: 512,
      environment: { GREETING: 'hi', EMPTY: '' },
      description: 'all set',
      asyncRunEnable: true,
      traceEnable: true,
    });
  });

  test('a log destination given at creation is kept, read back and listed', async () => {
    // Tencent's CLS ids are UUIDs; plain names work as well.
    const logsetId = '2ae0e3b4-6a5f-4d1c-9b8e-4f3a2b1c0d9e';
    const created = await createOk({ asyncRunEnable: true, logsetId, topicId: 'api_requests' });
    expect(created).toMatchObject({ logsetId, topicId: 'api_requests' });
    expect((await get(created.functionName)).body).toEqual(created);
    const listed = await stack.client.get(`${functionsPath()}?searchKey=${created.functionName}`);
    expect(listed.body.functions).toEqual([created]);

    const named = await createOk({ logsetId: 'prod-logs', topicId: 'api' });
    expect(named).toMatchObject({ logsetId: 'prod-logs', topicId: 'api' });
    // Empty strings in both are the same as no destination.
    expect(await createOk({ logsetId: '', topicId: '' })).toMatchObject({ logsetId: '', topicId: '' });
  });

  test('traceEnable defaults to asyncRunEnable, can be turned off, and cannot be on without async execution', async () => {
    expect((await createOk({ asyncRunEnable: true })).traceEnable).toBe(true);
    expect((await createOk({ asyncRunEnable: true, traceEnable: false })).traceEnable).toBe(false);
    expect((await createOk({ asyncRunEnable: false })).traceEnable).toBe(false);
    const name = uniqueName('trace-sync');
    expectError(
      await create({ functionName: name, asyncRunEnable: false, traceEnable: true }),
      400,
      'InvalidParameterValue.TraceEnable',
    );
    expectError(await get(name), 404, 'ResourceNotFound.Function');
  });

  test('a second function of the same name is refused with 409 and the first one is untouched', async () => {
    const first = await createOk({ description: 'the original' });
    const again = await create({
      functionName: first.functionName,
      description: 'the impostor',
      timeout: 60,
    });
    expectError(again, 409, 'ResourceInUse.Function');
    expect((await get(first.functionName)).body).toEqual(first);
  });

  test('the same name in another namespace is a different function', async () => {
    const namespace = uniqueName('ns').slice(0, 30).replace(/-$/, 'x');
    expect((await stack.client.post('/v1/namespaces', { name: namespace })).status).toBe(201);
    const inDefault = await createOk({ description: 'in default' });
    const elsewhere = await create(
      { functionName: inDefault.functionName, description: 'elsewhere' },
      namespace,
    );
    expect(elsewhere.status).toBe(201);
    expect((await get(inDefault.functionName)).body.description).toBe('in default');
    expect((await get(inDefault.functionName, '', namespace)).body.description).toBe('elsewhere');
  });
});

describe('reading and listing functions', () => {
  test('a function is read as $LATEST by default, by explicit $LATEST and by version number', async () => {
    const fn = await createOk({ description: 'readable' });
    const plain = await get(fn.functionName);
    const latest = await get(fn.functionName, '?qualifier=$LATEST');
    expect(plain.status).toBe(200);
    expect(latest.body).toEqual(plain.body);
    const v1 = await publish(fn.functionName);
    expect(v1.status).toBe(201);
    const byVersion = await get(fn.functionName, '?qualifier=1');
    expect(byVersion.status).toBe(200);
    expect(byVersion.body).toMatchObject({
      version: '1',
      description: 'readable',
      codeSha256: fn.codeSha256,
    });
  });

  test('what does not exist is not found, and says which part is missing', async () => {
    expectError(await get('no-such-function'), 404, 'ResourceNotFound.Function');
    const fn = await createOk();
    expectError(await get(fn.functionName, '?qualifier=9'), 404, 'ResourceNotFound.Version');
    expectError(await get(fn.functionName, '', 'no-such-namespace'), 404, 'ResourceNotFound.Namespace');
    expectError(
      await stack.client.get(functionsPath('no-such-namespace')),
      404,
      'ResourceNotFound.Namespace',
    );
  });

  describe('listing', () => {
    let namespace: string;
    let created: any[];
    beforeAll(async () => {
      namespace = `list-${process.pid}-${Date.now().toString(36)}`;
      expect((await stack.client.post('/v1/namespaces', { name: namespace })).status).toBe(201);
      created = [];
      for (const name of ['delta-api', 'alpha-worker', 'charlie-api', 'bravo-worker', 'echo-api']) {
        const response = await create({ functionName: name }, namespace);
        expect(response.status).toBe(201);
        created.push(response.body);
      }
    });
    const list = (query = '') => stack.client.get(functionsPath(namespace) + query);
    const names = (response: ApiResponse) =>
      response.body.functions.map((f: any) => f.functionName as string);
    const byAddTime = (direction: 1 | -1) =>
      [...created]
        .sort(
          (a, b) =>
            direction * a.addTime.localeCompare(b.addTime) || a.functionName.localeCompare(b.functionName),
        )
        .map((f) => f.functionName as string);

    test('lists every function of the namespace, newest first, with the total', async () => {
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.body.totalCount).toBe(5);
      expect(names(response)).toEqual(byAddTime(-1));
      expect(response.body.functions[0]).toEqual(
        created.find((f) => f.functionName === response.body.functions[0].functionName),
      );
    });

    test('offset and limit page through it while totalCount stays the whole count', async () => {
      const all = names(await list('?orderBy=FunctionName&order=ASC'));
      expect(all).toEqual(['alpha-worker', 'bravo-worker', 'charlie-api', 'delta-api', 'echo-api']);
      const page1 = await list('?orderBy=FunctionName&order=ASC&limit=2');
      const page2 = await list('?orderBy=FunctionName&order=ASC&limit=2&offset=2');
      const page3 = await list('?orderBy=FunctionName&order=ASC&limit=2&offset=4');
      const beyond = await list('?orderBy=FunctionName&order=ASC&limit=2&offset=10');
      expect([names(page1), names(page2), names(page3), names(beyond)]).toEqual([
        ['alpha-worker', 'bravo-worker'],
        ['charlie-api', 'delta-api'],
        ['echo-api'],
        [],
      ]);
      for (const page of [page1, page2, page3, beyond]) expect(page.body.totalCount).toBe(5);
    });

    test('order and orderBy sort by name, add time or modification time', async () => {
      expect(names(await list('?orderBy=FunctionName&order=DESC'))).toEqual([
        'echo-api',
        'delta-api',
        'charlie-api',
        'bravo-worker',
        'alpha-worker',
      ]);
      expect(names(await list('?orderBy=FunctionName&order=asc'))[0]).toBe('alpha-worker');
      expect(names(await list('?orderBy=AddTime&order=ASC'))).toEqual(byAddTime(1));
      // Touching one function makes it the most recently modified.
      const touched = await stack.client.request(
        'PATCH',
        `${functionsPath(namespace)}/charlie-api/configuration`,
        {
          description: 'touched',
        },
      );
      expect(touched.status).toBe(200);
      expect(names(await list('?orderBy=ModTime&order=DESC'))[0]).toBe('charlie-api');
      expect(names(await list('?orderBy=ModTime&order=ASC')).at(-1)).toBe('charlie-api');
    });

    test('searchKey keeps the functions whose name contains it, and totalCount counts only those', async () => {
      const api = await list('?searchKey=-api&orderBy=FunctionName&order=ASC');
      expect(names(api)).toEqual(['charlie-api', 'delta-api', 'echo-api']);
      expect(api.body.totalCount).toBe(3);
      const paged = await list('?searchKey=worker&limit=1&orderBy=FunctionName&order=ASC');
      expect(names(paged)).toEqual(['alpha-worker']);
      expect(paged.body.totalCount).toBe(2);
      const none = await list('?searchKey=nothing-like-it');
      expect(none.body).toEqual({ functions: [], totalCount: 0 });
      // A search key is matched literally, not as a pattern.
      expect((await list('?searchKey=%25')).body.totalCount).toBe(0);
    });

    test('list parameters out of range are refused', async () => {
      for (const query of [
        '?limit=0',
        '?limit=101',
        '?limit=ten',
        '?offset=-1',
        '?offset=1.5',
        '?order=SIDEWAYS',
        '?orderBy=Size',
      ]) {
        expectError(await list(query), 400, 'InvalidParameter');
      }
    });
  });
});
