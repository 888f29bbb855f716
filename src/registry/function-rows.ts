import type { FunctionView } from './functions';

/**
 * How a function version is stored: one row of functions joined to one of function_versions, and its
 * mapping to the view the registry hands out. Kept apart so functions.ts holds only the registry's logic.
 */
export interface Row {
  account_id: string;
  namespace: string;
  name: string;
  runtime: string;
  async_run_enable: number;
  trace_enable: number;
  trace_enabled_at: string | null;
  add_time: string;
  version: string;
  handler: string;
  code_sha256: string;
  code_size: number;
  timeout_seconds: number;
  memory_mb: number;
  environment: string;
  description: string;
  logset_id: string;
  topic_id: string;
  mod_time: string;
}

export const selectView = `SELECT f.account_id, f.namespace, f.name, f.runtime, f.async_run_enable, f.trace_enable,
  f.trace_enabled_at, f.add_time, v.version, v.handler, v.code_sha256, v.code_size, v.timeout_seconds, v.memory_mb,
  v.environment, v.description, v.logset_id, v.topic_id, v.mod_time
  FROM functions f JOIN function_versions v
  ON v.account_id = f.account_id AND v.namespace = f.namespace AND v.name = f.name`;

export const orderColumns = { AddTime: 'f.add_time', ModTime: 'v.mod_time', FunctionName: 'f.name' } as const;

export function toView(row: Row): FunctionView {
  return {
    accountId: row.account_id,
    namespace: row.namespace,
    name: row.name,
    version: row.version,
    runtime: row.runtime,
    asyncRunEnable: row.async_run_enable === 1,
    traceEnable: row.trace_enable === 1,
    traceEnabledAt: row.trace_enabled_at,
    addTime: row.add_time,
    modTime: row.mod_time,
    handler: row.handler,
    codeSha256: row.code_sha256,
    codeSize: row.code_size,
    timeoutSeconds: row.timeout_seconds,
    memoryMb: row.memory_mb,
    environment: JSON.parse(row.environment) as Record<string, string>,
    description: row.description,
    logsetId: row.logset_id,
    topicId: row.topic_id,
  };
}
