import { type PoolActivityDeps, findEndedEvents, joinPool } from './pools';
import { type RunFunctionDeps, runFunction } from './run-function';
import type { FunctionActivities, PoolActivities } from './types';

export type ActivityDeps = RunFunctionDeps & PoolActivityDeps;

/** Builds the worker's activities from their dependencies (no globals, no environment reads). */
export function createActivities(deps: ActivityDeps): FunctionActivities & PoolActivities {
  return {
    runFunction: (input) => runFunction(deps, input),
    joinPool: (poolId, join) => joinPool(deps, poolId, join),
    findEndedEvents: (requestIds) => findEndedEvents(deps, requestIds),
  };
}
