import { LonghaulError } from '../errors';
import type { FunctionView } from '../registry/functions';
import { defaultNamespace } from '../registry/namespaces';
import * as rules from '../registry/function-rules';
import { formatScfTime } from '../events/scf-time';

/** The JSON type of one SCF parameter; a trailing `*` marks it required. */
export type ParamType = 'string' | 'integer' | 'boolean' | 'object' | 'string[]' | 'array';
export type ParamSpec = Record<string, ParamType | `${ParamType}*`>;

export type Params = Record<string, unknown>;

function typeOk(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

/**
 * Checks an action's parameters against its list, the way Tencent's gateway does: an unlisted name is
 * UnknownParameter, a missing required one MissingParameter, a value of the wrong JSON type InvalidParameter.
 * Values themselves are left to the shared validators (function-rules.ts and the REST request parsers).
 */
export function checkParams(params: Params, spec: ParamSpec): void {
  const unknown = Object.keys(params).filter((k) => !(k in spec));
  if (unknown.length > 0) {
    throw new LonghaulError(
      'UnknownParameter',
      `Unknown parameter ${unknown.join(', ')}; this action takes ${Object.keys(spec).join(', ')}`,
    );
  }
  for (const [name, declared] of Object.entries(spec)) {
    const required = declared.endsWith('*');
    const type = declared.replace('*', '') as ParamType;
    const value = params[name];
    if (value === undefined || value === null) {
      if (required) throw new LonghaulError('MissingParameter', `The parameter ${name} is required`);
      continue;
    }
    if (!typeOk(value, type))
      throw new LonghaulError('InvalidParameter', `The parameter ${name} must be of type ${type}`);
  }
}

/** Parameters Tencent defines but longhaul cannot honour: refused, never silently ignored. */
export function refuseUnsupported(params: Params, names: readonly string[]): void {
  for (const name of names) {
    const value = params[name];
    if (value !== undefined && value !== null && value !== '') {
      throw new LonghaulError('UnsupportedOperation', `longhaul does not support the parameter ${name}`);
    }
  }
}

export function namespaceOf(params: Params): string {
  return rules.validateNamespace(params.Namespace ?? defaultNamespace);
}

export function functionNameOf(params: Params): string {
  return rules.validateFunctionName(params.FunctionName);
}

/** SCF's `TRUE`/`FALSE` strings as booleans; undefined when absent. */
export function scfFlag(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'TRUE') return true;
  if (value === 'FALSE') return false;
  throw new LonghaulError('InvalidParameter', `${name} must be TRUE or FALSE`);
}

export const flag = (value: boolean): 'TRUE' | 'FALSE' => (value ? 'TRUE' : 'FALSE');

/** SCF's Environment {Variables: [{Key, Value}]} as the plain map the shared validator takes. */
export function environmentOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const variables = (value as { Variables?: unknown }).Variables ?? [];
  const extra = Object.keys(value as object).filter((k) => k !== 'Variables');
  if (extra.length > 0 || !Array.isArray(variables)) {
    throw new LonghaulError(
      'InvalidParameter',
      'Environment must be {"Variables": [{"Key": ..., "Value": ...}]}',
    );
  }
  const result: Record<string, unknown> = {};
  for (const v of variables as unknown[]) {
    const entry = v as { Key?: unknown; Value?: unknown } | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.Key !== 'string' ||
      typeof (entry.Value ?? '') !== 'string'
    ) {
      throw new LonghaulError(
        'InvalidParameter',
        'Each Environment variable must be {"Key": string, "Value": string}',
      );
    }
    if (entry.Key in result)
      throw new LonghaulError(
        'InvalidParameterValue.Environment',
        `Environment variable ${entry.Key} is given twice`,
      );
    result[entry.Key] = entry.Value ?? '';
  }
  return result;
}

/** SCF's time format without fractions, as Tencent shows function times. */
export function scfSeconds(iso: string, timeZone: string): string {
  return formatScfTime(new Date(iso), timeZone).slice(0, 19);
}

/** A function's configuration as GetFunction and the version actions answer it. */
export function functionFields(fn: FunctionView, timeZone: string) {
  return {
    FunctionName: fn.name,
    Namespace: fn.namespace,
    FunctionVersion: fn.version,
    Qualifier: fn.version,
    Runtime: fn.runtime,
    Handler: fn.handler,
    Timeout: fn.timeoutSeconds,
    MemorySize: fn.memoryMb,
    Description: fn.description,
    Environment: { Variables: Object.entries(fn.environment).map(([Key, Value]) => ({ Key, Value })) },
    CodeSize: fn.codeSize,
    Status: 'Active',
    Type: 'Event',
    AsyncRunEnable: flag(fn.asyncRunEnable),
    TraceEnable: flag(fn.traceEnable),
    // SCF answers '' for a function without a log destination.
    ClsLogsetId: fn.logsetId,
    ClsTopicId: fn.topicId,
    AddTime: scfSeconds(fn.addTime, timeZone),
    ModTime: scfSeconds(fn.modTime, timeZone),
  };
}
