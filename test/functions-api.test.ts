/**
 * The function registry through the REST API, against the real stack: creating, reading, listing, updating,
 * publishing and deleting functions and namespaces, every validation rule a user can trip, and persistence
 * across an API restart and a fresh open of the data dir.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { type Stores, openStores } from '../src/main/services';
import type { ApiResponse } from './helpers/api-client';
import { uniqueName, zipFixture } from './helpers/fixtures';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
let accountId: string;
beforeAll(async () => {
  stack = await startTestStack();
  toolbox = await zipFixture('toolbox');
  accountId = JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8')).accountId;
});
afterAll(async () => {
  await stack?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

const functionsPath = (namespace = 'default') => `/v1/namespaces/${namespace}/functions`;
const functionPath = (name: string, namespace = 'default') => `${functionsPath(namespace)}/${name}`;

const sha256 = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');

/** Creates a function from the toolbox package; `body` overrides or adds fields. */
function create(body: Record<string, unknown>, namespace = 'default'): Promise<ApiResponse> {
  return stack.client.post(functionsPath(namespace), { code: { zipFile: toolbox }, ...body });
}

async function createOk(body: Record<string, unknown> = {}, namespace = 'default'): Promise<any> {
  const response = await create({ functionName: uniqueName('fn'), ...body }, namespace);
  expect(response.status).toBe(201);
  return response.body;
}

const get = (name: string, query = '', namespace = 'default') =>
  stack.client.get(functionPath(name, namespace) + query);
const patch = (name: string, body: unknown) =>
  stack.client.request('PATCH', `${functionPath(name)}/configuration`, body);
const putCode = (name: string, body: unknown) =>
  stack.client.request('PUT', `${functionPath(name)}/code`, body);
const publish = (name: string, body?: unknown) => stack.client.post(`${functionPath(name)}/versions`, body);
const remove = (name: string, query = '') => stack.client.request('DELETE', functionPath(name) + query);

function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
}

interface ZipEntry {
  name: string;
  content: string;
  mode?: number;
}

/** A zip built with yazl, returned as base64. */
function zipOf(entries: ZipEntry[]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    zip.addBuffer(
      Buffer.from(entry.content),
      entry.name,
      entry.mode === undefined ? {} : { mode: entry.mode },
    );
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks).toString('base64')));
    zip.outputStream.on('error', reject);
  });
}

/**
 * A zip holding an entry whose name yazl would refuse ("../x", "/x"): it is written under a harmless name of
 * the same length, then that name is overwritten in place in the local header and the central directory.
 * Names are not covered by the CRC, so the result is a well-formed zip with exactly the hostile name.
 */
async function zipWithHostileName(
  hostile: string,
  content = 'exports.main = () => "escaped";',
): Promise<string> {
  const placeholder = 'z'.repeat(hostile.length);
  const bytes = Buffer.from(
    await zipOf([
      { name: 'index.js', content: 'exports.main = () => 1;' },
      { name: placeholder, content },
    ]),
    'base64',
  );
  const from = Buffer.from(placeholder);
  let replaced = 0;
  for (let at = bytes.indexOf(from); at !== -1; at = bytes.indexOf(from, at + from.length)) {
    Buffer.from(hostile).copy(bytes, at);
    replaced += 1;
  }
  expect(replaced).toBe(2); // local file header and central directory entry
  return bytes.toString('base64');
}

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

describe('updating a function', () => {
  test('new code gets a new sha256 and size, can change the handler, and leaves the configuration alone', async () => {
    const fn = await createOk({
      handler: 'index.echo',
      timeout: 30,
      environment: { A: '1' },
      description: 'before',
    });
    const newCode = await zipOf([{ name: 'main.js', content: 'exports.run = async () => ({ v: 2 });\n' }]);
    const updated = await putCode(fn.functionName, { code: { zipFile: newCode }, handler: 'main.run' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      handler: 'main.run',
      codeSha256: sha256(newCode),
      codeSize: Buffer.from(newCode, 'base64').length,
      timeout: 30,
      environment: { A: '1' },
      description: 'before',
      addTime: fn.addTime,
    });
    expect(updated.body.codeSha256).not.toBe(fn.codeSha256);
    expect(Date.parse(updated.body.modTime)).toBeGreaterThanOrEqual(Date.parse(fn.modTime));
    expect((await get(fn.functionName)).body).toEqual(updated.body);
    expect((await stack.stores.codeStore.get(sha256(newCode))).equals(Buffer.from(newCode, 'base64'))).toBe(
      true,
    );

    // Without a handler, the handler stays as it is.
    const again = await putCode(fn.functionName, { code: { zipFile: toolbox } });
    expect(again.body).toMatchObject({ handler: 'main.run', codeSha256: fn.codeSha256 });
  });

  test('refused code leaves the function as it was', async () => {
    const fn = await createOk();
    expectError(
      await putCode(fn.functionName, { code: { zipFile: 'bm90IGEgemlw' } }),
      400,
      'InvalidParameterValue.Code',
    );
    expectError(
      await putCode(fn.functionName, { code: { zipFile: toolbox }, handler: '../x.main' }),
      400,
      'InvalidParameterValue.Handler',
    );
    expectError(
      await putCode(fn.functionName, { code: { zipFile: toolbox }, runtime: 'Nodejs20.15' }),
      400,
      'UnknownParameter',
    );
    expectError(
      await putCode('no-such-function', { code: { zipFile: toolbox } }),
      404,
      'ResourceNotFound.Function',
    );
    expect((await get(fn.functionName)).body).toEqual(fn);
  });

  test('the configuration changes timeout, memory, environment, description and traceEnable', async () => {
    const fn = await createOk({ asyncRunEnable: true, environment: { OLD: 'x' } });
    const updated = await patch(fn.functionName, {
      timeout: 3600,
      memorySize: 1024,
      environment: { NEW: 'y', OTHER: 'z' },
      description: 'reconfigured',
      traceEnable: false,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      timeout: 3600,
      memorySize: 1024,
      // The environment is replaced as a whole, not merged.
      environment: { NEW: 'y', OTHER: 'z' },
      description: 'reconfigured',
      traceEnable: false,
      asyncRunEnable: true,
      codeSha256: fn.codeSha256,
      handler: fn.handler,
    });
    expect((await get(fn.functionName)).body).toEqual(updated.body);

    // A partial patch changes only what it names.
    const partial = await patch(fn.functionName, { traceEnable: true });
    expect(partial.body).toMatchObject({
      traceEnable: true,
      timeout: 3600,
      memorySize: 1024,
      description: 'reconfigured',
    });
    const cleared = await patch(fn.functionName, { environment: {} });
    expect(cleared.body.environment).toEqual({});
  });

  test('asyncRunEnable and runtime are fixed: changing them is UnsupportedOperation, restating them is fine', async () => {
    const fn = await createOk({ asyncRunEnable: false });
    expectError(
      await patch(fn.functionName, { asyncRunEnable: true }),
      400,
      'UnsupportedOperation.AsyncRunEnable',
    );
    expectError(
      await patch(fn.functionName, { runtime: 'Nodejs20.15' }),
      400,
      'UnsupportedOperation.Runtime',
    );
    expectError(
      await patch(fn.functionName, { runtime: 'Nodejs20.15', description: 'sneaked in' }),
      400,
      'UnsupportedOperation.Runtime',
    );
    expect((await get(fn.functionName)).body).toEqual(fn);

    const restated = await patch(fn.functionName, {
      asyncRunEnable: false,
      runtime: 'Nodejs18.15',
      description: 'same',
    });
    expect(restated.status).toBe(200);
    expect(restated.body).toMatchObject({
      asyncRunEnable: false,
      runtime: 'Nodejs18.15',
      description: 'same',
    });

    const asyncFn = await createOk({ asyncRunEnable: true });
    expectError(
      await patch(asyncFn.functionName, { asyncRunEnable: false }),
      400,
      'UnsupportedOperation.AsyncRunEnable',
    );
  });

  test('configuration values are checked against the function: the timeout range depends on async execution', async () => {
    const sync = await createOk({ asyncRunEnable: false });
    expectError(await patch(sync.functionName, { timeout: 901 }), 400, 'InvalidParameterValue.Timeout');
    expect((await patch(sync.functionName, { timeout: 900 })).body.timeout).toBe(900);
    expectError(
      await patch(sync.functionName, { traceEnable: true }),
      400,
      'InvalidParameterValue.TraceEnable',
    );

    const asyncFn = await createOk({ asyncRunEnable: true });
    expect((await patch(asyncFn.functionName, { timeout: 86400 })).body.timeout).toBe(86400);
    expectError(await patch(asyncFn.functionName, { timeout: 86401 }), 400, 'InvalidParameterValue.Timeout');
    expectError(
      await patch(asyncFn.functionName, { memorySize: 100 }),
      400,
      'InvalidParameterValue.MemorySize',
    );
    expectError(
      await patch(asyncFn.functionName, { environment: { SCF_X: '1' } }),
      400,
      'InvalidParameterValue.Environment',
    );
    expectError(
      await patch(asyncFn.functionName, { description: 'x'.repeat(1001) }),
      400,
      'InvalidParameterValue.Description',
    );
    expectError(await patch(asyncFn.functionName, { traceEnable: 'yes' }), 400, 'InvalidParameter');
    expectError(await patch(asyncFn.functionName, { handler: 'index.echo' }), 400, 'UnknownParameter');
    expectError(await patch(asyncFn.functionName, '{"timeout": 5'), 400, 'InvalidParameter');
    expectError(await patch('no-such-function', { timeout: 5 }), 404, 'ResourceNotFound.Function');
    expect((await get(asyncFn.functionName)).body.timeout).toBe(86400);
  });
});

describe('versions', () => {
  test('published versions are frozen copies: later changes to $LATEST do not reach them', async () => {
    const fn = await createOk({
      handler: 'index.echo',
      timeout: 10,
      memorySize: 256,
      environment: { STAGE: 'one' },
      description: 'first',
    });
    const v1 = await publish(fn.functionName, { description: 'release one' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      version: '1',
      handler: 'index.echo',
      timeout: 10,
      memorySize: 256,
      environment: { STAGE: 'one' },
      description: 'release one',
      codeSha256: fn.codeSha256,
    });

    const newCode = await zipOf([{ name: 'index.js', content: 'exports.v2 = async () => 2;\n' }]);
    expect((await putCode(fn.functionName, { code: { zipFile: newCode }, handler: 'index.v2' })).status).toBe(
      200,
    );
    expect(
      (await patch(fn.functionName, { timeout: 20, memorySize: 512, environment: { STAGE: 'two' } })).status,
    ).toBe(200);

    const v2 = await publish(fn.functionName);
    expect(v2.body).toMatchObject({
      version: '2',
      handler: 'index.v2',
      timeout: 20,
      memorySize: 512,
      environment: { STAGE: 'two' },
      // Without a description, the version takes $LATEST's.
      description: 'first',
      codeSha256: sha256(newCode),
    });

    expect((await patch(fn.functionName, { timeout: 30, description: 'third' })).status).toBe(200);
    expect(
      (await putCode(fn.functionName, { code: { zipFile: toolbox }, handler: 'index.syncEcho' })).status,
    ).toBe(200);

    // Each version reads as it was published, and $LATEST as it is now.
    expect((await get(fn.functionName, '?qualifier=1')).body).toEqual(v1.body);
    expect((await get(fn.functionName, '?qualifier=2')).body).toEqual(v2.body);
    expect((await get(fn.functionName)).body).toMatchObject({
      handler: 'index.syncEcho',
      timeout: 30,
      description: 'third',
    });
    // Version 1's code is still stored: a version names its code by hash.
    expect(
      (await stack.stores.codeStore.get(v1.body.codeSha256)).equals(Buffer.from(toolbox, 'base64')),
    ).toBe(true);
    expect(
      (await stack.stores.codeStore.get(v2.body.codeSha256)).equals(Buffer.from(newCode, 'base64')),
    ).toBe(true);

    const listed = await stack.client.get(`${functionPath(fn.functionName)}/versions`);
    expect(listed.status).toBe(200);
    expect(listed.body.versions.map((v: any) => v.version)).toEqual(['$LATEST', '1', '2']);
    expect(listed.body.versions[1]).toEqual(v1.body);
    expect(listed.body.versions[2]).toEqual(v2.body);
  });

  test('one version can be deleted; its number is never handed out again', async () => {
    const fn = await createOk();
    for (const expected of ['1', '2']) expect((await publish(fn.functionName)).body.version).toBe(expected);
    const deleted = await remove(fn.functionName, '?qualifier=1');
    expect(deleted.status).toBe(204);
    expectError(await get(fn.functionName, '?qualifier=1'), 404, 'ResourceNotFound.Version');
    expectError(await remove(fn.functionName, '?qualifier=1'), 404, 'ResourceNotFound.Version');
    const listed = await stack.client.get(`${functionPath(fn.functionName)}/versions`);
    expect(listed.body.versions.map((v: any) => v.version)).toEqual(['$LATEST', '2']);
    expect((await get(fn.functionName, '?qualifier=2')).status).toBe(200);
    expect((await publish(fn.functionName)).body.version).toBe('3');
    // $LATEST goes only with the whole function.
    expectError(await remove(fn.functionName, '?qualifier=$LATEST'), 400, 'InvalidParameterValue.Qualifier');
    expect((await get(fn.functionName)).status).toBe(200);
  });

  test('publishing refuses unknown fields and functions that do not exist', async () => {
    const fn = await createOk();
    expectError(await publish(fn.functionName, { description: 'x', tag: 'v1' }), 400, 'UnknownParameter');
    expectError(
      await publish(fn.functionName, { description: 'x'.repeat(1001) }),
      400,
      'InvalidParameterValue.Description',
    );
    expectError(await publish('no-such-function'), 404, 'ResourceNotFound.Function');
    expectError(
      await stack.client.get(`${functionPath('no-such-function')}/versions`),
      404,
      'ResourceNotFound.Function',
    );
    expect((await stack.client.get(`${functionPath(fn.functionName)}/versions`)).body.versions).toHaveLength(
      1,
    );
  });

  test('deleting a function removes it with all its versions; its name is free again', async () => {
    const fn = await createOk({ description: 'doomed' });
    await publish(fn.functionName);
    await publish(fn.functionName);
    const deleted = await remove(fn.functionName);
    expect(deleted.status).toBe(204);
    expectError(await get(fn.functionName), 404, 'ResourceNotFound.Function');
    expectError(await get(fn.functionName, '?qualifier=1'), 404, 'ResourceNotFound.Function');
    expectError(
      await stack.client.get(`${functionPath(fn.functionName)}/versions`),
      404,
      'ResourceNotFound.Function',
    );
    expectError(await remove(fn.functionName), 404, 'ResourceNotFound.Function');
    const versionRows = stack.stores.db
      .prepare('SELECT count(*) AS n FROM function_versions WHERE account_id = ? AND name = ?')
      .get(accountId, fn.functionName) as { n: number };
    expect(versionRows.n).toBe(0);

    const reborn = await create({ functionName: fn.functionName, description: 'reborn' });
    expect(reborn.status).toBe(201);
    expect(reborn.body.description).toBe('reborn');
    expect((await stack.client.get(`${functionPath(fn.functionName)}/versions`)).body.versions).toHaveLength(
      1,
    );
    expect((await publish(fn.functionName)).body.version).toBe('1');
  });
});

describe('namespaces', () => {
  const newNamespace = () => `ns-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  test('a namespace is created, listed next to default, refused twice and deleted once empty', async () => {
    const name = newNamespace();
    const created = await stack.client.post('/v1/namespaces', { name, description: 'team space' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name, description: 'team space', createdAt: expect.any(String) });

    const listed = await stack.client.get('/v1/namespaces');
    expect(listed.status).toBe(200);
    const names = listed.body.namespaces.map((n: any) => n.name);
    expect(names).toEqual(expect.arrayContaining(['default', name]));
    expect(listed.body.namespaces.find((n: any) => n.name === name)).toEqual(created.body);

    expectError(
      await stack.client.post('/v1/namespaces', { name, description: 'again' }),
      409,
      'ResourceInUse.Namespace',
    );

    // A namespace holding a function cannot go.
    const fn = await createOk({}, name);
    expectError(
      await stack.client.request('DELETE', `/v1/namespaces/${name}`),
      409,
      'ResourceInUse.Namespace',
    );
    expect((await get(fn.functionName, '', name)).status).toBe(200);

    expect((await stack.client.request('DELETE', functionPath(fn.functionName, name))).status).toBe(204);
    const deleted = await stack.client.request('DELETE', `/v1/namespaces/${name}`);
    expect(deleted.status).toBe(204);
    expect((await stack.client.get('/v1/namespaces')).body.namespaces.map((n: any) => n.name)).not.toContain(
      name,
    );
    expectError(
      await stack.client.request('DELETE', `/v1/namespaces/${name}`),
      404,
      'ResourceNotFound.Namespace',
    );
    expectError(
      await create({ functionName: uniqueName('orphan') }, name),
      404,
      'ResourceNotFound.Namespace',
    );
  });

  test('the default namespace cannot be deleted, even when empty of anything else', async () => {
    expectError(
      await stack.client.request('DELETE', '/v1/namespaces/default'),
      409,
      'ResourceInUse.Namespace',
    );
    expect((await stack.client.get('/v1/namespaces')).body.namespaces.map((n: any) => n.name)).toContain(
      'default',
    );
  });

  test('a function in a namespace that does not exist is refused and nothing is created', async () => {
    const name = uniqueName('nowhere');
    expectError(await create({ functionName: name }, 'no-such-namespace'), 404, 'ResourceNotFound.Namespace');
    expect((await stack.client.get('/v1/namespaces')).body.namespaces.map((n: any) => n.name)).not.toContain(
      'no-such-namespace',
    );
    expectError(await get(name, '', 'no-such-namespace'), 404, 'ResourceNotFound.Namespace');
  });

  test('namespace names and bodies are validated', async () => {
    for (const name of ['-bad', 'bad-', 'has space', 'a'.repeat(31), '', 42]) {
      expectError(
        await stack.client.post('/v1/namespaces', { name }),
        400,
        'InvalidParameterValue.Namespace',
      );
    }
    expectError(await stack.client.post('/v1/namespaces', {}), 400, 'InvalidParameterValue.Namespace');
    expectError(
      await stack.client.post('/v1/namespaces', { name: newNamespace(), colour: 'red' }),
      400,
      'UnknownParameter',
    );
    expectError(
      await stack.client.post('/v1/namespaces', { name: newNamespace(), description: 'x'.repeat(1001) }),
      400,
      'InvalidParameterValue.Description',
    );
    expectError(await stack.client.post('/v1/namespaces', '{"name": '), 400, 'InvalidParameter');
    expectError(
      await stack.client.get('/v1/namespaces/bad!name/functions'),
      400,
      'InvalidParameterValue.Namespace',
    );
    // One character and thirty characters are both fine.
    for (const name of ['q', `${'n'.repeat(29)}${process.pid % 10}`]) {
      expect((await stack.client.post('/v1/namespaces', { name })).status).toBe(201);
      expect((await stack.client.request('DELETE', `/v1/namespaces/${name}`)).status).toBe(204);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Validation: every rule of src/registry/function-rules.ts (and the request parsing around them) is refused
// with its own code, and a refused create leaves nothing behind.

describe('validation of a new function', () => {
  interface Case {
    title: string;
    body: Record<string, unknown>;
    code: string;
  }

  const longName = 'a'.repeat(61);
  const cases: Case[] = [
    // Function name: 2-60 letters, digits, - and _, starting with a letter, not ending with - or _.
    {
      title: 'a one-character name',
      body: { functionName: 'a' },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a 61-character name',
      body: { functionName: longName },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a name ending with -',
      body: { functionName: 'ends-with-' },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a name ending with _',
      body: { functionName: 'ends_with_' },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a name starting with a digit',
      body: { functionName: '1st-function' },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a name with a space',
      body: { functionName: 'has space' },
      code: 'InvalidParameterValue.FunctionName',
    },
    {
      title: 'a name that is not a string',
      body: { functionName: 42 },
      code: 'InvalidParameterValue.FunctionName',
    },
    { title: 'no name at all', body: { functionName: undefined }, code: 'MissingParameter' },
    // Runtime.
    { title: 'a Python runtime', body: { runtime: 'Python3.9' }, code: 'InvalidParameterValue.Runtime' },
    {
      title: 'a lower-case runtime',
      body: { runtime: 'nodejs18.15' },
      code: 'InvalidParameterValue.Runtime',
    },
    // Handler.
    {
      title: 'a handler climbing out with ../',
      body: { handler: '../index.main' },
      code: 'InvalidParameterValue.Handler',
    },
    {
      title: 'a handler climbing out from a sub folder',
      body: { handler: 'lib/../../index.main' },
      code: 'InvalidParameterValue.Handler',
    },
    {
      title: 'an absolute handler',
      body: { handler: '/etc/passwd.main' },
      code: 'InvalidParameterValue.Handler',
    },
    {
      title: 'a handler without a method',
      body: { handler: 'index' },
      code: 'InvalidParameterValue.Handler',
    },
    {
      title: 'a handler over 128 characters',
      body: { handler: `${'a'.repeat(125)}.main` },
      code: 'InvalidParameterValue.Handler',
    },
    // Timeout.
    { title: 'timeout 0', body: { timeout: 0 }, code: 'InvalidParameterValue.Timeout' },
    {
      title: 'timeout 901 without async execution',
      body: { timeout: 901 },
      code: 'InvalidParameterValue.Timeout',
    },
    {
      title: 'timeout 86401 with async execution',
      body: { timeout: 86401, asyncRunEnable: true },
      code: 'InvalidParameterValue.Timeout',
    },
    { title: 'a fractional timeout', body: { timeout: 1.5 }, code: 'InvalidParameterValue.Timeout' },
    { title: 'a timeout given as a string', body: { timeout: '3' }, code: 'InvalidParameterValue.Timeout' },
    // Memory.
    { title: 'memory 100', body: { memorySize: 100 }, code: 'InvalidParameterValue.MemorySize' },
    { title: 'memory 0', body: { memorySize: 0 }, code: 'InvalidParameterValue.MemorySize' },
    { title: 'memory over 32768', body: { memorySize: 32896 }, code: 'InvalidParameterValue.MemorySize' },
    // Environment.
    {
      title: 'a variable with the SCF_ prefix',
      body: { environment: { SCF_FUNCTIONNAME: 'x' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a variable with the LONGHAUL_ prefix',
      body: { environment: { LONGHAUL_DATA_DIR: '/' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a variable with the TENCENTCLOUD_ prefix',
      body: { environment: { TENCENTCLOUD_RUNENV: 'x' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a number value',
      body: { environment: { PORT: 8080 } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a null value',
      body: { environment: { EMPTY: null } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'an object value',
      body: { environment: { NESTED: { a: 'b' } } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a value with a NUL character',
      body: { environment: { BAD: 'a\u0000b' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a variable name with a dash',
      body: { environment: { 'MY-VAR': 'x' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'a variable name starting with a digit',
      body: { environment: { '1VAR': 'x' } },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'an environment that is an array',
      body: { environment: ['A=1'] },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'an environment that is a string',
      body: { environment: 'A=1' },
      code: 'InvalidParameterValue.Environment',
    },
    {
      title: 'an environment over 4 KB',
      body: { environment: { BIG: 'x'.repeat(4087) } },
      code: 'InvalidParameterValue.Environment',
    },
    // Description.
    {
      title: 'a description over 1000 characters',
      body: { description: 'x'.repeat(1001) },
      code: 'InvalidParameterValue.Description',
    },
    {
      title: 'a description that is not a string',
      body: { description: 7 },
      code: 'InvalidParameterValue.Description',
    },
    // Code.
    { title: 'no code', body: { code: undefined }, code: 'MissingParameter' },
    { title: 'code that is not an object', body: { code: 'UEsDBA==' }, code: 'InvalidParameterValue.Code' },
    { title: 'code without zipFile', body: { code: {} }, code: 'InvalidParameterValue.Code' },
    { title: 'an empty zipFile', body: { code: { zipFile: '' } }, code: 'InvalidParameterValue.Code' },
    {
      title: 'a zipFile that is not base64',
      body: { code: { zipFile: 'this is *not* base64!' } },
      code: 'InvalidParameterValue.Code',
    },
    {
      title: 'a zipFile that is valid base64 but not a zip',
      body: { code: { zipFile: Buffer.from('just some text, not a zip archive').toString('base64') } },
      code: 'InvalidParameterValue.Code',
    },
    // Flags.
    {
      title: 'asyncRunEnable that is not a boolean',
      body: { asyncRunEnable: 'true' },
      code: 'InvalidParameter',
    },
    {
      title: 'traceEnable that is not a boolean',
      body: { asyncRunEnable: true, traceEnable: 1 },
      code: 'InvalidParameter',
    },
    // The body itself.
    { title: 'an unknown field', body: { colour: 'red' }, code: 'UnknownParameter' },
    { title: 'a misspelt field', body: { memory: 256 }, code: 'UnknownParameter' },
  ];

  test.each(cases)('$title is refused ($code)', async ({ body, code }) => {
    const name = uniqueName('invalid');
    const response = await create({ functionName: name, ...body });
    expectError(response, 400, code);
    // The refused function does not exist afterwards.
    expectError(await get(name), 404, 'ResourceNotFound.Function');
  });

  test('the limits themselves are accepted', async () => {
    const unique = uniqueName('sixty');
    const sixtyCharacters = unique + 'x'.repeat(60 - unique.length);
    expect(sixtyCharacters).toHaveLength(60);
    const accepted: Record<string, unknown>[] = [
      { functionName: 'ab' },
      { functionName: sixtyCharacters },
      { functionName: uniqueName('Mixed_Case-9') },
      { timeout: 1 },
      { timeout: 900 },
      { timeout: 86400, asyncRunEnable: true },
      { memorySize: 64 },
      { memorySize: 32768 },
      { environment: { BIG: 'x'.repeat(4086) } },
      { environment: { lower_case: 'fine', _LEADING: 'fine', EMPTY: '' } },
      { description: 'x'.repeat(1000) },
      { handler: 'lib/sub.dir/index.main_handler' },
      { runtime: 'Nodejs20.15' },
    ];
    for (const body of accepted) {
      const response = await create({ functionName: uniqueName('ok'), ...body });
      expect({ body, status: response.status }).toEqual({ body, status: 201 });
      expect(response.body).toMatchObject(body);
      expect((await remove(response.body.functionName)).status).toBe(204);
    }
  });

  test('an environment variable named __proto__ is kept like any other', async () => {
    // Written as JSON text: a JavaScript object literal would take "__proto__" as its prototype.
    const name = uniqueName('proto');
    const response = await stack.client.post(
      functionsPath(),
      `{"functionName":"${name}","code":{"zipFile":"${toolbox}"},"environment":{"__proto__":"kept","A":"1"}}`,
    );
    expect(response.status).toBe(201);
    expect(Object.entries(response.body.environment)).toEqual([
      ['__proto__', 'kept'],
      ['A', '1'],
    ]);
    expect(Object.entries((await get(name)).body.environment)).toEqual([
      ['__proto__', 'kept'],
      ['A', '1'],
    ]);
  });

  test('a body that is not JSON, or not an object, is InvalidParameter', async () => {
    expectError(
      await stack.client.post(functionsPath(), '{"functionName": "broken",'),
      400,
      'InvalidParameter',
    );
    expectError(await stack.client.post(functionsPath(), 'functionName=broken'), 400, 'InvalidParameter');
    expectError(await stack.client.post(functionsPath(), '["functionName"]'), 400, 'InvalidParameter');
    expectError(await stack.client.post(functionsPath(), 'null'), 400, 'InvalidParameter');
    expectError(await get('broken'), 404, 'ResourceNotFound.Function');
  });

  test('a zip with a ../ entry is refused, and nothing lands outside the code store', async () => {
    const name = uniqueName('zipslip');
    const marker = `escaped-${process.pid}-${Date.now()}.js`;
    const zip = await zipWithHostileName(`../${marker}`);
    const response = await create({ functionName: name, code: { zipFile: zip } });
    expectError(response, 400, 'InvalidParameterValue.Code');
    expect(response.body.error.message).toContain('../');
    expectError(await get(name), 404, 'ResourceNotFound.Function');
    const sha = sha256(zip);
    expect(fs.existsSync(path.join(stack.dataDir, 'code', 'packages', `${sha}.zip`))).toBe(false);
    expect(fs.existsSync(path.join(stack.dataDir, 'code', marker))).toBe(false);
  });

  test('a zip with an absolute entry, a backslash path or a symbolic link is refused', async () => {
    const hostile = [
      await zipWithHostileName('/tmp/longhaul-absolute.js'),
      await zipWithHostileName('..\\windows-style.js'),
      await zipOf([
        { name: 'index.js', content: 'exports.main = () => 1;' },
        { name: 'passwd', content: '/etc/passwd', mode: 0o120777 },
      ]),
    ];
    for (const zipFile of hostile) {
      const name = uniqueName('badzip');
      expectError(await create({ functionName: name, code: { zipFile } }), 400, 'InvalidParameterValue.Code');
      expectError(await get(name), 404, 'ResourceNotFound.Function');
    }
    // The same package with tame names is fine: the refusals are about the names alone.
    expect(
      (
        await create({
          functionName: uniqueName('goodzip'),
          code: { zipFile: await zipWithHostileName('tame/name.js') },
        })
      ).status,
    ).toBe(201);
  });

  test('names and qualifiers in the path are validated too', async () => {
    expectError(await get('a'), 400, 'InvalidParameterValue.FunctionName');
    expectError(await get('1st-function'), 400, 'InvalidParameterValue.FunctionName');
    const fn = await createOk();
    for (const qualifier of ['0', 'latest', '$latest', '1.0', '-1', '1234567890']) {
      expectError(
        await get(fn.functionName, `?qualifier=${encodeURIComponent(qualifier)}`),
        400,
        'InvalidParameterValue.Qualifier',
      );
    }
    expectError(await remove(fn.functionName, '?qualifier=abc'), 400, 'InvalidParameterValue.Qualifier');
    expect((await get(fn.functionName)).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('persistence', () => {
  let fresh: Stores | undefined;
  afterEach(() => {
    fresh?.db.close();
    fresh = undefined;
  });

  test('functions, versions and namespaces survive an API restart and are seen by freshly opened stores', async () => {
    const namespace = `keep-${process.pid}-${Date.now().toString(36)}`;
    expect((await stack.client.post('/v1/namespaces', { name: namespace, description: 'kept' })).status).toBe(
      201,
    );
    const fn = await createOk(
      { asyncRunEnable: true, environment: { KEEP: 'me' }, description: 'durable', timeout: 120 },
      namespace,
    );
    const v1 = (
      await stack.client.post(`${functionPath(fn.functionName, namespace)}/versions`, { description: 'v1' })
    ).body;
    const latest = (
      await stack.client.request('PATCH', `${functionPath(fn.functionName, namespace)}/configuration`, {
        timeout: 240,
      })
    ).body;

    await stack.restartApi();
    expect((await stack.client.get('/v1/health')).status).toBe(200);

    expect((await get(fn.functionName, '', namespace)).body).toEqual(latest);
    expect((await get(fn.functionName, '?qualifier=1', namespace)).body).toEqual(v1);
    const listed = await stack.client.get(functionsPath(namespace));
    expect(listed.body).toEqual({ functions: [latest], totalCount: 1 });
    expect((await stack.client.get('/v1/namespaces')).body.namespaces).toContainEqual(
      expect.objectContaining({ name: namespace, description: 'kept' }),
    );

    // Another process opening the data dir sees the same registry, and the same keys.
    fresh = openStores(stack.dataDir);
    const seen = fresh.registry.get(accountId, namespace, fn.functionName);
    expect(seen).toMatchObject({
      timeoutSeconds: 240,
      environment: { KEEP: 'me' },
      description: 'durable',
      asyncRunEnable: true,
    });
    expect(fresh.registry.get(accountId, namespace, fn.functionName, '1')).toMatchObject({
      timeoutSeconds: 120,
      description: 'v1',
    });
    expect(fresh.registry.listVersions(accountId, namespace, fn.functionName).map((v) => v.version)).toEqual([
      '$LATEST',
      '1',
    ]);
    expect(fresh.namespaces.list(accountId).map((n) => n.name)).toContain(namespace);
    const credentials = JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8'));
    expect(fresh.accounts.authenticate(credentials.secretId, credentials.secretKey)).toBe(accountId);
    expect((await fresh.codeStore.get(seen.codeSha256)).equals(Buffer.from(toolbox, 'base64'))).toBe(true);

    // And what the fresh stores write, the running API reads at once.
    fresh.registry.updateConfiguration(accountId, namespace, fn.functionName, {
      description: 'written elsewhere',
    });
    expect((await get(fn.functionName, '', namespace)).body.description).toBe('written elsewhere');
  });
});
