import fs from 'node:fs';
import type { ApiClient } from './api-client';
import { eventually, exchangePath, readPid, uniqueName, zipFixture } from './fixtures';
import { createToolboxFunction, invokePath } from './functions';
import type { TestStack } from './stack';

export type Status = 'RUNNING' | 'FINISHED' | 'FAILED' | 'ABORTED';

/** One event as the test knows it: what it asked for, and the times the event API reported once settled. */
export interface Truth {
  requestId: string;
  namespace: string;
  functionName: string;
  qualifier: string;
  invokeType: string;
  status: Status;
  statusCode: number;
  startTime: string;
  endTime: string | null;
  /** Full-precision times from Temporal itself (a Date keeps only milliseconds), for ordering ties. */
  startNs: bigint;
  endNs: bigint | null;
}

/** A list event as the API must show it: the truth without the test's own fields. */
export function summaryOf(t: Truth) {
  const { startNs: _s, endNs: _e, ...summary } = t;
  return summary;
}

export type Params = Record<string, string | number | (string | number)[]>;

/** A query string; arrays become repeated keys. */
export function qs(params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const eventsPath = (fn: string, suffix = '', params?: Params) =>
  `/v1/namespaces/default/functions/${fn}/events${suffix}${qs(params)}`;

/** GET .../events, answering the ids in the order listed (and asserting the call succeeded). */
export async function listIds(client: ApiClient, fn: string, params: Params = {}) {
  const { status, body } = await client.get(eventsPath(fn, '', params));
  if (status !== 200)
    throw new Error(`list ${JSON.stringify(params)} answered ${status}: ${JSON.stringify(body)}`);
  return {
    totalCount: body.totalCount as number,
    ids: (body.events as { requestId: string }[]).map((e) => e.requestId),
    body,
  };
}

/** Fetches an NDJSON export; every non-empty line must parse as JSON. */
export async function readNdjson(client: ApiClient, urlPath: string) {
  // ApiClient parses whole bodies as JSON; an export is one JSON object a line, so fetch it directly.
  const { secretId, secretKey } = client as unknown as { secretId: string; secretKey: string };
  const response = await fetch(client.baseUrl + urlPath, {
    headers: { authorization: `Basic ${Buffer.from(`${secretId}:${secretKey}`).toString('base64')}` },
  });
  const text = await response.text();
  if (response.status !== 200)
    return { status: response.status, text, contentType: response.headers.get('content-type'), records: [] };
  const lines = text.split('\n');
  // One object a line, each line ended by a newline: nothing may follow the last one.
  if (lines.pop() !== '')
    throw new Error(`export does not end with a newline: ${JSON.stringify(text.slice(-80))}`);
  const records = lines.map((line) => JSON.parse(line) as ReturnType<typeof summaryOf>);
  return { status: response.status, text, contentType: response.headers.get('content-type'), records };
}

export const idsOf = (events: Truth[]) => events.map((e) => e.requestId);
export const sortedIds = (ids: string[]) => [...ids].sort();

const compareBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The documented order: by the key at full precision, then RequestId. By EndTime, running events come
 * after every ended one in ASC (among themselves by StartTime); DESC is the exact reverse.
 */
export function sortTruth(events: Truth[], orderBy: 'StartTime' | 'EndTime', order: 'ASC' | 'DESC'): Truth[] {
  const byStart = (a: Truth, b: Truth) =>
    compareBig(a.startNs, b.startNs) || compareText(a.requestId, b.requestId);
  const ascending = [...events].sort((a, b) => {
    if (orderBy === 'StartTime') return byStart(a, b);
    if (a.endNs === null || b.endNs === null) {
      if (a.endNs === null && b.endNs === null) return byStart(a, b);
      return a.endNs === null ? 1 : -1;
    }
    return compareBig(a.endNs, b.endNs) || compareText(a.requestId, b.requestId);
  });
  return order === 'ASC' ? ascending : ascending.reverse();
}

const msToNs = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

/** An ISO 8601 time with up to nine fractional digits, in ns since the epoch (a Date would keep ms only). */
export function isoToNs(iso: string): bigint {
  const match = /^(.*T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!match) throw new Error(`not an ISO time: ${iso}`);
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return BigInt(Date.parse(`${match[1]}${match[3]}`)) * 1_000_000n + BigInt(fraction);
}

/** A time in ns as ISO 8601 text with all nine fractional digits. */
export function nsToIso(ns: bigint): string {
  const seconds = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** Whether a full-precision time lies in [from, to) (either bound optional, given as ISO text). */
export function inInterval(ns: bigint | null, from?: string, to?: string): boolean {
  if (ns === null) return false;
  return (from === undefined || ns >= isoToNs(from)) && (to === undefined || ns < isoToNs(to));
}

export function countsOf(events: Truth[]) {
  const counts: Record<Status, number> = { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 };
  for (const e of events) counts[e.status] += 1;
  return { total: events.length, counts };
}

/** A protobuf Timestamp (seconds may be a Long) in ns. */
function nanos(
  ts: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined,
): bigint | null {
  if (!ts) return null;
  return BigInt(String(ts.seconds ?? 0)) * 1_000_000_000n + BigInt(ts.nanos ?? 0);
}

/** Creates a function from the toolbox with a long timeout (running events must outlive the test file). */
export async function createFn(
  client: ApiClient,
  prefix: string,
  handler: string,
  options: Record<string, unknown> = {},
) {
  return createToolboxFunction(client, uniqueName(prefix), { handler, timeout: 3600, ...options });
}

export async function setHandler(client: ApiClient, fn: string, handler: string) {
  const response = await client.request('PUT', `/v1/namespaces/default/functions/${fn}/code`, {
    code: { zipFile: await zipFixture('toolbox') },
    handler,
  });
  if (response.status !== 200) throw new Error(`code update failed: ${JSON.stringify(response.body)}`);
}

export async function publishVersion(client: ApiClient, fn: string): Promise<string> {
  const response = await client.post(`/v1/namespaces/default/functions/${fn}/versions`, {});
  if (response.status !== 201) throw new Error(`publish failed: ${JSON.stringify(response.body)}`);
  return response.body.version as string;
}

export async function setTracking(client: ApiClient, fn: string, traceEnable: boolean) {
  const response = await client.request('PATCH', `/v1/namespaces/default/functions/${fn}/configuration`, {
    traceEnable,
  });
  if (response.status !== 200 || response.body.traceEnable !== traceEnable) {
    throw new Error(`traceEnable=${traceEnable} failed: ${JSON.stringify(response.body)}`);
  }
}

export async function invoke(
  client: ApiClient,
  fn: string,
  event: unknown,
  params: Params = {},
): Promise<string> {
  const response = await client.post(invokePath(fn, qs(params)), event);
  if (response.status !== 202)
    throw new Error(`invoke failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.requestId as string;
}

/** Waits for an event's end through the event API; answers its view. */
export async function waitForEnd(client: ApiClient, requestId: string) {
  return eventually(async () => {
    const { body } = await client.get(`/v1/events/${requestId}`);
    return body.status !== undefined && body.status !== 'RUNNING' ? body : undefined;
  }, 60000);
}

export async function terminate(client: ApiClient, requestId: string) {
  const response = await client.post(`/v1/events/${requestId}/terminate`, { graceful: false });
  if (response.status !== 200) throw new Error(`terminate failed: ${JSON.stringify(response.body)}`);
}

/** Reads an event's truth from GET /v1/events/{id} (and its full-precision times from Temporal). */
export async function recordTruth(
  stack: TestStack,
  requestId: string,
  expected: { status: Status; qualifier: string; invokeType: string },
) {
  const { status, body } = await stack.client.get(`/v1/events/${requestId}`);
  if (status !== 200) throw new Error(`event ${requestId}: ${status} ${JSON.stringify(body)}`);
  const mismatch = (['status', 'qualifier', 'invokeType'] as const).filter((k) => body[k] !== expected[k]);
  if (mismatch.length)
    throw new Error(`event ${requestId} is ${JSON.stringify(body)}, expected ${JSON.stringify(expected)}`);
  const info = (await stack.env.client.workflow.getHandle(requestId).describe()).raw.workflowExecutionInfo;
  const truth: Truth = {
    requestId,
    namespace: body.namespace,
    functionName: body.functionName,
    qualifier: body.qualifier,
    invokeType: body.invokeType,
    status: body.status,
    statusCode: body.statusCode,
    startTime: body.startTime,
    endTime: body.endTime,
    startNs: nanos(info?.startTime)!,
    endNs: nanos(info?.closeTime),
  };
  // The event API's millisecond times are Temporal's, truncated.
  if (msToNs(truth.startTime) !== (truth.startNs / 1_000_000n) * 1_000_000n)
    throw new Error(`start times disagree: ${requestId}`);
  return truth;
}

/** Waits until visibility has caught up: the overview equals the truth's counts. */
export async function waitForVisibility(client: ApiClient, fn: string, events: Truth[]) {
  const want = countsOf(events);
  await eventually(async () => {
    const { body } = await client.get(eventsPath(fn, '/overview'));
    if (JSON.stringify(body) === JSON.stringify(want)) return true;
    throw new Error(`overview ${JSON.stringify(body)}, expected ${JSON.stringify(want)}`);
  }, 60000);
}

type Outcome = 'finish' | 'fail' | 'run' | 'abort';
const statusOf: Record<Outcome, Status> = {
  finish: 'FINISHED',
  fail: 'FAILED',
  run: 'RUNNING',
  abort: 'ABORTED',
};

/**
 * Which events the shared set holds, in invocation order. $LATEST runs index.syncEcho, version 1
 * index.sleep and version 2 index.ignoreTerm. sleep and ignoreTerm write `pidFile` first, so an event
 * without one fails at once; with one, sleep finishes after `ms` and ignoreTerm never does.
 */
export const eventPlan: [qualifier: string, invokeType: string, outcome: Outcome][] = [
  ['1', 'API', 'abort'],
  ['$LATEST', 'API', 'finish'],
  ['2', 'COS', 'abort'],
  ['1', 'TIMER', 'finish'],
  ['2', 'CKAFKA', 'fail'],
  ['1', 'API', 'fail'],
  ['$LATEST', 'TIMER', 'finish'],
  ['1', 'TIMER', 'run'],
  ['2', 'API', 'run'],
  ['1', 'CMQ', 'finish'],
  ['$LATEST', 'COS', 'finish'],
  ['1', 'COS', 'fail'],
  ['2', 'TIMER', 'abort'],
  ['$LATEST', 'CMQ', 'finish'],
  ['1', 'APIGW', 'finish'],
  ['$LATEST', 'API', 'finish'],
];

export interface EventSet {
  fn: string;
  /** Every event, in invocation order. */
  events: Truth[];
  running: string[];
}

/**
 * One function with three versions and events in every status and several invoke types, settled (running
 * ones running, the others ended) and visible in the overview.
 */
export async function createEventSet(stack: TestStack, prefix = 'tracked'): Promise<EventSet> {
  const { client } = stack;
  const fn = await createFn(client, prefix, 'index.sleep');
  if ((await publishVersion(client, fn)) !== '1') throw new Error('expected version 1');
  await setHandler(client, fn, 'index.ignoreTerm');
  if ((await publishVersion(client, fn)) !== '2') throw new Error('expected version 2');
  await setHandler(client, fn, 'index.syncEcho');

  const invoked: {
    requestId: string;
    qualifier: string;
    invokeType: string;
    outcome: Outcome;
    pidFile: string;
  }[] = [];
  for (const [qualifier, invokeType, outcome] of eventPlan) {
    const pidFile = exchangePath(`pid-${invoked.length}`);
    const event =
      outcome === 'fail' ? { reason: 'no pid file' } : { pidFile, ms: outcome === 'finish' ? 0 : 3_600_000 };
    // One after another, so that start times differ and the order is the plan's.
    const requestId = await invoke(client, fn, event, { qualifier, invokeType });
    invoked.push({ requestId, qualifier, invokeType, outcome, pidFile });
  }
  for (const e of invoked) {
    if (e.outcome === 'finish' || e.outcome === 'fail') await waitForEnd(client, e.requestId);
    if (e.qualifier !== '$LATEST' && (e.outcome === 'run' || e.outcome === 'abort')) await readPid(e.pidFile);
    if (e.outcome === 'abort') await terminate(client, e.requestId);
  }
  const events: Truth[] = [];
  for (const e of invoked)
    events.push(await recordTruth(stack, e.requestId, { ...e, status: statusOf[e.outcome] }));
  await waitForVisibility(client, fn, events);
  for (const e of invoked) if (fs.existsSync(e.pidFile)) fs.rmSync(e.pidFile);
  return { fn, events, running: invoked.filter((e) => e.outcome === 'run').map((e) => e.requestId) };
}

/** Ends the events a test kept running, so the worker can shut down at once. */
export async function stopRunning(client: ApiClient, requestIds: string[]) {
  await Promise.allSettled(requestIds.map((id) => terminate(client, id)));
}

/** A second account with its own key and default namespace. */
export function secondAccount(stack: TestStack): ApiClient {
  const accountId = stack.stores.accounts.createAccount('second account');
  const key = stack.stores.accounts.addKey(accountId);
  stack.stores.namespaces.ensureDefault(accountId);
  return stack.client.withKey(key.secretId, key.secretKey);
}
