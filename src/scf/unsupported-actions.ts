import { LonghaulError } from '../errors';
import type { ScfAction, ScfActions } from './action';

/** Actions of the SCF contract that longhaul names but does not implement: a clear refusal, never a fake success. */
const unsupported: Record<string, string> = {
  PutReservedConcurrencyConfig: 'reserved concurrency is not configurable in longhaul',
  GetReservedConcurrencyConfig: 'reserved concurrency is not configurable in longhaul',
  DeleteReservedConcurrencyConfig: 'reserved concurrency is not configurable in longhaul',
  UpdateFunctionEventInvokeConfig: 'async retry and message TTL settings are not configurable in longhaul',
  GetFunctionEventInvokeConfig: 'async retry and message TTL settings are not configurable in longhaul',
};

function refusal(action: string, reason: string): ScfAction {
  return {
    readOnly: true,
    run() {
      throw new LonghaulError('UnsupportedOperation', `${action} is not supported: ${reason}`);
    },
  };
}

export const unsupportedActions: ScfActions = Object.fromEntries(
  Object.entries(unsupported).map(([action, reason]) => [action, refusal(action, reason)]),
);
