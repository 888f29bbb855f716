import path from 'node:path';
import { validateTimeZone } from './events/scf-time';
import { type LogLimits, defaultLogLimits } from './logs/attempt-log';

/** Every setting longhaul reads from its environment, parsed and validated in one place. */
export interface LonghaulConfig {
  /** Where SQLite, code packages and generated credentials live. */
  dataDir: string;
  /** Port of the REST API. */
  apiPort: number;
  /** Interface the API binds to. */
  apiHost: string;
  /** Port the embedded Temporal dev server listens on (ignored when temporalAddress is given). */
  temporalPort: number;
  /** Port of the embedded Temporal Web UI. */
  temporalUiPort: number;
  /** An existing Temporal frontend (host:port); when set, no dev server is started. */
  temporalAddress: string | undefined;
  /** Temporal namespace holding longhaul's workflows. */
  temporalNamespace: string;
  /** Task queue shared by the workers. */
  taskQueue: string;
  /** Credentials of the first account; generated when unset. */
  secretId: string | undefined;
  secretKey: string | undefined;
  /** How long Temporal keeps an ended event (the namespace retention). */
  eventRetentionHours: number;
  /** Upper bound of a function's timeout with async execution (SCF: 24 h; operators may raise it). */
  maxAsyncTimeoutSeconds: number;
  /** How long a lost worker goes unnoticed at most: the activity's heartbeat timeout. */
  heartbeatTimeoutSeconds: number;
  /** Default time a gracefully terminated function has between SIGTERM and SIGKILL. */
  terminateGraceSeconds: number;
  /** How many concurrent events one worker runs. */
  workerConcurrency: number;
  /** Path of the temporal CLI binary, resolved by scripts/bootstrap.mjs. */
  temporalCli: string | undefined;
  logLevel: string;
  /** The IANA time zone of SCF-format times (`YYYY-MM-DD HH:MM:SS`); the REST API speaks ISO 8601. */
  timeZone: string;
  /** Where event logs go: SQLite under the data dir (default) or PostgreSQL at logDatabaseUrl. */
  logStore: 'sqlite' | 'postgres';
  logDatabaseUrl: string | undefined;
  /** How long a log line is kept after it was written; older ones are removed on a rolling basis. */
  logRetentionHours: number;
  /** How often a worker removes expired log records. */
  logPurgeIntervalSeconds: number;
  logLimits: LogLimits;
  /** `auto`: user code runs as per-event unprivileged users when the worker runs as root; `off`: never. */
  sandbox: 'auto' | 'off';
  /** An account's concurrency in MB (SCF's quota, 128 GB): reservations come out of it, the rest is shared. */
  accountConcurrencyMb: number;
  /** How many seconds of a function's async invoke rate may arrive at once after a quiet spell. */
  invokeBurstSeconds: number;
}

/** SCF's default account concurrency quota: 128,000 MB. */
export const defaultAccountConcurrencyMb = 128_000;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function logStoreKind(env: Env): LonghaulConfig['logStore'] {
  const kind = optional(env, 'LONGHAUL_LOG_STORE') ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`LONGHAUL_LOG_STORE must be sqlite or postgres, got "${kind}"`);
  }
  if (kind === 'postgres' && !optional(env, 'LONGHAUL_LOG_DATABASE_URL')) {
    throw new Error('LONGHAUL_LOG_STORE=postgres needs LONGHAUL_LOG_DATABASE_URL (postgres://user@host:port/db)');
  }
  return kind;
}

function sandboxMode(env: Env): LonghaulConfig['sandbox'] {
  const mode = optional(env, 'LONGHAUL_SANDBOX') ?? 'auto';
  if (mode !== 'auto' && mode !== 'off') throw new Error(`LONGHAUL_SANDBOX must be auto or off, got "${mode}"`);
  return mode;
}

function timeZone(env: Env): string {
  const zone = optional(env, 'LONGHAUL_TIME_ZONE') ?? 'UTC';
  try {
    return validateTimeZone(zone);
  } catch {
    throw new Error(`LONGHAUL_TIME_ZONE must be an IANA time zone such as UTC or Asia/Shanghai, got "${zone}"`);
  }
}

/** Parses the environment into a config; throws with the variable's name on a bad value. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): LonghaulConfig {
  const secretId = optional(env, 'LONGHAUL_SECRET_ID');
  const secretKey = optional(env, 'LONGHAUL_SECRET_KEY');
  if ((secretId === undefined) !== (secretKey === undefined)) {
    throw new Error('LONGHAUL_SECRET_ID and LONGHAUL_SECRET_KEY must be set together');
  }
  return {
    dataDir: path.resolve(cwd, optional(env, 'LONGHAUL_DATA_DIR') ?? '.longhaul'),
    apiPort: integer(env, 'LONGHAUL_PORT', 9000, 0, 65535),
    apiHost: optional(env, 'LONGHAUL_HOST') ?? '127.0.0.1',
    temporalPort: integer(env, 'LONGHAUL_TEMPORAL_PORT', 7233, 1, 65535),
    temporalUiPort: integer(env, 'LONGHAUL_TEMPORAL_UI_PORT', 8233, 1, 65535),
    temporalAddress: optional(env, 'TEMPORAL_ADDRESS'),
    temporalNamespace: optional(env, 'LONGHAUL_TEMPORAL_NAMESPACE') ?? 'default',
    taskQueue: optional(env, 'LONGHAUL_TASK_QUEUE') ?? 'longhaul-functions',
    secretId,
    secretKey,
    eventRetentionHours: integer(env, 'LONGHAUL_EVENT_RETENTION_HOURS', 72, 1, 24 * 365),
    maxAsyncTimeoutSeconds: integer(env, 'LONGHAUL_MAX_ASYNC_TIMEOUT_SECONDS', 86400, 900, 7 * 86400),
    heartbeatTimeoutSeconds: integer(env, 'LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS', 10, 2, 300),
    terminateGraceSeconds: integer(env, 'LONGHAUL_TERMINATE_GRACE_SECONDS', 10, 0, 3600),
    workerConcurrency: integer(env, 'LONGHAUL_WORKER_CONCURRENCY', 50, 1, 10000),
    temporalCli: optional(env, 'LONGHAUL_TEMPORAL_CLI'),
    logLevel: optional(env, 'LONGHAUL_LOG_LEVEL') ?? 'info',
    timeZone: timeZone(env),
    logStore: logStoreKind(env),
    logDatabaseUrl: optional(env, 'LONGHAUL_LOG_DATABASE_URL'),
    logRetentionHours: integer(env, 'LONGHAUL_LOG_RETENTION_HOURS', 72, 1, 24 * 365),
    logPurgeIntervalSeconds: integer(env, 'LONGHAUL_LOG_PURGE_INTERVAL_SECONDS', 600, 1, 86400),
    sandbox: sandboxMode(env),
    accountConcurrencyMb: integer(env, 'LONGHAUL_ACCOUNT_CONCURRENCY_MB', defaultAccountConcurrencyMb, 64, 2 ** 40),
    invokeBurstSeconds: integer(env, 'LONGHAUL_INVOKE_BURST_SECONDS', 10, 1, 3600),
    logLimits: {
      ...defaultLogLimits,
      flushIntervalMs: integer(env, 'LONGHAUL_LOG_FLUSH_INTERVAL_MS', defaultLogLimits.flushIntervalMs, 1, 10_000),
      maxLineBytes: integer(env, 'LONGHAUL_LOG_MAX_LINE_BYTES', defaultLogLimits.maxLineBytes, 256, 1024 * 1024),
      maxAttemptBytes: integer(env, 'LONGHAUL_LOG_MAX_ATTEMPT_BYTES', defaultLogLimits.maxAttemptBytes, 4096, 2 ** 40),
    },
  };
}
