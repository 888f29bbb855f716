/**
 * The function registry through the REST API, against the real stack: publishing versions as frozen copies
 * of $LATEST, deleting one version, and deleting a function with all its versions.
 */
import {
  expectError,
  functionPath,
  functionRequests,
  sha256,
  startRegistryStack,
  zipOf,
} from './helpers/function-requests';
import type { TestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
let accountId: string;
beforeAll(async () => ({ stack, toolbox, accountId } = await startRegistryStack()));
afterAll(() => stack?.stop());

const { create, createOk, get, patch, putCode, publish, remove } = functionRequests(() => ({
  client: stack.client,
  toolbox,
}));

// ---------------------------------------------------------------------------------------------------------

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

  test('a published version keeps the log destination it was published with', async () => {
    const fn = await createOk({ asyncRunEnable: true, logsetId: 'prod-logs', topicId: 'api' });
    const v1 = await publish(fn.functionName);
    expect(v1.body).toMatchObject({ version: '1', logsetId: 'prod-logs', topicId: 'api' });

    expect((await patch(fn.functionName, { logsetId: 'staging-logs', topicId: 'worker' })).status).toBe(200);
    const v2 = await publish(fn.functionName);
    expect(v2.body).toMatchObject({ version: '2', logsetId: 'staging-logs', topicId: 'worker' });

    expect((await patch(fn.functionName, { logsetId: '', topicId: '' })).status).toBe(200);
    const v3 = await publish(fn.functionName);
    expect(v3.body).toMatchObject({ version: '3', logsetId: '', topicId: '' });

    // Changing $LATEST afterwards reaches none of them.
    expect((await patch(fn.functionName, { logsetId: 'later-logs', topicId: 'later' })).status).toBe(200);
    expect((await get(fn.functionName, '?qualifier=1')).body).toEqual(v1.body);
    expect((await get(fn.functionName, '?qualifier=2')).body).toEqual(v2.body);
    expect((await get(fn.functionName, '?qualifier=3')).body).toEqual(v3.body);
    expect((await get(fn.functionName)).body).toMatchObject({ logsetId: 'later-logs', topicId: 'later' });
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
