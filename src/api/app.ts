import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { LonghaulConfig } from '../config';
import type { EventQueries } from '../events/event-queries';
import type { EventGateway } from '../events/gateway';
import type { EventLogs } from '../logs/event-logs';
import type { AccountStore } from '../registry/accounts';
import type { FunctionLimits } from '../registry/function-limits';
import type { FunctionRegistry } from '../registry/functions';
import type { NamespaceRegistry } from '../registry/namespaces';
import { authenticate } from './auth';
import { errorHandler } from './error-handler';
import { asyncEventRoutes } from './routes/async-events';
import { eventRoutes } from './routes/events';
import { functionRoutes } from './routes/functions';
import { limitRoutes } from './routes/limits';
import { logRoutes } from './routes/logs';
import { namespaceRoutes } from './routes/namespaces';
import { scfEndpoint } from '../scf/endpoint';

export interface ApiDeps {
  config: Pick<LonghaulConfig, 'maxAsyncTimeoutSeconds'> & Partial<Pick<LonghaulConfig, 'timeZone'>>;
  accounts: AccountStore;
  namespaces: NamespaceRegistry;
  registry: FunctionRegistry;
  limits: FunctionLimits;
  gateway: EventGateway;
  queries: EventQueries;
  eventLogs: EventLogs;
  logger: Logger;
}

export const openApiPath = path.join(__dirname, 'openapi.json');

/** The REST API as a Koa app; the caller decides where it listens. */
export function createApp(deps: ApiDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  const open = new Router();
  open.get('/v1/openapi.json', async (ctx) => {
    ctx.type = 'application/json';
    ctx.body = await fs.promises.readFile(openApiPath, 'utf8');
  });
  open.get('/v1/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  const router = new Router();
  namespaceRoutes(router, deps);
  functionRoutes(router, deps);
  limitRoutes(router, deps);
  eventRoutes(router, deps);
  asyncEventRoutes(router, deps);
  logRoutes(router, deps);

  app.use(errorHandler(deps.logger));
  // The SCF-compatible endpoint (POST /, TC3-signed) answers before the REST routes and their Basic auth.
  app.use(scfEndpoint(deps));
  app.use(open.routes());
  app.use(authenticate(deps.accounts));
  app.use(router.routes());
  // Answers 405 with an Allow header; the error handler turns its plain-text body into our JSON error.
  app.use(router.allowedMethods());
  app.on('error', (err: unknown) => deps.logger.error({ err }, 'unhandled API error'));
  return app;
}

/**
 * Every route the API serves, as "METHOD /path" with OpenAPI-style {params}: the OpenAPI parity test reads it.
 * `POST /` (the SCF endpoint, src/scf) is left out deliberately: Tencent's SCF API documents it, not this OpenAPI.
 */
export function routeList(): string[] {
  const probe = new Router();
  const deps = {} as ApiDeps;
  namespaceRoutes(probe, deps);
  functionRoutes(probe, deps);
  limitRoutes(probe, deps);
  eventRoutes(probe, deps);
  asyncEventRoutes(probe, deps);
  logRoutes(probe, deps);
  const routes = ['GET /v1/openapi.json', 'GET /v1/health'];
  for (const layer of probe.stack) {
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      routes.push(`${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}
