import type { Context, Next } from 'koa';
import type { ApiDeps } from '../api/app';
import { readText } from '../api/body';
import { errorHandler } from '../api/error-handler';
import { maxFunctionBodyBytes } from '../api/function-requests';
import { LonghaulError } from '../errors';
import type { ScfAction, ScfActions, ScfResult } from './action';
import { asyncEventActions } from './async-event-actions';
import { functionActions } from './function-actions';
import { invokeActions } from './invoke-actions';
import { limitActions } from './limit-actions';
import { logActions } from './log-actions';
import { namespaceActions } from './namespace-actions';
import { type Params, checkParams } from './params';
import { ReplayGuard, verifyTc3 } from './tc3';

export const scfVersion = '2018-04-16';

export const scfActions: ScfActions = {
  ...functionActions,
  ...namespaceActions,
  ...invokeActions,
  ...asyncEventActions,
  ...logActions,
  ...limitActions,
};

function parseBody(text: string): Params {
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
  return parsed as Params;
}

function actionOf(ctx: Context): { name: string; action: ScfAction } {
  const version = ctx.get('x-tc-version');
  if (version !== scfVersion) {
    throw new LonghaulError(
      'InvalidAction',
      `longhaul serves the SCF API version ${scfVersion} only (X-TC-Version was "${version}")`,
    );
  }
  const name = ctx.get('x-tc-action');
  if (!name) throw new LonghaulError('MissingParameter', 'The X-TC-Action header is required');
  const action = Object.hasOwn(scfActions, name) ? scfActions[name] : undefined;
  if (!action)
    throw new LonghaulError(
      'InvalidAction',
      `The action ${name} does not exist or is not served by longhaul`,
    );
  return { name, action };
}

/**
 * The SCF-compatible endpoint: `POST /` in Tencent Cloud API 3.0 style, signed with TC3-HMAC-SHA256, the
 * action named by X-TC-Action. Every answer is HTTP 200 with `{"Response": {...}}`; errors carry the same
 * codes as the REST API (the catalogue is SCF-named). Each action is a thin adapter over the services the
 * REST API uses. Other paths and methods fall through to the REST API.
 */
export function scfEndpoint(deps: ApiDeps, replayGuard = new ReplayGuard()) {
  const timeZone = deps.config.timeZone ?? 'UTC';
  // The REST error handler maps any error (Temporal down, unexpected) to a catalogue code and logs it.
  const catching = errorHandler(deps.logger);

  async function handle(ctx: Context): Promise<ScfResult> {
    const text = await readText(ctx, maxFunctionBodyBytes);
    const caller = verifyTc3(deps.accounts, {
      method: ctx.method,
      headers: ctx.headers,
      body: Buffer.from(text, 'utf8'),
    });
    if (ctx.get('x-tc-token')) {
      throw new LonghaulError(
        'UnsupportedOperation',
        'Temporary credentials (X-TC-Token) are not supported by longhaul',
      );
    }
    const { name, action } = actionOf(ctx);
    const params = parseBody(text);
    checkParams(params, action.params);
    if (!action.readOnly && !replayGuard.remember(name, caller.signature)) {
      throw new LonghaulError(
        'AuthFailure.RequestReplayed',
        'This signed request was already received; sign every request anew (a new X-TC-Timestamp)',
      );
    }
    try {
      return await action.run({ accountId: caller.accountId, deps, timeZone }, params);
    } catch (err) {
      if (!action.readOnly) replayGuard.forget(name, caller.signature);
      throw err;
    }
  }

  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/' || ctx.method !== 'POST') {
      await next();
      return;
    }
    let result: ScfResult = {};
    await catching(ctx, async () => {
      result = await handle(ctx);
      ctx.status = 200;
      ctx.body = {};
    });
    const failed = (ctx.body as { error?: { code: string; message: string }; requestId?: string }) ?? {};
    if (failed.error) {
      const requestId = failed.requestId ?? ctx.response.get('X-Request-Id');
      ctx.body = {
        Response: { Error: { Code: failed.error.code, Message: failed.error.message }, RequestId: requestId },
      };
    } else {
      const requestId =
        typeof result.RequestId === 'string' ? result.RequestId : ctx.response.get('X-Request-Id');
      ctx.set('X-Request-Id', requestId);
      ctx.body = { Response: { ...result, RequestId: requestId } };
    }
    ctx.status = 200;
    // Exactly this, no charset: Tencent's Python SDK (and tccli) look for Response.Error only then.
    ctx.set('Content-Type', 'application/json');
  };
}
