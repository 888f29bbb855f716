import { LonghaulError } from '../errors';
import { type ConfigurationPatch, type FunctionView, type NewFunction, logDestinationOf } from '../registry/functions';
import * as rules from '../registry/function-rules';
import { onlyKnownFields } from './body';

/** The largest code package accepted inline (base64 inflates it by a third on the wire). */
export const maxZipBytes = 50 * 1024 * 1024;
export const maxFunctionBodyBytes = Math.ceil((maxZipBytes * 4) / 3) + 64 * 1024;

const createFields = [
  'functionName', 'runtime', 'handler', 'code', 'timeout', 'memorySize', 'environment', 'description',
  'asyncRunEnable', 'traceEnable', 'logsetId', 'topicId',
] as const;
const configurationFields = [
  'timeout', 'memorySize', 'environment', 'description', 'traceEnable', 'runtime', 'asyncRunEnable', 'logsetId', 'topicId',
] as const;

function required(body: Record<string, unknown>, name: string): unknown {
  if (body[name] === undefined) throw new LonghaulError('MissingParameter', `${name} is required`);
  return body[name];
}

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new LonghaulError('InvalidParameter', `${name} must be true or false`);
  return value;
}

/** Decodes `code.zipFile` (base64) into the package bytes. */
export function decodeZip(code: unknown): Buffer {
  const zipFile = (code as { zipFile?: unknown } | undefined)?.zipFile;
  if (typeof zipFile !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(zipFile) || zipFile.trim() === '') {
    throw new LonghaulError('InvalidParameterValue.Code', 'code.zipFile must be a base64-encoded zip');
  }
  const zip = Buffer.from(zipFile, 'base64');
  if (zip.length > maxZipBytes) throw new LonghaulError('InvalidParameterValue.Code', 'The code package is over 50 MB');
  return zip;
}

export function parseCreateFunction(
  namespace: string,
  body: Record<string, unknown>,
  maxAsyncTimeoutSeconds: number,
): NewFunction {
  onlyKnownFields(body, createFields);
  const asyncRunEnable = bool(body.asyncRunEnable, 'asyncRunEnable', false);
  const traceEnable = bool(body.traceEnable, 'traceEnable', asyncRunEnable);
  if (traceEnable && !asyncRunEnable) {
    throw new LonghaulError('InvalidParameterValue.TraceEnable', 'Status tracking is available only with async execution');
  }
  return {
    namespace,
    name: rules.validateFunctionName(required(body, 'functionName')),
    runtime: rules.validateRuntime(body.runtime ?? 'Nodejs18.15'),
    handler: rules.validateHandler(body.handler ?? 'index.main_handler'),
    zip: decodeZip(required(body, 'code')),
    timeoutSeconds: rules.validateTimeout(body.timeout ?? 3, asyncRunEnable, maxAsyncTimeoutSeconds),
    memoryMb: rules.validateMemorySize(body.memorySize ?? 128),
    environment: rules.validateEnvironment(body.environment ?? {}),
    description: rules.validateDescription(body.description ?? ''),
    ...rules.validateLogDestination(body.logsetId ?? '', body.topicId ?? ''),
    asyncRunEnable,
    traceEnable,
  };
}

export function parseConfigurationPatch(
  current: FunctionView,
  body: Record<string, unknown>,
  maxAsyncTimeoutSeconds: number,
): ConfigurationPatch {
  onlyKnownFields(body, configurationFields);
  if (body.asyncRunEnable !== undefined && body.asyncRunEnable !== current.asyncRunEnable) {
    throw new LonghaulError('UnsupportedOperation.AsyncRunEnable', 'asyncRunEnable is fixed when a function is created');
  }
  if (body.runtime !== undefined && body.runtime !== current.runtime) {
    throw new LonghaulError('UnsupportedOperation.Runtime', 'The runtime of a function cannot change');
  }
  const patch: ConfigurationPatch = {};
  if (body.timeout !== undefined) {
    patch.timeoutSeconds = rules.validateTimeout(body.timeout, current.asyncRunEnable, maxAsyncTimeoutSeconds);
  }
  if (body.memorySize !== undefined) patch.memoryMb = rules.validateMemorySize(body.memorySize);
  if (body.environment !== undefined) patch.environment = rules.validateEnvironment(body.environment);
  if (body.description !== undefined) patch.description = rules.validateDescription(body.description);
  if (body.logsetId !== undefined || body.topicId !== undefined) {
    // One part alone changes only that part; the destination it leaves must still be whole (or empty).
    const logsetId = body.logsetId === undefined ? current.logsetId : body.logsetId;
    const topicId = body.topicId === undefined ? current.topicId : body.topicId;
    Object.assign(patch, rules.validateLogDestination(logsetId, topicId));
  }
  if (body.traceEnable !== undefined) {
    patch.traceEnable = bool(body.traceEnable, 'traceEnable', current.traceEnable);
    if (patch.traceEnable && !current.asyncRunEnable) {
      throw new LonghaulError('InvalidParameterValue.TraceEnable', 'Status tracking is available only with async execution');
    }
  }
  return patch;
}

/** A function as the REST API shows it. */
export function functionJson(fn: FunctionView) {
  const destination = logDestinationOf(fn);
  return {
    namespace: fn.namespace,
    functionName: fn.name,
    version: fn.version,
    status: 'Active',
    runtime: fn.runtime,
    handler: fn.handler,
    timeout: fn.timeoutSeconds,
    memorySize: fn.memoryMb,
    environment: fn.environment,
    description: fn.description,
    asyncRunEnable: fn.asyncRunEnable,
    traceEnable: fn.traceEnable,
    logsetId: destination?.logsetId ?? '',
    topicId: destination?.topicId ?? '',
    codeSha256: fn.codeSha256,
    codeSize: fn.codeSize,
    addTime: fn.addTime,
    modTime: fn.modTime,
  };
}
