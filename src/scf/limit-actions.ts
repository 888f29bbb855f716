import { onlyKnownFields } from '../api/body';
import { LonghaulError } from '../errors';
import type { InvokeConfig } from '../registry/function-limits';
import * as rules from '../registry/function-rules';
import type { ScfActions } from './action';
import { functionNameOf, namespaceOf } from './params';

/**
 * SCF's AsyncTriggerConfig {RetryConfig: [{RetryNum}], MsgTTL} as a patch: a part left out keeps its value.
 * The values themselves are FunctionLimits' to judge (InvalidParameterValue / LimitExceeded .RetryNum, .MsgTTL).
 */
function invokeConfigPatch(config: Record<string, unknown>): Partial<InvokeConfig> {
  onlyKnownFields(config, ['RetryConfig', 'MsgTTL']);
  const patch: Partial<InvokeConfig> = {};
  if (config.MsgTTL !== undefined) patch.msgTtlSeconds = config.MsgTTL as number;
  if (config.RetryConfig === undefined) return patch;
  const [entry, ...more] = Array.isArray(config.RetryConfig) ? (config.RetryConfig as unknown[]) : [];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || more.length > 0) {
    throw new LonghaulError('InvalidParameter', 'AsyncTriggerConfig.RetryConfig must be [{"RetryNum": n}]');
  }
  onlyKnownFields(entry as Record<string, unknown>, ['RetryNum']);
  const retryNum = (entry as { RetryNum?: unknown }).RetryNum;
  if (retryNum === undefined)
    throw new LonghaulError('MissingParameter', 'AsyncTriggerConfig.RetryConfig[0].RetryNum is required');
  patch.retryNum = retryNum as number;
  return patch;
}

const asyncTriggerConfig = (config: InvokeConfig) => ({
  RetryConfig: [{ RetryNum: config.retryNum }],
  MsgTTL: config.msgTtlSeconds,
});

/** Reserved concurrency and async retry settings, over FunctionLimits as the REST routes use it. */
export const limitActions: ScfActions = {
  PutReservedConcurrencyConfig: {
    params: { FunctionName: 'string*', ReservedConcurrencyMem: 'integer*', Namespace: 'string' },
    async run(c, p) {
      const [namespace, name] = [namespaceOf(p), functionNameOf(p)];
      c.deps.limits.reserve(c.accountId, namespace, name, p.ReservedConcurrencyMem);
      // Events waiting for a slot learn the new capacity now, not at the next arrival.
      await c.deps.gateway.poolCapacityChanged(c.accountId, namespace, name);
      return {};
    },
  },

  GetReservedConcurrencyConfig: {
    readOnly: true,
    params: { FunctionName: 'string*', Namespace: 'string' },
    run(c, p) {
      return { ReservedMem: c.deps.limits.reservation(c.accountId, namespaceOf(p), functionNameOf(p)) };
    },
  },

  DeleteReservedConcurrencyConfig: {
    params: { FunctionName: 'string*', Namespace: 'string' },
    async run(c, p) {
      const [namespace, name] = [namespaceOf(p), functionNameOf(p)];
      c.deps.limits.unreserve(c.accountId, namespace, name);
      await c.deps.gateway.poolCapacityChanged(c.accountId, namespace, name);
      return {};
    },
  },

  UpdateFunctionEventInvokeConfig: {
    params: { FunctionName: 'string*', Namespace: 'string', AsyncTriggerConfig: 'object*' },
    run(c, p) {
      const patch = invokeConfigPatch(p.AsyncTriggerConfig as Record<string, unknown>);
      c.deps.limits.updateInvokeConfig(c.accountId, namespaceOf(p), functionNameOf(p), patch);
      return {};
    },
  },

  GetFunctionEventInvokeConfig: {
    readOnly: true,
    params: { FunctionName: 'string*', Namespace: 'string', Qualifier: 'string' },
    run(c, p) {
      const [namespace, name] = [namespaceOf(p), functionNameOf(p)];
      // The settings are the function's, shared by its versions; a Qualifier must still name one that exists.
      if (p.Qualifier !== undefined)
        c.deps.registry.get(c.accountId, namespace, name, rules.validateQualifier(p.Qualifier));
      return {
        AsyncTriggerConfig: asyncTriggerConfig(c.deps.limits.invokeConfig(c.accountId, namespace, name)),
      };
    },
  },
};
