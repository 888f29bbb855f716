/**
 * The function registry through the REST API, against the real stack: namespaces (created, listed, refused,
 * deleted once empty, validated), and persistence of functions, versions and namespaces across an API restart
 * and a fresh open of the data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Stores, openStores } from '../src/main/services';
import {
  expectError,
  functionPath,
  functionRequests,
  functionsPath,
  startRegistryStack,
} from './helpers/function-requests';
import { uniqueName } from './helpers/fixtures';
import type { TestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
let accountId: string;
beforeAll(async () => ({ stack, toolbox, accountId } = await startRegistryStack()));
afterAll(() => stack?.stop());

const { create, createOk, get } = functionRequests(() => ({ client: stack.client, toolbox }));

// ---------------------------------------------------------------------------------------------------------

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
