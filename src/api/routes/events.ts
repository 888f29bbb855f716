import type Router from '@koa/router';
import { LonghaulError } from '../../errors';
import { eventLimits } from '../../events/gateway';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { onlyKnownFields, readObject, readText } from '../body';
import type { ApiDeps } from '../app';

/** Invocations and events: invoke a function, read an event, terminate it. */
export function eventRoutes(router: Router, { gateway }: ApiDeps): void {
  // The body is the event itself; options ride in the query string and the Idempotency-Key header.
  router.post('/v1/namespaces/:namespace/functions/:functionName/invocations', async (ctx) => {
    const request = {
      namespace: rules.validateNamespace(ctx.params.namespace),
      functionName: rules.validateFunctionName(ctx.params.functionName),
      qualifier: rules.validateQualifier(ctx.query.qualifier),
      invokeType: typeof ctx.query.invokeType === 'string' ? ctx.query.invokeType : 'API',
      idempotencyKey: ctx.get('idempotency-key') || undefined,
      // Read up to one byte over the sync limit, so an oversized event is measured, not cut off.
      eventText: await readText(ctx, eventLimits.syncBytes + 1),
    };
    const response = await gateway.invoke(accountOf(ctx), request);
    if (response.async) {
      ctx.status = 202;
      ctx.set('Location', `/v1/events/${response.requestId}`);
      ctx.body = { requestId: response.requestId, status: response.status, duplicate: response.duplicate };
    } else {
      ctx.body = response.event;
    }
  });

  router.get('/v1/events/:requestId', async (ctx) => {
    ctx.body = await gateway.get(accountOf(ctx), ctx.params.requestId ?? '');
  });

  router.post('/v1/events/:requestId/terminate', async (ctx) => {
    const body = await readObject(ctx, 4096);
    onlyKnownFields(body, ['graceful', 'gracePeriodSeconds']);
    if (body.graceful !== undefined && typeof body.graceful !== 'boolean') {
      throw new LonghaulError('InvalidParameter', 'graceful must be true or false');
    }
    const grace = body.gracePeriodSeconds;
    if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > 3600)) {
      throw new LonghaulError('InvalidParameterValue.GracePeriod', 'gracePeriodSeconds must be a whole number from 0 to 3600');
    }
    ctx.body = await gateway.terminate(accountOf(ctx), ctx.params.requestId ?? '', {
      mode: body.graceful === true ? 'graceful' : 'forced',
      graceSeconds: grace,
    });
  });
}
