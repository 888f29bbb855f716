import type Router from '@koa/router';
import { LonghaulError } from '../../errors';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { onlyKnownFields, readObject } from '../body';
import {
  decodeZip,
  functionJson,
  maxFunctionBodyBytes,
  parseConfigurationPatch,
  parseCreateFunction,
} from '../function-requests';
import type { ApiDeps } from '../app';

const smallBody = 64 * 1024;

function listQuery(query: Record<string, unknown>) {
  const offset = Number(query.offset ?? 0);
  const limit = Number(query.limit ?? 20);
  if (!Number.isInteger(offset) || offset < 0) throw new LonghaulError('InvalidParameter', 'offset must be a whole number ≥ 0');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new LonghaulError('InvalidParameter', 'limit must be 1-100');
  const order = (typeof query.order === 'string' ? query.order : 'DESC').toUpperCase();
  const orderBy = typeof query.orderBy === 'string' ? query.orderBy : 'AddTime';
  if (order !== 'ASC' && order !== 'DESC') throw new LonghaulError('InvalidParameter', 'order must be ASC or DESC');
  if (orderBy !== 'AddTime' && orderBy !== 'ModTime' && orderBy !== 'FunctionName') {
    throw new LonghaulError('InvalidParameter', 'orderBy must be AddTime, ModTime or FunctionName');
  }
  const searchKey = typeof query.searchKey === 'string' ? query.searchKey : undefined;
  return { offset, limit, order, orderBy, searchKey } as const;
}

/** Functions and their versions: /v1/namespaces/:namespace/functions[...]. */
export function functionRoutes(router: Router, deps: ApiDeps): void {
  const { registry, config } = deps;
  const base = '/v1/namespaces/:namespace/functions';
  const ns = (p: Record<string, string | undefined>) => rules.validateNamespace(p.namespace);
  const name = (p: Record<string, string | undefined>) => rules.validateFunctionName(p.functionName);

  router.post(base, async (ctx) => {
    const input = parseCreateFunction(ns(ctx.params), await readObject(ctx, maxFunctionBodyBytes), config.maxAsyncTimeoutSeconds);
    ctx.status = 201;
    ctx.body = functionJson(await registry.create(accountOf(ctx), input));
  });

  router.get(base, (ctx) => {
    const { functions, total } = registry.list(accountOf(ctx), ns(ctx.params), listQuery(ctx.query));
    ctx.body = { functions: functions.map(functionJson), totalCount: total };
  });

  router.get(`${base}/:functionName`, (ctx) => {
    const qualifier = rules.validateQualifier(ctx.query.qualifier);
    ctx.body = functionJson(registry.get(accountOf(ctx), ns(ctx.params), name(ctx.params), qualifier));
  });

  router.put(`${base}/:functionName/code`, async (ctx) => {
    const body = await readObject(ctx, maxFunctionBodyBytes);
    onlyKnownFields(body, ['code', 'handler']);
    const handler = body.handler === undefined ? undefined : rules.validateHandler(body.handler);
    const fn = await registry.updateCode(accountOf(ctx), ns(ctx.params), name(ctx.params), decodeZip(body.code), handler);
    ctx.body = functionJson(fn);
  });

  router.patch(`${base}/:functionName/configuration`, async (ctx) => {
    const account = accountOf(ctx);
    const current = registry.get(account, ns(ctx.params), name(ctx.params));
    const patch = parseConfigurationPatch(current, await readObject(ctx, smallBody), config.maxAsyncTimeoutSeconds);
    ctx.body = functionJson(registry.updateConfiguration(account, current.namespace, current.name, patch));
  });

  router.delete(`${base}/:functionName`, (ctx) => {
    const qualifier = ctx.query.qualifier === undefined ? undefined : rules.validateQualifier(ctx.query.qualifier);
    registry.delete(accountOf(ctx), ns(ctx.params), name(ctx.params), qualifier);
    ctx.status = 204;
  });

  router.post(`${base}/:functionName/versions`, async (ctx) => {
    const body = await readObject(ctx, smallBody);
    onlyKnownFields(body, ['description']);
    const description = body.description === undefined ? undefined : rules.validateDescription(body.description);
    ctx.status = 201;
    ctx.body = functionJson(registry.publishVersion(accountOf(ctx), ns(ctx.params), name(ctx.params), description));
  });

  router.get(`${base}/:functionName/versions`, (ctx) => {
    ctx.body = { versions: registry.listVersions(accountOf(ctx), ns(ctx.params), name(ctx.params)).map(functionJson) };
  });
}
