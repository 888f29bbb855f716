/** TC3-HMAC-SHA256 verification at the SCF endpoint: the official SDK's habits and every refusal. */
import { errorCode, firstKey, scfClient, send, signRequest } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 120000);
afterAll(async () => {
  await stack?.stop();
});

test('the SDK aimed at host:port (service "127", host signed without its port) is accepted', async () => {
  const list = await scfClient(stack).ListNamespaces({});
  expect(list.Namespaces?.map((n) => n.Name)).toContain('default');
});

test('a hand-signed request with service scf and host:port signed is accepted too', async () => {
  const { status, response } = await send(signRequest(stack, firstKey(stack), 'ListNamespaces', {}));
  expect(status).toBe(200);
  expect(response.Error).toBeUndefined();
  expect(response.TotalCount).toBeGreaterThanOrEqual(1);
});

test('a wrong SecretKey is AuthFailure.SignatureFailure, an unknown SecretId AuthFailure.SecretIdNotFound', async () => {
  const key = firstKey(stack);
  expect(
    await errorCode(scfClient(stack, { ...key, secretKey: `${key.secretKey}x` }).ListNamespaces({})),
  ).toBe('AuthFailure.SignatureFailure');
  expect(
    await errorCode(
      scfClient(stack, { secretId: 'AKIDnobodyhasthisid', secretKey: key.secretKey }).ListNamespaces({}),
    ),
  ).toBe('AuthFailure.SecretIdNotFound');
});

test('a revoked key is AuthFailure.SecretIdNotFound at once', async () => {
  const accountId = stack.stores.accounts.accountOfKey(firstKey(stack).secretId)!;
  const key = stack.stores.accounts.addKey(accountId);
  expect((await scfClient(stack, key).ListNamespaces({})).TotalCount).toBeGreaterThanOrEqual(1);
  stack.stores.accounts.revokeKey(key.secretId);
  expect(await errorCode(scfClient(stack, key).ListNamespaces({}))).toBe('AuthFailure.SecretIdNotFound');
});

test('a timestamp 6 minutes off either way is AuthFailure.SignatureExpire; 4 minutes is fine', async () => {
  const key = firstKey(stack);
  const now = Math.floor(Date.now() / 1000);
  for (const offset of [-360, 360]) {
    const { status, response } = await send(
      signRequest(stack, key, 'ListNamespaces', {}, { timestamp: now + offset }),
    );
    expect(status).toBe(200);
    expect(response.Error.Code).toBe('AuthFailure.SignatureExpire');
  }
  const fine = await send(signRequest(stack, key, 'ListNamespaces', {}, { timestamp: now - 240 }));
  expect(fine.response.Error).toBeUndefined();
});

test('a tampered body, a missing or malformed Authorization header are refused', async () => {
  const key = firstKey(stack);
  const signed = signRequest(stack, key, 'CreateNamespace', { Namespace: 'tampered-a' });
  const tampered = await send({ ...signed, body: JSON.stringify({ Namespace: 'tampered-b' }) });
  expect(tampered.response.Error.Code).toBe('AuthFailure.SignatureFailure');

  const { authorization: _dropped, ...unsigned } = signed.headers;
  expect((await send({ ...signed, headers: unsigned })).response.Error.Code).toBe(
    'AuthFailure.MissingCredentials',
  );
  // Exactly application/json, no charset: Tencent's Python SDK and tccli read Response.Error only then.
  const raw = await fetch(signed.url, { method: 'POST', headers: unsigned, body: signed.body });
  expect(raw.headers.get('content-type')).toBe('application/json');
  const malformed = await send({ ...signed, headers: { ...signed.headers, authorization: 'Basic abc' } });
  expect(malformed.response.Error.Code).toBe('AuthFailure.SignatureFailure');
  expect(malformed.response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('a replayed signed request is refused: AuthFailure.RequestReplayed', async () => {
  const request = signRequest(stack, firstKey(stack), 'CreateNamespace', { Namespace: 'replayed-ns' });
  const first = await send(request);
  expect(first.response.Error).toBeUndefined();
  const again = await send(request);
  expect(again).toMatchObject({ status: 200, response: { Error: { Code: 'AuthFailure.RequestReplayed' } } });
  // A request that failed changed nothing: sending it again is a retry.
  const failing = signRequest(stack, firstKey(stack), 'DeleteNamespace', { Namespace: 'never-made' });
  expect((await send(failing)).response.Error.Code).toBe('ResourceNotFound.Namespace');
  expect((await send(failing)).response.Error.Code).toBe('ResourceNotFound.Namespace');
  expect(
    stack.stores.namespaces
      .list(stack.stores.accounts.accountOfKey(firstKey(stack).secretId)!)
      .map((n) => n.name),
  ).toContain('replayed-ns');
});
