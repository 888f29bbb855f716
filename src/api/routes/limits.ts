import type Router from '@koa/router';
import type { Context } from 'koa';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { readObject } from '../body';
import {
  invokeConfigJson,
  parseInvokeConfigPatch,
  parseReservation,
  reservationJson,
} from '../limit-requests';
import type { ApiDeps } from '../app';

const smallBody = 16 * 1024;

/** A function's limits: .../reserved-concurrency and .../invoke-config (SCF's per-function settings). */
export function limitRoutes(router: Router, deps: ApiDeps): void {
  const { registry, limits, gateway } = deps;
  const base = '/v1/namespaces/:namespace/functions/:functionName';
  const target = (ctx: Context & { params: Record<string, string | undefined> }) => ({
    account: accountOf(ctx),
    namespace: rules.validateNamespace(ctx.params.namespace),
    name: rules.validateFunctionName(ctx.params.functionName),
  });

  router.get(`${base}/reserved-concurrency`, (ctx) => {
    const { account, namespace, name } = target(ctx);
    ctx.body = reservationJson(limits, registry.get(account, namespace, name));
  });

  router.put(`${base}/reserved-concurrency`, async (ctx) => {
    const { account, namespace, name } = target(ctx);
    limits.reserve(account, namespace, name, parseReservation(await readObject(ctx, smallBody)));
    // Events waiting for a slot learn the new capacity now, not at the next arrival.
    await gateway.poolCapacityChanged(account, namespace, name);
    ctx.body = reservationJson(limits, registry.get(account, namespace, name));
  });

  router.delete(`${base}/reserved-concurrency`, async (ctx) => {
    const { account, namespace, name } = target(ctx);
    limits.unreserve(account, namespace, name);
    await gateway.poolCapacityChanged(account, namespace, name);
    ctx.status = 204;
  });

  router.get(`${base}/invoke-config`, (ctx) => {
    const { account, namespace, name } = target(ctx);
    ctx.body = invokeConfigJson(limits.invokeConfig(account, namespace, name));
  });

  router.put(`${base}/invoke-config`, async (ctx) => {
    const { account, namespace, name } = target(ctx);
    const patch = parseInvokeConfigPatch(await readObject(ctx, smallBody));
    ctx.body = invokeConfigJson(limits.updateInvokeConfig(account, namespace, name, patch));
  });
}
