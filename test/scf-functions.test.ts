/** The SCF endpoint's function, version, namespace and sync-invoke actions, driven by the official SDK. */
import { zipFixture, uniqueName } from './helpers/fixtures';
import { type ScfClient, errorCode, firstKey, nextSecond, scfClient, send, signRequest } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
let scf: ScfClient;
let zip: string;
beforeAll(async () => {
  stack = await startTestStack({ LONGHAUL_TIME_ZONE: 'Asia/Shanghai' });
  scf = scfClient(stack);
  zip = await zipFixture('toolbox');
}, 120000);
afterAll(async () => {
  await stack?.stop();
});

test('CreateFunction, GetFunction and ListFunctions speak SCF fields', async () => {
  const name = uniqueName('scf-fn');
  const created = await scf.CreateFunction({
    FunctionName: name,
    Code: { ZipFile: zip },
    Handler: 'index.echo',
    Runtime: 'Nodejs18.15',
    Timeout: 3600,
    MemorySize: 256,
    Description: 'made over SCF',
    Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] },
    AsyncRunEnable: 'TRUE',
    TraceEnable: 'TRUE',
  });
  expect(created.RequestId).toMatch(/^[0-9a-f-]{36}$/);

  const fn = await scf.GetFunction({ FunctionName: name });
  expect(fn).toMatchObject({
    FunctionName: name,
    Namespace: 'default',
    Handler: 'index.echo',
    Runtime: 'Nodejs18.15',
    Timeout: 3600,
    MemorySize: 256,
    Description: 'made over SCF',
    Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] },
    AsyncRunEnable: 'TRUE',
    TraceEnable: 'TRUE',
    Status: 'Active',
    FunctionVersion: '$LATEST',
  });
  expect(fn.AddTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  expect(fn.CodeSize).toBeGreaterThan(0);

  const list = await scf.ListFunctions({ SearchKey: name });
  expect(list.TotalCount).toBe(1);
  expect(list.Functions?.[0]).toMatchObject({
    FunctionName: name,
    AsyncRunEnable: 'TRUE',
    TraceEnable: 'TRUE',
  });

  expect(await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip } }))).toBe(
    'ResourceInUse.Function',
  );
});

test('the shared validators answer SCF requests with their codes', async () => {
  const name = uniqueName('scf-bad');
  expect(await errorCode(scf.CreateFunction({ FunctionName: '1bad', Code: { ZipFile: zip } }))).toBe(
    'InvalidParameterValue.FunctionName',
  );
  expect(await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: 'not base64!' } }))).toBe(
    'InvalidParameterValue.Code',
  );
  expect(
    await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, Timeout: 3600 })),
  ).toBe('InvalidParameterValue.Timeout');
  expect(
    await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, TraceEnable: 'TRUE' })),
  ).toBe('InvalidParameterValue.TraceEnable');
  expect(
    await errorCode(
      scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, AsyncRunEnable: 'yes' }),
    ),
  ).toBe('InvalidParameter');
  expect(await errorCode(scf.CreateFunction({ FunctionName: name } as never))).toBe('MissingParameter');
  expect(
    await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, Role: 'admin' })),
  ).toBe('UnknownParameter');
  expect(
    await errorCode(
      scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, Timeout: '60' as never }),
    ),
  ).toBe('InvalidParameter');
  expect(
    await errorCode(scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, ClsTopicId: 'topic' })),
  ).toBe('InvalidParameterValue.ClsLogsetId');
  expect(await errorCode(scf.GetFunction({ FunctionName: 'missing-fn' }))).toBe('ResourceNotFound.Function');
  expect(await errorCode(scf.GetFunction({ FunctionName: 'missing-fn', Namespace: 'nowhere' }))).toBe(
    'ResourceNotFound.Namespace',
  );
});

test('a log destination: CreateFunction names it, GetFunction shows it, UpdateFunctionConfiguration changes and clears it', async () => {
  const name = uniqueName('scf-log');
  const logsetId = '2ae0e3b4-6a5f-4d1c-9b8e-4f3a2b1c0d9e';
  const topicId = '8c1f5d2e-3b4a-4e6f-a7d8-9c0b1a2e3f4d';
  await scf.CreateFunction({
    FunctionName: name,
    Code: { ZipFile: zip },
    AsyncRunEnable: 'TRUE',
    ClsLogsetId: logsetId,
    ClsTopicId: topicId,
  });
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({
    ClsLogsetId: logsetId,
    ClsTopicId: topicId,
  });

  await scf.UpdateFunctionConfiguration({
    FunctionName: name,
    ClsLogsetId: 'prod-logs',
    ClsTopicId: 'api',
    Publish: 'TRUE',
  });
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({
    ClsLogsetId: 'prod-logs',
    ClsTopicId: 'api',
  });
  // One part alone keeps the other.
  await scf.UpdateFunctionConfiguration({ FunctionName: name, ClsTopicId: 'billing' });
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({
    ClsLogsetId: 'prod-logs',
    ClsTopicId: 'billing',
  });

  // Half a destination, or a malformed id, is refused and changes nothing.
  expect(await errorCode(scf.UpdateFunctionConfiguration({ FunctionName: name, ClsLogsetId: '' }))).toBe(
    'InvalidParameterValue.ClsLogsetId',
  );
  expect(
    await errorCode(scf.UpdateFunctionConfiguration({ FunctionName: name, ClsTopicId: 'not/a topic' })),
  ).toBe('InvalidParameterValue.ClsTopicId');
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({
    ClsLogsetId: 'prod-logs',
    ClsTopicId: 'billing',
  });

  await scf.UpdateFunctionConfiguration({ FunctionName: name, ClsLogsetId: '', ClsTopicId: '' });
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({ ClsLogsetId: '', ClsTopicId: '' });
  // The version published along the way kept the destination it had.
  expect(await scf.GetFunction({ FunctionName: name, Qualifier: '1' })).toMatchObject({
    ClsLogsetId: 'prod-logs',
    ClsTopicId: 'api',
  });

  // A function made without one has none, as in SCF.
  const plain = uniqueName('scf-nolog');
  await scf.CreateFunction({ FunctionName: plain, Code: { ZipFile: zip } });
  expect(await scf.GetFunction({ FunctionName: plain })).toMatchObject({ ClsLogsetId: '', ClsTopicId: '' });
  expect(
    await errorCode(
      scf.CreateFunction({
        FunctionName: uniqueName('scf-badlog'),
        Code: { ZipFile: zip },
        ClsLogsetId: 'x'.repeat(65),
        ClsTopicId: 'api',
      }),
    ),
  ).toBe('InvalidParameterValue.ClsLogsetId');
  expect(
    await errorCode(
      scf.CreateFunction({
        FunctionName: uniqueName('scf-halflog'),
        Code: { ZipFile: zip },
        ClsLogsetId: 'prod-logs',
      }),
    ),
  ).toBe('InvalidParameterValue.ClsTopicId');
});

test('code and configuration updates, versions and deletion', async () => {
  const name = uniqueName('scf-ver');
  await scf.CreateFunction({
    FunctionName: name,
    Code: { ZipFile: zip },
    Handler: 'index.echo',
    Description: 'v0',
  });

  await scf.UpdateFunctionCode({ FunctionName: name, ZipFile: zip, Handler: 'index.syncEcho' });
  await scf.UpdateFunctionConfiguration({
    FunctionName: name,
    Timeout: 30,
    Environment: { Variables: [{ Key: 'A', Value: 'b' }] },
    Description: 'v1',
  });
  expect(await scf.GetFunction({ FunctionName: name })).toMatchObject({
    Handler: 'index.syncEcho',
    Timeout: 30,
    Description: 'v1',
    Environment: { Variables: [{ Key: 'A', Value: 'b' }] },
  });
  expect(
    await errorCode(scf.UpdateFunctionConfiguration({ FunctionName: name, Runtime: 'Nodejs20.15' })),
  ).toBe('UnsupportedOperation.Runtime');

  const published = await scf.PublishVersion({ FunctionName: name, Description: 'first' });
  expect(published).toMatchObject({
    FunctionVersion: '1',
    Description: 'first',
    Handler: 'index.syncEcho',
    Timeout: 30,
  });
  await scf.UpdateFunctionConfiguration({ FunctionName: name, Timeout: 40, Publish: 'TRUE' });

  const versions = await scf.ListVersionByFunction({ FunctionName: name });
  expect(versions.FunctionVersion).toEqual(['$LATEST', '1', '2']);
  expect(versions.Versions?.map((v) => v.Description)).toEqual(['v1', 'first', 'v1']);
  expect((await scf.GetFunction({ FunctionName: name, Qualifier: '1' })).Timeout).toBe(30);
  expect((await scf.GetFunction({ FunctionName: name, Qualifier: '2' })).Timeout).toBe(40);

  await scf.DeleteFunction({ FunctionName: name, Qualifier: '1' });
  expect(await errorCode(scf.GetFunction({ FunctionName: name, Qualifier: '1' }))).toBe(
    'ResourceNotFound.Version',
  );
  await scf.DeleteFunction({ FunctionName: name });
  expect(await errorCode(scf.GetFunction({ FunctionName: name }))).toBe('ResourceNotFound.Function');
});

test('a sync Invoke (RequestResponse) of a function without async execution returns its result', async () => {
  const name = uniqueName('scf-sync');
  await scf.CreateFunction({ FunctionName: name, Code: { ZipFile: zip }, Handler: 'index.syncEcho' });
  const invoked = await scf.Invoke({
    FunctionName: name,
    InvocationType: 'RequestResponse',
    ClientContext: JSON.stringify({ a: 1 }),
  });
  expect(JSON.parse(invoked.Result!.RetMsg!)).toEqual({ sync: true, event: { a: 1 } });
  expect(invoked.Result!.FunctionRequestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(invoked.RequestId).toBe(invoked.Result!.FunctionRequestId);
  expect(invoked.Result!.InvokeResult).toBe(0);

  const viaInvokeFunction = await scf.InvokeFunction({ FunctionName: name, Event: '{"b":2}' });
  expect(JSON.parse(viaInvokeFunction.Result!.RetMsg!)).toEqual({ sync: true, event: { b: 2 } });

  expect(await errorCode(scf.Invoke({ FunctionName: name, ClientContext: '{not json' }))).toBe(
    'InvalidParameterValue.Param',
  );
  expect(await errorCode(scf.Invoke({ FunctionName: name, InvocationType: 'Event' }))).toBe(
    'UnsupportedOperation',
  );
  expect(await errorCode(scf.Invoke({ FunctionName: name, Qualifier: '7' }))).toBe(
    'ResourceNotFound.Version',
  );
});

test('namespaces: create, list, use and delete', async () => {
  const ns = uniqueName('ns').slice(0, 30);
  await scf.CreateNamespace({ Namespace: ns, Description: 'team' });
  const listed = await scf.ListNamespaces({});
  expect(listed.Namespaces?.map((n) => n.Name)).toEqual(expect.arrayContaining(['default', ns]));
  expect(listed.Namespaces?.find((n) => n.Name === ns)?.Description).toBe('team');
  expect(await errorCode(scf.CreateNamespace({ Namespace: ns }))).toBe('ResourceInUse.Namespace');

  const name = uniqueName('scf-ns');
  await scf.CreateFunction({ FunctionName: name, Namespace: ns, Code: { ZipFile: zip } });
  expect((await scf.GetFunction({ FunctionName: name, Namespace: ns })).Namespace).toBe(ns);
  expect(await errorCode(scf.GetFunction({ FunctionName: name }))).toBe('ResourceNotFound.Function');
  expect(await errorCode(scf.DeleteNamespace({ Namespace: ns }))).toBe('ResourceInUse.Namespace');
  await scf.DeleteFunction({ FunctionName: name, Namespace: ns });
  // The DeleteNamespace above failed, so sending it again (even within its second) is a retry, not a replay.
  await scf.DeleteNamespace({ Namespace: ns });
  await nextSecond(); // the same successful DeleteNamespace within one second would be a replay
  expect(await errorCode(scf.DeleteNamespace({ Namespace: ns }))).toBe('ResourceNotFound.Namespace');
});

test('unknown actions, versions and bodies are refused in the SCF shape', async () => {
  expect(await errorCode(scf.request('NoSuchAction', {}))).toBe('InvalidAction');

  const key = firstKey(stack);
  const wrongVersion = await send(signRequest(stack, key, 'ListNamespaces', {}, { version: '2017-01-01' }));
  expect(wrongVersion.status).toBe(200);
  expect(wrongVersion.response.Error.Code).toBe('InvalidAction');
  expect(wrongVersion.response.Error.Message).toContain('2018-04-16');
  expect(wrongVersion.response.RequestId).toMatch(/^[0-9a-f-]{36}$/);

  const notJson = await send(signRequest(stack, key, 'ListNamespaces', undefined, { rawBody: '{nope' }));
  expect(notJson).toMatchObject({ status: 200, response: { Error: { Code: 'InvalidParameter' } } });

  const ok = await send(signRequest(stack, key, 'ListNamespaces', {}));
  expect(ok.response.Namespaces).toEqual(
    expect.arrayContaining([expect.objectContaining({ Name: 'default' })]),
  );
  expect(ok.response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('the REST API keeps its Basic auth beside the SCF endpoint', async () => {
  expect((await stack.client.get('/v1/namespaces')).status).toBe(200);
  const res = await fetch(`${stack.api.url}/v1/namespaces`);
  expect(res.status).toBe(401);
});
