import { type RunFunctionDeps, runFunction } from './run-function';
import type { FunctionActivities } from './types';

export type ActivityDeps = RunFunctionDeps;

/** Builds the worker's activities from their dependencies (no globals, no environment reads). */
export function createActivities(deps: ActivityDeps): FunctionActivities {
  return {
    runFunction: (input) => runFunction(deps, input),
  };
}
