/**
 * The function registry through the REST API, against the real stack: every validation rule a user can trip
 * when creating a function, hostile zips included, each refused with its own code and leaving nothing behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  expectError,
  functionRequests,
  functionsPath,
  sha256,
  startRegistryStack,
  zipOf,
  zipWithHostileName,
} from './helpers/function-requests';
import { uniqueName } from './helpers/fixtures';
import type { TestStack } from './helpers/stack';

let stack: TestStack;
let toolbox: string;
beforeAll(async () => ({ stack, toolbox } = await startRegistryStack()));
afterAll(() => stack?.stop());

const { create, createOk, get, remove } = functionRequests(() => ({ client: stack.client, toolbox }));

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
    { title: 'a Go runtime (not offered)', body: { runtime: 'Go1' }, code: 'InvalidParameterValue.Runtime' },
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
    // Log destination: a logset and a topic, both or neither, each 1-64 letters, digits, - or _.
    {
      title: 'a logset without a topic',
      body: { logsetId: 'prod-logs' },
      code: 'InvalidParameterValue.ClsTopicId',
    },
    {
      title: 'a topic without a logset',
      body: { topicId: 'api' },
      code: 'InvalidParameterValue.ClsLogsetId',
    },
    {
      title: 'a topic with an empty logset',
      body: { logsetId: '', topicId: 'api' },
      code: 'InvalidParameterValue.ClsLogsetId',
    },
    {
      title: 'a logset id with a space',
      body: { logsetId: 'prod logs', topicId: 'api' },
      code: 'InvalidParameterValue.ClsLogsetId',
    },
    {
      title: 'a logset id over 64 characters',
      body: { logsetId: 'x'.repeat(65), topicId: 'api' },
      code: 'InvalidParameterValue.ClsLogsetId',
    },
    {
      title: 'a logset id that is not a string',
      body: { logsetId: 42, topicId: 'api' },
      code: 'InvalidParameterValue.ClsLogsetId',
    },
    {
      title: 'a topic id with a dot',
      body: { logsetId: 'prod-logs', topicId: 'api.requests' },
      code: 'InvalidParameterValue.ClsTopicId',
    },
    {
      title: 'a topic id with a non-ASCII letter',
      body: { logsetId: 'prod-logs', topicId: 'café' },
      code: 'InvalidParameterValue.ClsTopicId',
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
      { logsetId: 'x'.repeat(64), topicId: 'Y_9-'.repeat(16) },
      { logsetId: '2ae0e3b4-6a5f-4d1c-9b8e-4f3a2b1c0d9e', topicId: '8c1f5d2e-3b4a-4e6f-a7d8-9c0b1a2e3f4d' },
      { logsetId: 'a', topicId: 'b' },
    ];
    for (const body of accepted) {
      const response = await create({ functionName: uniqueName('ok'), ...body });
      expect({ body, status: response.status }).toEqual({ body, status: 201 });
      expect(response.body).toMatchObject(body);
      expect((await remove(response.body.functionName)).status).toBe(204);
    }
  });

  test('a refused log destination says which parameter is wrong and what it may be', async () => {
    const malformed = await create({ functionName: uniqueName('bad-log'), logsetId: 'a/b', topicId: 'api' });
    expectError(malformed, 400, 'InvalidParameterValue.ClsLogsetId');
    expect(malformed.body.error.message).toMatch(/logsetId.*ClsLogsetId.*1-64 letters, digits, - or _/);
    const half = await create({ functionName: uniqueName('half-log'), logsetId: 'prod-logs' });
    expectError(half, 400, 'InvalidParameterValue.ClsTopicId');
    expect(half.body.error.message).toMatch(/topicId.*required with logsetId.*both, or neither/);
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
