import { cutMarker } from '../src/logs/line-splitter';
import { eventually, exchangePath, readPid } from './helpers/fixtures';
import { type LineJson, createLoggerFunction, invoke, readAllLines, userLines, waitForEnd } from './helpers/logs';
import { type TestStack, startTestStack } from './helpers/stack';
import { secondAccount } from './helpers/status-tracking';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    LONGHAUL_LOG_MAX_LINE_BYTES: '1024',
    LONGHAUL_LOG_MAX_ATTEMPT_BYTES: String(512 * 1024),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const texts = (lines: LineJson[]) => lines.map((l) => l.text);
/** A function-facing file path: in the exchange dir, which a sandboxed function can write (unlike the data dir). */
const tmp = (name: string) => exchangePath(name);

/** Runs one event of a fresh logger function and returns the event and every stored line. */
async function runToEnd(handler: string, event: unknown, options: Record<string, unknown> = {}) {
  const name = await createLoggerFunction(stack.client, handler, options);
  const requestId = await invoke(stack.client, name, event);
  const ended = await waitForEnd(stack.client, requestId);
  return { name, requestId, ended, lines: await readAllLines(stack.client, requestId) };
}

test('stdout and stderr lines are stored in the order written, with their streams, between platform lines', async () => {
  const { requestId, ended, lines } = await runToEnd('interleave', { lines: 200 });
  expect(ended.status).toBe('FINISHED');
  const user = userLines(lines);
  const expected = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? ['stdout', `out ${i + 1}`] : ['stderr', `err ${i + 1}`]));
  expect(user.map((l) => [l.stream, l.text])).toEqual([...expected, ['stdout', 'piecewise'], ['stdout', 'no newline at the end']]);
  // Numbered 1.. in one attempt, times never going back.
  expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
  expect(lines.every((l) => l.attempt === 1 && l.id === `1-${l.seq}`)).toBe(true);
  const times = lines.map((l) => Date.parse(l.time));
  expect(times).toEqual([...times].sort((a, b) => a - b));

  const platform = lines.filter((l) => l.stream === 'platform').map((l) => l.text);
  expect(platform[0]).toBe(`[PLATFORM] START RequestId: ${requestId} Version: $LATEST Attempt: 1`);
  expect(platform[1]).toBe(`[PLATFORM] END RequestId: ${requestId}`);
  expect(platform[2]).toMatch(
    new RegExp(
      `^\\[PLATFORM\\] REPORT RequestId: ${requestId} Duration: \\d+\\.\\d\\d ms Billed Duration: \\d+ ms ` +
        'Memory Size: 128 MB Max Memory Used: \\d+\\.\\d\\d MB Status: 200 Exit: code 0$',
    ),
  );
  expect(lines[0]!.stream).toBe('platform');
  expect(lines.slice(-2).every((l) => l.stream === 'platform')).toBe(true);
});

test('paging with the cursor visits every line exactly once', async () => {
  const { requestId, lines } = await runToEnd('interleave', { lines: 95 });
  const paged = await readAllLines(stack.client, requestId, 7);
  expect(paged.map((l) => l.id)).toEqual(lines.map((l) => l.id));
  const resumed = await stack.client.get(`/v1/events/${requestId}/logs?after=1-90&limit=1000`);
  expect(resumed.body.lines.map((l: LineJson) => l.seq)).toEqual(lines.filter((l) => l.seq > 90).map((l) => l.seq));
  expect(resumed.body.hasMore).toBe(false);
});

test.each([
  ['sigkill', 'FAILED', 439, 'Exit: signal SIGKILL'],
  ['exit', 'FAILED', 439, 'Exit: code 7'],
  ['throw', 'FAILED', 430, 'Exit: code 0'],
])('lines printed just before the process dies (%s) are stored', async (how, status, statusCode, exit) => {
  const { ended, lines } = await runToEnd('printThenDie', { lines: 50, how });
  expect(ended).toMatchObject({ status, statusCode });
  expect(texts(userLines(lines)).filter((t) => t.startsWith('before'))).toEqual(
    Array.from({ length: 50 }, (_, i) => `before ${how} ${i + 1}`),
  );
  expect(lines[lines.length - 1]!.text).toContain(`Status: ${statusCode} ${exit}`);
});

test('lines printed before a timeout are stored, and the report says 433', async () => {
  const { ended, lines } = await runToEnd('printThenDie', { lines: 20, how: 'hang' }, { timeout: 2 });
  expect(ended).toMatchObject({ status: 'FAILED', statusCode: 433 });
  expect(texts(userLines(lines))).toEqual(Array.from({ length: 20 }, (_, i) => `before hang ${i + 1}`));
  expect(lines[lines.length - 1]!.text).toMatch(/Status: 433 Exit: signal SIGKILL$/);
});

test('a forced terminate keeps what was printed; a graceful one logs the platform signal line', async () => {
  const forcedName = await createLoggerFunction(stack.client, 'printThenDie');
  const pidFile = tmp('forced');
  const forced = await invoke(stack.client, forcedName, { lines: 10, how: 'hang', pidFile });
  await readPid(pidFile);
  expect((await stack.client.post(`/v1/events/${forced}/terminate`, {})).status).toBe(200);
  const forcedLines = await readAllLines(stack.client, forced);
  expect(texts(userLines(forcedLines))).toHaveLength(10);
  expect(forcedLines[forcedLines.length - 1]!.text).toContain('Status: 499');

  const gracefulName = await createLoggerFunction(stack.client, 'graceful');
  const gracePid = tmp('graceful');
  const graceful = await invoke(stack.client, gracefulName, { pidFile: gracePid });
  await readPid(gracePid);
  const done = await stack.client.post(`/v1/events/${graceful}/terminate`, { graceful: true, gracePeriodSeconds: 5 });
  expect(done.body).toMatchObject({ status: 'ABORTED' });
  const text = texts(await readAllLines(stack.client, graceful));
  const signalLine = text.indexOf('[PLATFORM] Signal received successfully');
  expect(signalLine).toBeGreaterThan(text.indexOf('waiting for a terminate'));
  expect(text.indexOf('cleaning up after SIGTERM')).toBeGreaterThan(signalLine);
});

test('a line over the limit is cut with a marker, and the next line is intact', async () => {
  const { lines } = await runToEnd('longLine', { length: 5000 });
  const user = userLines(lines);
  expect(user.map((l) => l.text)).toEqual([`${'x'.repeat(1024)}${cutMarker}`, 'after the long line']);
});

test('a flood stops at the per-attempt cap with a marker, and the event still finishes', async () => {
  const { ended, lines } = await runToEnd('flood', { megabytes: 40 });
  expect(ended.status).toBe('FINISHED');
  const user = userLines(lines);
  const stored = user.reduce((sum, l) => sum + Buffer.byteLength(l.text), 0);
  expect(stored).toBeLessThanOrEqual(512 * 1024);
  expect(stored).toBeGreaterThan(500 * 1024);
  const marker = lines.find((l) => l.text.startsWith('[PLATFORM] LOG LIMIT'));
  expect(marker?.text).toContain(`more than ${512 * 1024} bytes`);
  expect(lines.indexOf(marker!)).toBe(user.length + 1); // right after the last stored line
});

test('bytes that are not UTF-8, NUL and a grandchild writing to fd 1 are stored safely', async () => {
  const { lines } = await runToEnd('oddBytes', {});
  const text = texts(userLines(lines));
  expect(text).toContain('bad \uFFFD\uFFFD \uFFFD ok');
  expect(text).toContain('emoji 🎬 and 中文');
  expect(text).toContain('from a grandchild on fd 1');
  // A partial line of the runner's and a grandchild's line never merge: each source is split on its own.
  expect(text).toContain('framed, and no newline before the grandchild writes');
  expect(lines.find((l) => l.text === 'grandchild stderr')?.stream).toBe('stderr');
});

test('a function without a log destination runs and is tracked, but has no real-time log', async () => {
  const { requestId, ended } = await (async () => {
    const name = await createLoggerFunction(stack.client, 'interleave', { logsetId: '', topicId: '' });
    const id = await invoke(stack.client, name, { lines: 2 });
    return { requestId: id, ended: await waitForEnd(stack.client, id) };
  })();
  expect(ended.status).toBe('FINISHED');
  expect(ended.logTail).toContain('out 1');
  const refused = await stack.client.get(`/v1/events/${requestId}/logs`);
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('UnsupportedOperation.LogDestination');
  expect(await stack.stores.logStore.attempts({ accountId: stack.accountId, requestId })).toEqual([]);
});

test("another account can neither read nor follow an event's log", async () => {
  const { requestId } = await runToEnd('interleave', { lines: 3 });
  const other = secondAccount(stack);
  for (const route of [`/v1/events/${requestId}/logs`, `/v1/events/${requestId}/logs/follow`]) {
    const response = await other.get(route);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('ResourceNotFound.AsyncEvent');
  }
});

test('bad cursors are refused with InvalidParameterValue.Cursor', async () => {
  const { requestId } = await runToEnd('interleave', { lines: 1 });
  for (const after of ['abc', '1', '1-', '-1-2']) {
    const response = await stack.client.get(`/v1/events/${requestId}/logs?after=${after}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('InvalidParameterValue.Cursor');
  }
});

test('the store has only what the API shows: one attempt, ended, with its line count', async () => {
  const { requestId, lines } = await runToEnd('interleave', { lines: 4 });
  const attempts = await eventually(async () => {
    const found = await stack.stores.logStore.attempts({ accountId: stack.accountId, requestId });
    return found.length === 1 && found[0]!.end ? found : undefined;
  });
  expect(attempts[0]).toMatchObject({ attempt: 1, lineCount: lines.length, logsetId: 'test-logset', topicId: 'test-topic' });
  expect(attempts[0]!.end).toMatchObject({ statusCode: 200, message: '' });
});
