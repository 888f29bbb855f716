import { LonghaulError } from '../errors';
import type { FunctionLimits, InvokeConfig } from '../registry/function-limits';
import type { FunctionView } from '../registry/functions';
import { onlyKnownFields } from './body';

/** The body of PUT .../reserved-concurrency; FunctionLimits.reserve validates the value itself. */
export function parseReservation(body: Record<string, unknown>): unknown {
  onlyKnownFields(body, ['reservedConcurrencyMemMb']);
  if (body.reservedConcurrencyMemMb === undefined) {
    throw new LonghaulError(
      'MissingParameter',
      'reservedConcurrencyMemMb is required (DELETE removes a reservation)',
    );
  }
  return body.reservedConcurrencyMemMb;
}

/**
 * The body of PUT .../invoke-config: the fields given, each validated by FunctionLimits.updateInvokeConfig
 * (which takes unknown values at run time, so the casts only satisfy its signature).
 */
export function parseInvokeConfigPatch(body: Record<string, unknown>): Partial<InvokeConfig> {
  onlyKnownFields(body, ['retryNum', 'msgTtlSeconds']);
  const patch: Partial<InvokeConfig> = {};
  if (body.retryNum !== undefined) patch.retryNum = body.retryNum as number;
  if (body.msgTtlSeconds !== undefined) patch.msgTtlSeconds = body.msgTtlSeconds as number;
  return patch;
}

/** A function's reserved concurrency as the REST API shows it; `fn` is its `$LATEST` (whose memory counts). */
export function reservationJson(limits: FunctionLimits, fn: FunctionView) {
  const pool = limits.poolOf(fn);
  return {
    reservedConcurrencyMemMb: pool.reservedMb,
    concurrency: pool.instances,
    memorySizeMb: fn.memoryMb,
    accountConcurrencyMb: limits.accountQuotaMb,
    unreservedConcurrencyMemMb: limits.unreservedMb(fn.accountId),
  };
}

export function invokeConfigJson(config: InvokeConfig) {
  return { retryNum: config.retryNum, msgTtlSeconds: config.msgTtlSeconds };
}
