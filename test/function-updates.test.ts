/**
 * The function registry through the REST API, against the real stack: updating a function's code and its
 * configuration, what may change and what may not, and refused updates leaving the function as it was.
 */
import {
  expectError,
  functionRequests,
  sha256,
  startRegistryStack,
  zipOf,
} from './helpers/function-requests';
import type { TestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
beforeAll(async () => ({ stack, toolbox } = await startRegistryStack()));
afterAll(() => stack?.stop());

const { createOk, get, patch, putCode } = functionRequests(() => ({ client: stack.client, toolbox }));

// ---------------------------------------------------------------------------------------------------------

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

  test('the log destination changes as a whole or one part at a time, and "" in both removes it', async () => {
    const fn = await createOk({
      asyncRunEnable: true,
      description: 'logged',
      logsetId: 'prod-logs',
      topicId: 'api',
    });

    const moved = await patch(fn.functionName, { logsetId: 'staging-logs', topicId: 'worker' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ logsetId: 'staging-logs', topicId: 'worker', description: 'logged' });
    expect((await get(fn.functionName)).body).toEqual(moved.body);

    // One part alone keeps the other.
    expect((await patch(fn.functionName, { topicId: 'billing' })).body).toMatchObject({
      logsetId: 'staging-logs',
      topicId: 'billing',
    });
    // Other settings leave the destination alone, and so does new code.
    expect((await patch(fn.functionName, { description: 'still logged' })).body).toMatchObject({
      logsetId: 'staging-logs',
      topicId: 'billing',
    });
    expect((await putCode(fn.functionName, { code: { zipFile: toolbox } })).body).toMatchObject({
      logsetId: 'staging-logs',
      topicId: 'billing',
    });

    const cleared = await patch(fn.functionName, { logsetId: '', topicId: '' });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ logsetId: '', topicId: '', description: 'still logged' });
    expect((await get(fn.functionName)).body).toEqual(cleared.body);
  });

  test('an update that would leave half a log destination, or a malformed one, is refused and changes nothing', async () => {
    const logged = await createOk({ logsetId: 'prod-logs', topicId: 'api' });
    // Clearing one part alone would leave the other dangling.
    expectError(await patch(logged.functionName, { logsetId: '' }), 400, 'InvalidParameterValue.ClsLogsetId');
    expectError(await patch(logged.functionName, { topicId: '' }), 400, 'InvalidParameterValue.ClsTopicId');
    expectError(
      await patch(logged.functionName, { logsetId: 'other-logs', topicId: '' }),
      400,
      'InvalidParameterValue.ClsTopicId',
    );
    expectError(
      await patch(logged.functionName, { topicId: 'has space', description: 'sneaked in' }),
      400,
      'InvalidParameterValue.ClsTopicId',
    );
    expectError(
      await patch(logged.functionName, { logsetId: null }),
      400,
      'InvalidParameterValue.ClsLogsetId',
    );
    expect((await get(logged.functionName)).body).toEqual(logged);

    // A function without a destination cannot gain half of one.
    const unlogged = await createOk();
    const refused = await patch(unlogged.functionName, { logsetId: 'prod-logs' });
    expectError(refused, 400, 'InvalidParameterValue.ClsTopicId');
    expect(refused.body.error.message).toContain('topicId');
    expectError(
      await patch(unlogged.functionName, { topicId: 'api' }),
      400,
      'InvalidParameterValue.ClsLogsetId',
    );
    expect((await get(unlogged.functionName)).body).toEqual(unlogged);
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
