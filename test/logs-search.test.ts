/** Searching a function's logs: the REST route and SCF's GetFunctionLogs (official SDK) over one store. */
import { formatScfTime } from '../src/events/scf-time';
import { createLoggerFunction, waitForEnd } from './helpers/logs';
import { type ScfClient, errorCode, scfClient, secondAccount } from './helpers/scf';
import { type TestStack, startTestStack } from './helpers/stack';

const timeZone = 'Asia/Shanghai';
let stack: TestStack;
let scf: ScfClient;
let name: string;
/** What the test itself ran: the truth the searches are checked against. */
const runs: { requestId: string; qualifier: string; ok: boolean; startedBefore: number }[] = [];
/** A whole second after the first two events ended and before the others started. */
let secondBoundary = 0;

beforeAll(async () => {
  stack = await startTestStack({ LONGHAUL_TIME_ZONE: timeZone });
  scf = scfClient(stack);
  name = await createLoggerFunction(stack.client, 'printThenDie');
  const run = async (event: unknown, qualifier: string, ok: boolean) => {
    const query = qualifier === '$LATEST' ? '' : `?qualifier=${qualifier}`;
    const response = await stack.client.post(`/v1/namespaces/default/functions/${name}/invocations${query}`, event);
    if (response.status !== 202) throw new Error(`invoke failed: ${JSON.stringify(response.body)}`);
    await waitForEnd(stack.client, response.body.requestId);
    runs.push({ requestId: response.body.requestId, qualifier, ok, startedBefore: Date.now() });
  };
  await run({ lines: 2, how: 'throw' }, '$LATEST', false);
  await run({ lines: 1, how: 'exit' }, '$LATEST', false);
  // SCF times have whole seconds: start the later events in a later second, so a StartTime between them is exact.
  secondBoundary = Math.ceil((Date.now() + 1) / 1000) * 1000;
  await new Promise((resolve) => setTimeout(resolve, secondBoundary - Date.now() + 50));
  await run({ lines: 3, how: 'return' }, '$LATEST', true);
  const published = await stack.client.post(`/v1/namespaces/default/functions/${name}/versions`, { description: 'v1' });
  if (published.status !== 201) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
  await run({ lines: 4, how: 'return' }, '1', true);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const search = (query: string) => stack.client.get(`/v1/namespaces/default/functions/${name}/logs${query}`);
const ids = (body: { invocations: { requestId: string }[] }) => body.invocations.map((i) => i.requestId);

test('every attempt of the function is found, newest first by default, with its outcome and log', async () => {
  const { status, body } = await search('');
  expect(status).toBe(200);
  expect(body.totalCount).toBe(runs.length);
  expect(ids(body)).toEqual(runs.map((r) => r.requestId).reverse());
  const failed = body.invocations.find((i: { requestId: string }) => i.requestId === runs[0]!.requestId);
  expect(failed).toMatchObject({ attempt: 1, finished: true, statusCode: 430, qualifier: '$LATEST', logTruncated: false });
  expect(failed.message).toContain('uncaught after printing');
  expect(failed.log).toContain('before throw 1\nbefore throw 2\n');
  expect(failed.log).toMatch(/\[PLATFORM\] REPORT .* Status: 430/);
});

test('filters: request id, outcome, qualifier, text and start-time interval; ASC paging visits each once', async () => {
  expect(ids((await search(`?requestId=${runs[1]!.requestId}`)).body)).toEqual([runs[1]!.requestId]);
  const failures = (await search('?outcome=failure&order=ASC')).body;
  expect(ids(failures)).toEqual(runs.filter((r) => !r.ok).map((r) => r.requestId));
  const successes = (await search('?outcome=success&order=ASC')).body;
  expect(ids(successes)).toEqual(runs.filter((r) => r.ok).map((r) => r.requestId));
  expect(ids((await search('?qualifier=1')).body)).toEqual([runs[3]!.requestId]);
  expect(ids((await search(`?text=${encodeURIComponent('before exit')}`)).body)).toEqual([runs[1]!.requestId]);
  expect((await search(`?text=${encodeURIComponent('%')}`)).body.totalCount).toBe(0); // no LIKE wildcards
  const from = new Date(runs[1]!.startedBefore).toISOString();
  expect(ids((await search(`?startTimeFrom=${from}&order=ASC`)).body)).toEqual(runs.slice(2).map((r) => r.requestId));

  const seen: string[] = [];
  for (let offset = 0; offset < runs.length; offset += 3) {
    const page = (await search(`?order=ASC&offset=${offset}&limit=3`)).body;
    expect(page.totalCount).toBe(runs.length);
    seen.push(...ids(page));
  }
  expect(seen).toEqual(runs.map((r) => r.requestId));
});

test('bad search parameters are refused with their own codes', async () => {
  const cases: [string, string][] = [
    ['?outcome=maybe', 'InvalidParameterValue.Outcome'],
    ['?order=UP', 'InvalidParameterValue.Order'],
    ['?limit=101', 'InvalidParameterValue.Limit'],
    ['?offset=9990&limit=20', 'InvalidParameterValue.Offset'],
    ['?startTimeFrom=yesterday', 'InvalidParameterValue.StartTimeInterval'],
    ['?requestId=nope', 'InvalidParameterValue.RequestId'],
    [`?text=${'t'.repeat(257)}`, 'InvalidParameterValue.SearchText'],
    ['?qualifier=9', 'ResourceNotFound.Version'],
  ];
  for (const [query, code] of cases) {
    const response = await search(query);
    expect([query, response.body.error?.code]).toEqual([query, code]);
  }
});

test('GetFunctionLogs over the SCF endpoint answers in SCF shape, with RetCode filters and SCF times', async () => {
  const all = await scf.GetFunctionLogs({ FunctionName: name, Order: 'asc', OrderBy: 'start_time', Limit: 10 });
  expect(all.TotalCount).toBe(runs.length);
  expect(all.Data!.map((d) => d.RequestId)).toEqual(runs.map((r) => r.requestId));
  const first = all.Data![0]!;
  expect(first).toMatchObject({ FunctionName: name, RetCode: 430, InvokeFinished: 1, RetryNum: 0, Level: 'ERROR' });
  expect(first.StartTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  expect(first.Log).toContain('before throw 1');
  const ok = await scf.GetFunctionLogs({ FunctionName: name, Filter: { RetCode: 'is0' } });
  expect(ok.Data!.map((d) => d.RetCode)).toEqual([0, 0]);
  const failed = await scf.GetFunctionLogs({ FunctionName: name, Filter: { RetCode: 'not0' } });
  expect(failed.TotalCount).toBe(2);
  const one = await scf.GetFunctionLogs({ FunctionName: name, FunctionRequestId: runs[2]!.requestId });
  expect(one.Data!.map((d) => d.RequestId)).toEqual([runs[2]!.requestId]);
  const since = formatScfTime(new Date(secondBoundary), timeZone).slice(0, 19);
  const later = await scf.GetFunctionLogs({ FunctionName: name, StartTime: since, Order: 'asc' });
  expect(later.Data!.map((d) => d.RequestId)).toEqual(runs.slice(2).map((r) => r.requestId));
  expect(await errorCode(scf.GetFunctionLogs({ FunctionName: name, Filter: { RetCode: 'x' } }))).toBe(
    'InvalidParameterValue.RetCode',
  );
  expect(await errorCode(scf.GetFunctionLogs({ FunctionName: name, OrderBy: 'duration' }))).toBe(
    'InvalidParameterValue.OrderBy',
  );
});

test("another account's search never sees these logs", async () => {
  const other = scfClient(stack, secondAccount(stack));
  expect(await errorCode(other.GetFunctionLogs({ FunctionName: name }))).toBe('ResourceNotFound.Function');
});
