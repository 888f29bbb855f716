import { eventually } from './helpers/fixtures';
import { type TestStack, startTestStack } from './helpers/stack';
import {
  type Params,
  createFn,
  eventsPath,
  invoke,
  listIds,
  publishVersion,
  qs,
  readNdjson,
} from './helpers/status-tracking';

// Status tracking's parameters: every value is checked, and a wrong one never reaches a visibility query.

let stack: TestStack;
let fn: string;
let requestId: string;
beforeAll(async () => {
  stack = await startTestStack();
  fn = await createFn(stack.client, 'validated', 'index.syncEcho');
  await publishVersion(stack.client, fn);
  requestId = await invoke(stack.client, fn, {});
  await eventually(async () => (await listIds(stack.client, fn)).totalCount === 1, 30000);
});
afterAll(async () => {
  await stack?.stop();
});

/** Counts the visibility queries the API sends while `run` runs. */
async function queriesDuring(run: () => Promise<void>): Promise<string[]> {
  const workflow = stack.env.client.workflow;
  const seen: string[] = [];
  const count = jest.spyOn(workflow, 'count').mockImplementation((query?: string) => {
    seen.push(`count ${query}`);
    return Promise.reject(new Error('no query expected'));
  });
  const list = jest.spyOn(workflow, 'list').mockImplementation((options) => {
    seen.push(`list ${options?.query}`);
    throw new Error('no query expected');
  });
  try {
    await run();
  } finally {
    count.mockRestore();
    list.mockRestore();
  }
  return seen;
}

async function expectError(urlPath: string, status: number, code: string) {
  const response = await stack.client.get(urlPath);
  expect([urlPath, response.status, response.body?.error?.code]).toEqual([urlPath, status, code]);
}

const listCases: [Params, string][] = [
  [{ limit: 0 }, 'InvalidParameterValue.Limit'],
  [{ limit: 101 }, 'InvalidParameterValue.Limit'],
  [{ limit: 'ten' }, 'InvalidParameterValue.Limit'],
  [{ limit: '2.5' }, 'InvalidParameterValue.Limit'],
  [{ limit: -1 }, 'InvalidParameterValue.Limit'],
  [{ offset: -1 }, 'InvalidParameterValue.Offset'],
  [{ offset: 'x' }, 'InvalidParameterValue.Offset'],
  [{ order: 'UP' }, 'InvalidParameterValue.Order'],
  [{ orderBy: 'Foo' }, 'InvalidParameterValue.OrderBy'],
  [{ orderBy: 'starttime' }, 'InvalidParameterValue.OrderBy'],
  [{ status: 'DONE' }, 'InvalidParameterValue.Status'],
  [{ status: 'RUNNING,DONE' }, 'InvalidParameterValue.Status'],
  [{ status: ['FINISHED', 'finished'] }, 'InvalidParameterValue.Status'],
  [{ invokeType: 'NOPE' }, 'InvalidParameterValue.InvokeType'],
  [{ invokeType: 'API,api' }, 'InvalidParameterValue.InvokeType'],
  [{ startTimeFrom: 'yesterday' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeFrom: '2026-01-01T00:00:00' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeTo: '2026-13-01T00:00:00Z' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeFrom: '2026-02-29T00:00:00Z' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeTo: '2026-01-01T24:00:00Z' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeFrom: '2026-01-01T10:00:00+25:00' }, 'InvalidParameterValue.StartTimeInterval'],
  [{ startTimeFrom: '2026-01-01', startTimeTo: '2026-01-02' }, 'InvalidParameterValue.StartTimeInterval'],
  [
    { startTimeFrom: '2026-01-02T00:00:00Z', startTimeTo: '2026-01-01T00:00:00Z' },
    'InvalidParameterValue.StartTimeInterval',
  ],
  [
    { startTimeFrom: '2026-01-01T00:00:00Z', startTimeTo: '2026-01-01T00:00:00Z' },
    'InvalidParameterValue.StartTimeInterval',
  ],
  [
    { startTimeFrom: '2026-01-01T02:00:00+02:00', startTimeTo: '2026-01-01T00:00:00Z' },
    'InvalidParameterValue.StartTimeInterval',
  ],
  [{ endTimeFrom: '1700000000' }, 'InvalidParameterValue.EndTimeInterval'],
  [
    { endTimeTo: '2026-01-01T00:00:00Z', endTimeFrom: '2026-06-01T00:00:00Z' },
    'InvalidParameterValue.EndTimeInterval',
  ],
  [
    { endTimeFrom: '2026-01-01T00:00:00.5Z', endTimeTo: '2026-01-01T00:00:00.500Z' },
    'InvalidParameterValue.EndTimeInterval',
  ],
  [{ requestId: 'not-a-uuid' }, 'InvalidParameterValue.RequestId'],
  [{ requestId: 'ABCDEF00-0000-4000-8000-000000000000' }, 'InvalidParameterValue.RequestId'],
  [{ qualifier: 'abc' }, 'InvalidParameterValue.Qualifier'],
];

test.each(listCases)('list with %j answers 400 %s, without a query', async (params, code) => {
  const queries = await queriesDuring(() => expectError(eventsPath(fn, '', params), 400, code));
  expect(queries).toEqual([]);
});

test('the interval checks hold for the overview and the exports too', async () => {
  const bad = { startTimeFrom: '2026-01-02T00:00:00Z', startTimeTo: '2026-01-01T00:00:00Z' };
  const queries = await queriesDuring(async () => {
    await expectError(eventsPath(fn, '/overview', bad), 400, 'InvalidParameterValue.StartTimeInterval');
    await expectError(eventsPath(fn, '/export', bad), 400, 'InvalidParameterValue.StartTimeInterval');
    await expectError(
      eventsPath(fn, '/overview', { startTimeTo: 'soon' }),
      400,
      'InvalidParameterValue.StartTimeInterval',
    );
    await expectError(
      `/v1/namespaces/default/events/export${qs(bad)}`,
      400,
      'InvalidParameterValue.StartTimeInterval',
    );
  });
  expect(queries).toEqual([]);
});

test('values at the edges of their ranges are accepted', async () => {
  const edges: Params[] = [
    { limit: 1 },
    { limit: 100 },
    { offset: 0 },
    { order: 'desc' },
    { startTimeFrom: '2026-01-01T00:00Z' },
  ];
  for (const params of edges) {
    const { status } = await stack.client.get(eventsPath(fn, '', params));
    expect([params, status]).toEqual([params, 200]);
  }
  const { body } = await stack.client.get(eventsPath(fn, '', { requestId }));
  expect(body.totalCount).toBe(1);
});

test('an unknown function is 404 ResourceNotFound.Function on every route', async () => {
  for (const suffix of ['', '/overview', '/export']) {
    await expectError(eventsPath('no-such-function', suffix), 404, 'ResourceNotFound.Function');
  }
});

test('an unknown version is 404 ResourceNotFound.Version, even for reading its events', async () => {
  for (const suffix of ['', '/overview', '/export']) {
    await expectError(eventsPath(fn, suffix, { qualifier: '7' }), 404, 'ResourceNotFound.Version');
  }
  // A published version is known, even with no event of its own.
  const { body } = await stack.client.get(eventsPath(fn, '', { qualifier: '1' }));
  expect(body).toEqual({ totalCount: 0, events: [] });
});

test('an unknown namespace is 404 on the namespace export', async () => {
  const { status, body } = await stack.client.get('/v1/namespaces/nowhere/events/export');
  expect([status, body?.error?.code]).toEqual([404, 'ResourceNotFound.Namespace']);
});

/** Values that would change a query if they reached it unescaped. */
const injections: [Params, string][] = [
  [{ qualifier: "1' OR '1'='1" }, 'InvalidParameterValue.Qualifier'],
  [{ qualifier: "$LATEST'" }, 'InvalidParameterValue.Qualifier'],
  [{ invokeType: "API'" }, 'InvalidParameterValue.InvokeType'],
  [{ invokeType: "API') OR ('1'='1" }, 'InvalidParameterValue.InvokeType'],
  [{ status: "RUNNING' OR '1'='1" }, 'InvalidParameterValue.Status'],
  [{ requestId: "00000000-0000-4000-8000-000000000000' OR '1'='1" }, 'InvalidParameterValue.RequestId'],
  [{ startTimeFrom: "2026-01-01T00:00:00Z' OR '1'='1" }, 'InvalidParameterValue.StartTimeInterval'],
  [{ endTimeTo: "2026-01-01T00:00:00Z'" }, 'InvalidParameterValue.EndTimeInterval'],
  [{ orderBy: "StartTime'" }, 'InvalidParameterValue.OrderBy'],
  [{ order: "ASC'" }, 'InvalidParameterValue.Order'],
  [{ limit: "5'" }, 'InvalidParameterValue.Limit'],
  [{ offset: '1"' }, 'InvalidParameterValue.Offset'],
];

test.each(injections)('a quote in %j is refused with 400 %s before any query', async (params, code) => {
  const queries = await queriesDuring(async () => {
    await expectError(eventsPath(fn, '', params), 400, code);
  });
  expect(queries).toEqual([]);
});

test('quotes are refused by the overview and both exports as well', async () => {
  const queries = await queriesDuring(async () => {
    for (const suffix of ['/overview', '/export']) {
      await expectError(
        eventsPath(fn, suffix, { qualifier: "1' OR '1'='1" }),
        400,
        'InvalidParameterValue.Qualifier',
      );
      await expectError(
        eventsPath(fn, suffix, { startTimeFrom: "2026-01-01T00:00:00Z'" }),
        400,
        'InvalidParameterValue.StartTimeInterval',
      );
    }
    const namespaceExport = `/v1/namespaces/default/events/export${qs({ startTimeTo: "2026-01-01T00:00:00Z' OR '1'='1" })}`;
    await expectError(namespaceExport, 400, 'InvalidParameterValue.StartTimeInterval');
    await expectError(eventsPath("x'y"), 400, 'InvalidParameterValue.FunctionName');
    await expectError("/v1/namespaces/def'ault/events/export", 400, 'InvalidParameterValue.Namespace');
  });
  expect(queries).toEqual([]);
});

test('a namespace without tracked functions still checks its export parameters', async () => {
  // A fresh namespace: nothing to export, but a malformed interval is still the caller's error.
  const created = await stack.client.post('/v1/namespaces', { name: 'empty-ns' });
  expect(created.status).toBeLessThan(300);
  const bad = await readNdjson(
    stack.client,
    `/v1/namespaces/empty-ns/events/export${qs({ startTimeFrom: 'garbage' })}`,
  );
  expect(bad.status).toBe(400);
  const good = await readNdjson(stack.client, '/v1/namespaces/empty-ns/events/export');
  expect({ status: good.status, text: good.text }).toEqual({ status: 200, text: '' });
});
