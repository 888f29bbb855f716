import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EventSummary } from '../../events/event-queries';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { functionFilter, parseListEvents, parseOverview, parseStartTime } from '../event-requests';
import type { ApiDeps } from '../app';

/** An event in a list or an export, with ISO 8601 times. */
export function summaryJson(e: EventSummary) {
  return { ...e, startTime: e.startTime.toISOString(), endTime: e.endTime?.toISOString() ?? null };
}

/**
 * Streams records as NDJSON: one JSON object a line, written as visibility pages arrive. The first page is
 * read before answering, so an unreachable Temporal is still a proper JSON error; a failure later cuts the
 * stream (the client sees it end early, never a silently short export with a clean end).
 */
async function streamNdjson(ctx: Context, records: AsyncIterable<EventSummary>, onError: (err: unknown) => void) {
  const iterator = records[Symbol.asyncIterator]();
  let next = await iterator.next();
  const body = new PassThrough();
  ctx.type = 'application/x-ndjson';
  ctx.body = body;
  void (async () => {
    try {
      for (; !next.done; next = await iterator.next()) {
        if (!body.write(`${JSON.stringify(summaryJson(next.value))}\n`)) {
          await new Promise((resolve) => body.once('drain', resolve));
        }
      }
      body.end();
    } catch (err) {
      onError(err);
      body.destroy(err as Error); // the client sees a cut stream, never a silently short export
    }
  })();
}

/** Status tracking: list, count and export a function's events (/v1/namespaces/:ns/functions/:fn/events...). */
export function asyncEventRoutes(router: Router, { registry, queries, logger }: ApiDeps): void {
  const base = '/v1/namespaces/:namespace/functions/:functionName/events';
  const target = (ctx: Context & { params: Record<string, string | undefined> }) => {
    const account = accountOf(ctx);
    const namespace = rules.validateNamespace(ctx.params.namespace);
    const name = rules.validateFunctionName(ctx.params.functionName);
    const fn = registry.get(account, namespace, name);
    const raw = ctx.query.qualifier;
    const qualifier = raw === undefined ? undefined : rules.validateQualifier(raw);
    // A version filter must name a version that exists (its events may outlive it, but a typo should not).
    if (qualifier !== undefined) registry.get(account, namespace, name, qualifier);
    return { fn, qualifier };
  };

  router.get(base, async (ctx) => {
    const { fn, qualifier } = target(ctx);
    const { totalCount, events } = await queries.list(parseListEvents(fn, qualifier, ctx.query));
    ctx.body = { totalCount, events: events.map(summaryJson) };
  });

  router.get(`${base}/overview`, async (ctx) => {
    const { fn, qualifier } = target(ctx);
    ctx.body = await queries.overview(parseOverview(fn, qualifier, ctx.query));
  });

  router.get(`${base}/export`, async (ctx) => {
    const { fn, qualifier } = target(ctx);
    await streamNdjson(ctx, queries.export(parseOverview(fn, qualifier, ctx.query)), (err) =>
      logger.error({ err, function: fn.name }, 'export cut short'),
    );
  });

  // A whole namespace: every function with status tracking on, one after another.
  router.get('/v1/namespaces/:namespace/events/export', async (ctx) => {
    const account = accountOf(ctx);
    const namespace = rules.validateNamespace(ctx.params.namespace);
    const startTime = parseStartTime(ctx.query); // validated even when no function is tracked
    const tracked = registry.listAll(account, namespace).filter((fn) => fn.traceEnable);
    const filters = tracked.map((fn) => ({ ...functionFilter(fn), startTime }));
    async function* all() {
      for (const filter of filters) yield* queries.export(filter);
    }
    await streamNdjson(ctx, all(), (err) => logger.error({ err, namespace }, 'export cut short'));
  });

}
