import type { ApiClient } from './api-client';
import { eventually, uniqueName, zipFixture } from './fixtures';

export interface LineJson {
  id: string;
  attempt: number;
  seq: number;
  stream: 'stdout' | 'stderr' | 'platform';
  time: string;
  text: string;
}

/** Creates a function from the logger fixture with a log destination and returns its name. */
export async function createLoggerFunction(client: ApiClient, handler: string, options: Record<string, unknown> = {}) {
  const name = uniqueName(handler);
  const response = await client.post('/v1/namespaces/default/functions', {
    functionName: name,
    runtime: 'Nodejs18.15',
    handler: `index.${handler}`,
    code: { zipFile: await zipFixture('logger') },
    timeout: 60,
    asyncRunEnable: true,
    traceEnable: true,
    logsetId: 'test-logset',
    topicId: 'test-topic',
    ...options,
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return name;
}

export async function invoke(client: ApiClient, name: string, event: unknown): Promise<string> {
  const response = await client.post(`/v1/namespaces/default/functions/${name}/invocations`, event);
  if (response.status !== 202) throw new Error(`invoke failed: ${JSON.stringify(response.body)}`);
  return response.body.requestId as string;
}

export function waitForEnd(client: ApiClient, requestId: string, timeoutMs = 60000) {
  return eventually(async () => {
    const { body } = await client.get(`/v1/events/${requestId}`);
    return body.status !== 'RUNNING' ? body : undefined;
  }, timeoutMs);
}

/** Every stored line of an event, read page by page with the API's cursor. */
export async function readAllLines(client: ApiClient, requestId: string, pageSize = 1000): Promise<LineJson[]> {
  const lines: LineJson[] = [];
  let after = '';
  for (;;) {
    const { status, body } = await client.get(`/v1/events/${requestId}/logs?limit=${pageSize}${after ? `&after=${after}` : ''}`);
    if (status !== 200) throw new Error(`read failed: ${status} ${JSON.stringify(body)}`);
    lines.push(...(body.lines as LineJson[]));
    if (!body.hasMore) return lines;
    after = body.nextCursor as string;
  }
}

export const userLines = (lines: LineJson[]) => lines.filter((l) => l.stream !== 'platform');

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/**
 * Follows an event's log over real HTTP, parsing Server-Sent Events as they arrive. Stops after `stopAfter`
 * events (dropping the connection, as a flaky network would) or when the stream ends.
 */
export async function follow(
  client: ApiClient,
  requestId: string,
  options: { lastEventId?: string; stopAfter?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<SseEvent[]> {
  const abort = new AbortController();
  const response = await fetch(`${client.baseUrl}/v1/events/${requestId}/logs/follow`, {
    headers: {
      authorization: client.authorization(),
      accept: 'text/event-stream',
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: abort.signal,
  });
  if (response.status !== 200) throw new Error(`follow refused: ${response.status} ${await response.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let boundary;
      while ((boundary = buffered.indexOf('\n\n')) !== -1) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const parsed = parseBlock(block);
        if (!parsed) continue;
        events.push(parsed);
        options.onEvent?.(parsed);
        if (options.stopAfter !== undefined && events.length >= options.stopAfter) {
          abort.abort();
          return events;
        }
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return events;
}

function parseBlock(block: string): SseEvent | undefined {
  const event: SseEvent = { event: 'message', data: undefined };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // keep-alive comment
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') event.id = value;
    if (field === 'event') event.event = value;
    if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  event.data = JSON.parse(data.join('\n'));
  return event;
}
