import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { LonghaulError } from '../errors';

/** Reads the request body as text, refusing more than `limitBytes` before buffering it all. */
export async function readText(ctx: Context, limitBytes: number): Promise<string> {
  try {
    return await getRawBody(ctx.req, { limit: limitBytes, encoding: 'utf8' });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') {
      throw new LonghaulError('RequestTooLarge.Body', `The request body is larger than ${limitBytes} bytes`);
    }
    throw err;
  }
}

/** Reads a JSON object body; an empty body is an empty object. */
export async function readObject(ctx: Context, limitBytes: number): Promise<Record<string, unknown>> {
  const text = await readText(ctx, limitBytes);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LonghaulError('InvalidParameter', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LonghaulError('InvalidParameter', 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Refuses fields a route does not take, so a typo is an error instead of a silently ignored setting. */
export function onlyKnownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new LonghaulError('UnknownParameter', `Unknown parameter ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  }
}
