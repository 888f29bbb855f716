import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { FollowItem } from '../../logs/event-logs';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { wholeNumber } from '../event-requests';
import { attemptJson, lineId, lineJson, parseCursor, parseLogSearch } from '../log-requests';
import type { ApiDeps } from '../app';

/** A comment line now and then keeps proxies and load balancers from closing an idle follow. */
const keepAliveMs = 15_000;

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * Server-Sent Events: `line` events with id `<attempt>-<seq>` (so a reconnect with Last-Event-ID resumes
 * right after the last line received), then one `end` event with the event's final state. The first item is
 * awaited before answering, so a missing event or a refused read is a normal JSON error.
 */
async function streamFollow(ctx: Context, items: AsyncGenerator<FollowItem>, abort: AbortController, onError: (err: unknown) => void) {
  const first = await items.next();
  const body = new PassThrough();
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.req.socket.setNoDelay(true);
  ctx.req.socket.setTimeout(0);
  ctx.body = body;
  const keepAlive = setInterval(() => body.write(': keep-alive\n\n'), keepAliveMs);
  const send = async (item: FollowItem) => {
    const chunk =
      item.kind === 'line'
        ? `id: ${lineId(item.line)}\nevent: line\ndata: ${JSON.stringify(lineJson(item.line))}\n\n`
        : `event: end\ndata: ${JSON.stringify(item.event)}\n\n`;
    if (!body.write(chunk)) await new Promise((resolve) => body.once('drain', resolve));
  };
  void (async () => {
    try {
      for (let next = first; !next.done; next = await items.next()) await send(next.value);
      body.end();
    } catch (err) {
      if (!abort.signal.aborted) onError(err);
      body.destroy(err as Error); // the client sees a cut stream and reconnects with Last-Event-ID
    } finally {
      clearInterval(keepAlive);
    }
  })();
}

/** Event logs: read a page, follow live (SSE), search a function's logs. */
export function logRoutes(router: Router, { registry, eventLogs, logger }: ApiDeps): void {
  router.get('/v1/events/:requestId/logs', async (ctx) => {
    const requestId = ctx.params.requestId ?? '';
    const after = parseCursor(one(ctx.query.after), 'after');
    const limit = wholeNumber(ctx.query, 'limit', 1000, 1, 10000, 'InvalidParameterValue.Limit');
    const { event, lines, hasMore } = await eventLogs.page(accountOf(ctx), requestId, after, limit);
    const last = lines[lines.length - 1];
    ctx.body = {
      requestId,
      status: event.status,
      lines: lines.map(lineJson),
      // Where to continue: more lines now (hasMore), or later while the event still runs.
      nextCursor: last ? lineId(last) : (one(ctx.query.after) ?? null),
      hasMore,
    };
  });

  router.get('/v1/events/:requestId/logs/follow', async (ctx) => {
    const lastEventId = ctx.get('last-event-id');
    const after = lastEventId ? parseCursor(lastEventId, 'Last-Event-ID') : parseCursor(one(ctx.query.after), 'after');
    const abort = new AbortController();
    ctx.req.once('close', () => abort.abort());
    const items = eventLogs.follow(accountOf(ctx), ctx.params.requestId ?? '', after, abort.signal);
    await streamFollow(ctx, items, abort, (err) => logger.warn({ err }, 'log follow failed'));
  });

  router.get('/v1/namespaces/:namespace/functions/:functionName/logs', async (ctx) => {
    const account = accountOf(ctx);
    const namespace = rules.validateNamespace(ctx.params.namespace);
    const fn = registry.get(account, namespace, rules.validateFunctionName(ctx.params.functionName));
    const raw = ctx.query.qualifier;
    const qualifier = raw === undefined ? undefined : rules.validateQualifier(raw);
    if (qualifier !== undefined) registry.get(account, namespace, fn.name, qualifier);
    const { totalCount, attempts } = await eventLogs.search(parseLogSearch(fn, qualifier, ctx.query));
    ctx.body = { totalCount, invocations: attempts.map(attemptJson) };
  });
}
