import { randomUUID } from 'node:crypto';
import { isGrpcServiceError } from '@temporalio/client';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { LonghaulError, isLonghaulError } from '../errors';

/**
 * Gives every response a RequestId header and turns every error into `{ error: { code, message } }` with
 * the code's HTTP status. Unexpected errors are logged with the request id and shown only as InternalError.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const requestId = randomUUID();
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new LonghaulError('ResourceNotFound.Route', `No route ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 || ctx.status === 501) {
        throw new LonghaulError('UnsupportedOperation.Method', `${ctx.path} does not take ${ctx.method}`);
      }
    } catch (raw) {
      const err = toLonghaulError(raw);
      if (err.code === 'InternalError' || err.code === 'ServiceUnavailable.Temporal') {
        logger.error({ err: raw, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = err.status;
      ctx.body = { error: { code: err.code, message: err.message, ...(err.details ?? {}) }, requestId };
    }
  };
}

/** gRPC status codes from the gRPC spec (the client reports them as numbers). */
const grpcUnavailable = 14;
const grpcDeadlineExceeded = 4;

function toLonghaulError(err: unknown): LonghaulError {
  if (isLonghaulError(err)) return err;
  // Temporal is down or unreachable.
  if (isGrpcServiceError(err) && [grpcUnavailable, grpcDeadlineExceeded].includes(Number(err.code))) {
    return new LonghaulError('ServiceUnavailable.Temporal', 'The Temporal server cannot be reached; try again shortly');
  }
  if ((err as { cause?: unknown })?.cause && isGrpcServiceError((err as { cause: unknown }).cause)) {
    return toLonghaulError((err as { cause: unknown }).cause);
  }
  return new LonghaulError('InternalError', 'An internal error occurred; the service log has the details');
}
