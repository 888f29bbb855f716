import path from 'node:path';
import type { FunctionSnapshot } from '../../workflows/contracts';

/** Variables the platform sets; a function's own configuration may not define these names. */
export const reservedEnvironmentPrefixes = ['SCF_', 'LONGHAUL_', 'TENCENTCLOUD_'];

/**
 * The whole environment of a function's process: sane defaults, the function's own variables, then the
 * platform's. Nothing is inherited from the worker, so its secrets and Temporal settings never reach user code.
 */
export function functionEnvironment(fn: FunctionSnapshot, requestId: string, workDir: string, codeDir: string) {
  return {
    PATH: [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    LANG: 'C.UTF-8',
    HOME: workDir,
    TMPDIR: workDir,
    ...fn.environment,
    SCF_RUNTIME: fn.runtime,
    SCF_FUNCTIONNAME: fn.functionName,
    SCF_FUNCTIONVERSION: fn.version,
    SCF_NAMESPACE: fn.namespace,
    SCF_MEMORY_SIZE: String(fn.memoryMb),
    SCF_REQUEST_ID: requestId,
    SCF_CODE_ROOT: codeDir,
    TENCENTCLOUD_RUNENV: 'SCF',
  };
}
