/**
 * The following client, in its own process (as a real client would be, apart from the API and worker):
 * follows one event's log over SSE, timestamps each line at receipt, and hands every line's numbers back to
 * the bench over IPC. Started by latency.ts with fork(), so it runs under the same tsx loader.
 *
 * Protocol: argv[2] is JSON { url, authorization, requestId }. Sends { type: 'ready' } once the function's
 * READY line arrived (the follow is attached and live), then { type: 'done', ... } after the end event.
 */
import { hiNow } from '../common/clock';
import { linePattern } from './function';

export interface FollowedLine {
  /** The store's (attempt, seq) from the SSE event. */
  attempt: number;
  storeSeq: number;
  /** The bench line's own sequence number, from its text. */
  seq: number;
  printedMs: number;
  printedHi: number;
  /** When the worker read the line (the stored `time`, whole ms). */
  workerReadMs: number;
  receivedMs: number;
  receivedHi: number;
}

export type FollowerMessage =
  | { type: 'ready' }
  | { type: 'done'; lines: FollowedLine[]; otherLines: number; ids: string[]; end: unknown; chunks: number }
  | { type: 'error'; message: string };

const send = (message: FollowerMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

async function main(): Promise<void> {
  const { url, authorization, requestId } = JSON.parse(process.argv[2]!) as { url: string; authorization: string; requestId: string };
  const response = await fetch(`${url}/v1/events/${requestId}/logs/follow`, {
    headers: { authorization, accept: 'text/event-stream' },
  });
  if (response.status !== 200) throw new Error(`follow refused: ${response.status} ${await response.text()}`);
  const lines: FollowedLine[] = [];
  const ids: string[] = [];
  let otherLines = 0;
  let end: unknown;
  let chunks = 0;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    // One receipt time for the whole chunk: the moment it reached this process's JavaScript.
    const receivedHi = hiNow();
    const receivedMs = Date.now();
    chunks += 1;
    buffered += decoder.decode(chunk, { stream: true });
    let boundary;
    while ((boundary = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      let event = 'message';
      let id: string | undefined;
      let data = '';
      for (const field of block.split('\n')) {
        if (field.startsWith('event: ')) event = field.slice(7);
        else if (field.startsWith('id: ')) id = field.slice(4);
        else if (field.startsWith('data: ')) data += field.slice(6);
      }
      if (event === 'end') {
        end = JSON.parse(data);
        continue;
      }
      if (event !== 'line') continue;
      ids.push(id ?? '');
      const line = JSON.parse(data) as { attempt: number; seq: number; time: string; text: string };
      const match = linePattern.exec(line.text);
      if (!match) {
        otherLines += 1;
        if (line.text.startsWith('READY ')) await send({ type: 'ready' });
        continue;
      }
      lines.push({
        attempt: line.attempt,
        storeSeq: line.seq,
        seq: Number(match[1]),
        printedMs: Number(match[2]),
        printedHi: Number(match[3]),
        workerReadMs: Date.parse(line.time),
        receivedMs,
        receivedHi,
      });
    }
  }
  await send({ type: 'done', lines, otherLines, ids, end, chunks });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    await send({ type: 'error', message: String(err) });
    process.exit(1);
  },
);
