import { type ErrorCode, LonghaulError } from '../errors';
import { reservedEnvironmentPrefixes } from '../runtime/function-env';
import { runtimeFamilies, runtimeKindOf } from '../runtime/runtimes';
import type { LogDestination } from './functions';

/** SCF's rule: letters, digits, - and _, starting with a letter, not ending with - or _, 2–60 characters. */
const functionNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const namespacePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,28}[A-Za-z0-9]$|^[A-Za-z0-9]$/;
/** `file.method`, where file may sit in a sub folder; no "..", no absolute paths. */
const handlerPattern = /^(?!\/)(?!.*\.\.\/)[A-Za-z0-9_\-/.]+\.[A-Za-z_$][A-Za-z0-9_$]*$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A CLS logset or topic id: Tencent's are UUIDs; simple names such as prod-logs are accepted too. */
const logDestinationIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** SCF runtime names longhaul runs; the table of what runs each is src/runtime/runtimes.ts (docs/runtimes.md). */
export const exampleRuntimes = runtimeFamilies.flatMap((family) => family.examples);

export const limits = {
  minTimeoutSeconds: 1,
  maxSyncTimeoutSeconds: 900,
  minMemoryMb: 64,
  maxMemoryMb: 32768,
  maxEnvironmentBytes: 4096,
  maxDescriptionLength: 1000,
};

export function validateFunctionName(name: unknown): string {
  if (typeof name !== 'string' || !functionNamePattern.test(name)) {
    throw new LonghaulError(
      'InvalidParameterValue.FunctionName',
      'FunctionName must be 2-60 letters, digits, - or _, start with a letter and not end with - or _',
    );
  }
  return name;
}

export function validateNamespace(name: unknown): string {
  if (typeof name !== 'string' || !namespacePattern.test(name)) {
    throw new LonghaulError(
      'InvalidParameterValue.Namespace',
      'Namespace must be 1-30 letters, digits, - or _, starting and ending with a letter or digit',
    );
  }
  return name;
}

export function validateRuntime(runtime: unknown): string {
  if (typeof runtime !== 'string' || runtimeKindOf(runtime) === undefined) {
    throw new LonghaulError(
      'InvalidParameterValue.Runtime',
      "Runtime must be NodejsX.Y (such as Nodejs18.15; runs on the machine's Node.js), Python3.X (such as " +
        "Python3.9; runs on the machine's python3) or CustomRuntime (an executable bootstrap in the package)",
    );
  }
  return runtime;
}

export function validateHandler(handler: unknown): string {
  if (typeof handler !== 'string' || handler.length > 128 || !handlerPattern.test(handler)) {
    throw new LonghaulError(
      'InvalidParameterValue.Handler',
      'Handler must be "file.method" (for example index.main_handler), at most 128 characters',
    );
  }
  return handler;
}

export function validateTimeout(timeout: unknown, asyncRunEnable: boolean, maxAsyncTimeoutSeconds: number): number {
  const max = asyncRunEnable ? maxAsyncTimeoutSeconds : limits.maxSyncTimeoutSeconds;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < limits.minTimeoutSeconds || timeout > max) {
    throw new LonghaulError(
      'InvalidParameterValue.Timeout',
      `Timeout must be a whole number of seconds from 1 to ${max}` +
        (asyncRunEnable ? '' : ' (up to 86400 with async execution)'),
    );
  }
  return timeout;
}

export function validateMemorySize(memory: unknown): number {
  const ok =
    typeof memory === 'number' &&
    Number.isInteger(memory) &&
    (memory === 64 || (memory % 128 === 0 && memory >= 128 && memory <= limits.maxMemoryMb));
  if (!ok) {
    throw new LonghaulError(
      'InvalidParameterValue.MemorySize',
      `MemorySize must be 64 or a multiple of 128 up to ${limits.maxMemoryMb} (MB)`,
    );
  }
  return memory;
}

export function validateEnvironment(env: unknown): Record<string, string> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new LonghaulError('InvalidParameterValue.Environment', 'Environment must be an object of string values');
  }
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!envNamePattern.test(key) || reservedEnvironmentPrefixes.some((p) => key.startsWith(p))) {
      throw new LonghaulError(
        'InvalidParameterValue.Environment',
        `Environment variable "${key}" must be a valid name not starting with ${reservedEnvironmentPrefixes.join(', ')}`,
      );
    }
    if (typeof value !== 'string') {
      throw new LonghaulError('InvalidParameterValue.Environment', `Environment variable "${key}" must be a string`);
    }
    // A process environment cannot hold NUL: accepted here, every invocation would fail to start.
    if (value.includes('\u0000')) {
      throw new LonghaulError('InvalidParameterValue.Environment', `Environment variable "${key}" must not contain NUL characters`);
    }
    entries.push([key, value]);
  }
  // fromEntries defines own properties, so a variable named __proto__ is kept instead of silently dropped.
  const result = Object.fromEntries(entries);
  if (Buffer.byteLength(JSON.stringify(result)) > limits.maxEnvironmentBytes) {
    throw new LonghaulError('InvalidParameterValue.Environment', 'Environment must be at most 4 KB in all');
  }
  return result;
}

export function validateDescription(description: unknown): string {
  if (typeof description !== 'string' || description.length > limits.maxDescriptionLength) {
    throw new LonghaulError('InvalidParameterValue.Description', 'Description must be a string of at most 1000 characters');
  }
  return description;
}

const logDestinationParts = {
  logsetId: { code: 'InvalidParameterValue.ClsLogsetId', label: 'logsetId (SCF: ClsLogsetId)' },
  topicId: { code: 'InvalidParameterValue.ClsTopicId', label: 'topicId (SCF: ClsTopicId)' },
} as const satisfies Record<string, { code: ErrorCode; label: string }>;

function validateLogDestinationId(value: unknown, part: keyof typeof logDestinationParts): string {
  if (value === '') return value;
  if (typeof value !== 'string' || !logDestinationIdPattern.test(value)) {
    const { code, label } = logDestinationParts[part];
    throw new LonghaulError(code, `${label} must be 1-64 letters, digits, - or _ (a CLS id, or a name such as prod-logs)`);
  }
  return value;
}

/**
 * A log destination names both its logset and its topic, or neither ('' in both: no real-time logs, as in
 * SCF). Half a destination is refused rather than ignored, so a typo cannot silently switch logs off.
 */
export function validateLogDestination(logsetId: unknown, topicId: unknown): LogDestination {
  const destination = {
    logsetId: validateLogDestinationId(logsetId, 'logsetId'),
    topicId: validateLogDestinationId(topicId, 'topicId'),
  };
  if ((destination.logsetId === '') !== (destination.topicId === '')) {
    const [missing, given] = destination.logsetId === '' ? (['logsetId', 'topicId'] as const) : (['topicId', 'logsetId'] as const);
    const { code, label } = logDestinationParts[missing];
    throw new LonghaulError(
      code,
      `${label} is required with ${logDestinationParts[given].label}: a log destination names both, or neither`,
    );
  }
  return destination;
}

/** `$LATEST` or a published version number. */
export function validateQualifier(qualifier: unknown): string {
  if (qualifier === undefined || qualifier === null || qualifier === '') return '$LATEST';
  if (typeof qualifier !== 'string' || !/^(\$LATEST|[1-9][0-9]{0,8})$/.test(qualifier)) {
    throw new LonghaulError('InvalidParameterValue.Qualifier', 'Qualifier must be $LATEST or a version number');
  }
  return qualifier;
}
