import { LonghaulError } from '../errors';
import type { CodeStore } from './code-store';
import type { Db } from './database';
import { type Row, orderColumns, selectView, toView } from './function-rows';
import { inspectZip } from './zip';

/** A function's settings at one version: everything an event of that version runs with. */
export interface FunctionVersionConfig {
  handler: string;
  codeSha256: string;
  codeSize: number;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  description: string;
  /** The CLS logset and topic its output is shipped to; both '' when it has none (no real-time logs). */
  logsetId: string;
  topicId: string;
}

/** Where a function's output is shipped: SCF's CLS logset and topic. */
export interface LogDestination {
  logsetId: string;
  topicId: string;
}

/** Where a function's logs go, or undefined when it names no destination (as in SCF: no real-time logs). */
export function logDestinationOf(fn: Pick<FunctionVersionConfig, 'logsetId' | 'topicId'>): LogDestination | undefined {
  return fn.logsetId && fn.topicId ? { logsetId: fn.logsetId, topicId: fn.topicId } : undefined;
}

export interface FunctionView extends FunctionVersionConfig {
  accountId: string;
  namespace: string;
  name: string;
  version: string;
  runtime: string;
  asyncRunEnable: boolean;
  traceEnable: boolean;
  /** When status tracking was last switched on; events before it are not listed. */
  traceEnabledAt: string | null;
  addTime: string;
  modTime: string;
}

/** A function to create; one given no log destination has none. */
export interface NewFunction
  extends Omit<FunctionVersionConfig, 'codeSha256' | 'codeSize' | 'logsetId' | 'topicId'>, Partial<LogDestination> {
  namespace: string;
  name: string;
  runtime: string;
  zip: Buffer;
  asyncRunEnable: boolean;
  traceEnable: boolean;
}

export type ConfigurationPatch = Partial<
  Pick<FunctionVersionConfig, 'timeoutSeconds' | 'memoryMb' | 'environment' | 'description' | 'logsetId' | 'topicId'> & {
    traceEnable: boolean;
  }
>;

export interface ListFunctionsQuery {
  offset: number;
  limit: number;
  searchKey?: string;
  orderBy: 'AddTime' | 'ModTime' | 'FunctionName';
  order: 'ASC' | 'DESC';
}

const now = () => new Date().toISOString();

/**
 * The function registry: functions, their mutable `$LATEST` and immutable numbered versions, all scoped
 * by account. Callers validate values (function-rules.ts); this class keeps the invariants.
 */
export class FunctionRegistry {
  constructor(
    private readonly db: Db,
    private readonly codeStore: CodeStore,
  ) {}

  async create(accountId: string, input: NewFunction): Promise<FunctionView> {
    this.requireNamespace(accountId, input.namespace);
    const { sha256, size } = await this.storeCode(input.zip);
    const time = now();
    try {
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT INTO functions (account_id, namespace, name, runtime, async_run_enable, trace_enable,
             trace_enabled_at, add_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(accountId, input.namespace, input.name, input.runtime, +input.asyncRunEnable, +input.traceEnable,
            input.traceEnable ? time : null, time);
        this.insertVersion(accountId, input.namespace, input.name, '$LATEST', {
          ...input,
          logsetId: input.logsetId ?? '',
          topicId: input.topicId ?? '',
          codeSha256: sha256,
          codeSize: size,
        }, time);
      })();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new LonghaulError('ResourceInUse.Function', `Function ${input.name} already exists in ${input.namespace}`);
      }
      throw err;
    }
    return this.get(accountId, input.namespace, input.name);
  }

  /** One version of a function; not-found errors say which part is missing. */
  get(accountId: string, namespace: string, name: string, qualifier = '$LATEST'): FunctionView {
    const row = this.db
      .prepare(`${selectView} WHERE f.account_id = ? AND f.namespace = ? AND f.name = ? AND v.version = ?`)
      .get(accountId, namespace, name, qualifier) as Row | undefined;
    if (row) return toView(row);
    this.requireFunction(accountId, namespace, name);
    throw new LonghaulError('ResourceNotFound.Version', `Function ${name} has no version ${qualifier}`);
  }

  /** The function's $LATEST, or undefined when it does not exist (no error). */
  find(accountId: string, namespace: string, name: string): FunctionView | undefined {
    const row = this.db
      .prepare(`${selectView} WHERE f.account_id = ? AND f.namespace = ? AND f.name = ? AND v.version = '$LATEST'`)
      .get(accountId, namespace, name) as Row | undefined;
    return row && toView(row);
  }

  list(accountId: string, namespace: string, query: ListFunctionsQuery): { functions: FunctionView[]; total: number } {
    this.requireNamespace(accountId, namespace);
    const where = `WHERE f.account_id = ? AND f.namespace = ? AND v.version = '$LATEST' AND instr(f.name, ?) > 0`;
    const args = [accountId, namespace, query.searchKey ?? ''];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM (${selectView} ${where})`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`${selectView} ${where} ORDER BY ${orderColumns[query.orderBy]} ${query.order}, f.name LIMIT ? OFFSET ?`)
      .all(...args, query.limit, query.offset) as Row[];
    return { functions: rows.map(toView), total };
  }

  /** Every function of a namespace ($LATEST), for exports that walk them all. */
  listAll(accountId: string, namespace: string): FunctionView[] {
    this.requireNamespace(accountId, namespace);
    const rows = this.db
      .prepare(`${selectView} WHERE f.account_id = ? AND f.namespace = ? AND v.version = '$LATEST' ORDER BY f.name`)
      .all(accountId, namespace) as Row[];
    return rows.map(toView);
  }

  async updateCode(accountId: string, namespace: string, name: string, zip: Buffer, handler?: string) {
    this.requireFunction(accountId, namespace, name);
    const { sha256, size } = await this.storeCode(zip);
    this.db
      .prepare(
        `UPDATE function_versions SET code_sha256 = ?, code_size = ?, handler = coalesce(?, handler), mod_time = ?
         WHERE account_id = ? AND namespace = ? AND name = ? AND version = '$LATEST'`,
      )
      .run(sha256, size, handler ?? null, now(), accountId, namespace, name);
    return this.get(accountId, namespace, name);
  }

  updateConfiguration(accountId: string, namespace: string, name: string, patch: ConfigurationPatch): FunctionView {
    const current = this.get(accountId, namespace, name);
    const next = { ...current, ...patch };
    const time = now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE function_versions SET timeout_seconds = ?, memory_mb = ?, environment = ?, description = ?,
           logset_id = ?, topic_id = ?, mod_time = ?
           WHERE account_id = ? AND namespace = ? AND name = ? AND version = '$LATEST'`,
        )
        .run(next.timeoutSeconds, next.memoryMb, JSON.stringify(next.environment), next.description, next.logsetId,
          next.topicId, time, accountId, namespace, name);
      if (patch.traceEnable !== undefined && patch.traceEnable !== current.traceEnable) {
        this.db
          .prepare(`UPDATE functions SET trace_enable = ?, trace_enabled_at = ? WHERE account_id = ? AND namespace = ? AND name = ?`)
          .run(+patch.traceEnable, patch.traceEnable ? time : current.traceEnabledAt, accountId, namespace, name);
      }
    })();
    return this.get(accountId, namespace, name);
  }

  /** Freezes `$LATEST` into the next numbered version. */
  publishVersion(accountId: string, namespace: string, name: string, description?: string): FunctionView {
    const latest = this.get(accountId, namespace, name);
    const version = this.db.transaction(() => {
      const { next_version } = this.db
        .prepare('SELECT next_version FROM functions WHERE account_id = ? AND namespace = ? AND name = ?')
        .get(accountId, namespace, name) as { next_version: number };
      this.db
        .prepare('UPDATE functions SET next_version = ? WHERE account_id = ? AND namespace = ? AND name = ?')
        .run(next_version + 1, accountId, namespace, name);
      this.insertVersion(accountId, namespace, name, String(next_version), {
        ...latest,
        description: description ?? latest.description,
      }, now());
      return String(next_version);
    }).immediate(); // take the write lock first: two API processes publishing at once queue instead of failing
    return this.get(accountId, namespace, name, version);
  }

  listVersions(accountId: string, namespace: string, name: string): FunctionView[] {
    this.requireFunction(accountId, namespace, name);
    const rows = this.db
      .prepare(`${selectView} WHERE f.account_id = ? AND f.namespace = ? AND f.name = ?
        ORDER BY CASE v.version WHEN '$LATEST' THEN 0 ELSE CAST(v.version AS INTEGER) END`)
      .all(accountId, namespace, name) as Row[];
    return rows.map(toView);
  }

  /** Deletes one numbered version, or the whole function when no qualifier is given. */
  delete(accountId: string, namespace: string, name: string, qualifier?: string): void {
    this.requireFunction(accountId, namespace, name);
    if (qualifier === undefined) {
      this.db.prepare('DELETE FROM functions WHERE account_id = ? AND namespace = ? AND name = ?').run(accountId, namespace, name);
      return;
    }
    if (qualifier === '$LATEST') {
      throw new LonghaulError('InvalidParameterValue.Qualifier', '$LATEST goes only with the whole function: omit Qualifier');
    }
    const { changes } = this.db
      .prepare('DELETE FROM function_versions WHERE account_id = ? AND namespace = ? AND name = ? AND version = ?')
      .run(accountId, namespace, name, qualifier);
    if (changes === 0) throw new LonghaulError('ResourceNotFound.Version', `Function ${name} has no version ${qualifier}`);
  }

  private async storeCode(zip: Buffer): Promise<{ sha256: string; size: number }> {
    try {
      await inspectZip(zip);
    } catch (err) {
      throw new LonghaulError('InvalidParameterValue.Code', `The code package is not a usable zip: ${(err as Error).message}`);
    }
    return { sha256: await this.codeStore.put(zip), size: zip.length };
  }

  private insertVersion(accountId: string, namespace: string, name: string, version: string, config: FunctionVersionConfig, time: string) {
    this.db
      .prepare(
        `INSERT INTO function_versions (account_id, namespace, name, version, handler, code_sha256, code_size,
         timeout_seconds, memory_mb, environment, description, logset_id, topic_id, mod_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(accountId, namespace, name, version, config.handler, config.codeSha256, config.codeSize, config.timeoutSeconds,
        config.memoryMb, JSON.stringify(config.environment), config.description, config.logsetId, config.topicId, time);
  }

  /** Throws ResourceNotFound.Function (or .Namespace) unless the function exists. */
  requireFunction(accountId: string, namespace: string, name: string): void {
    const found = this.db
      .prepare('SELECT 1 FROM functions WHERE account_id = ? AND namespace = ? AND name = ?')
      .get(accountId, namespace, name);
    if (found) return;
    this.requireNamespace(accountId, namespace);
    throw new LonghaulError('ResourceNotFound.Function', `Function ${name} does not exist in namespace ${namespace}`);
  }

  requireNamespace(accountId: string, namespace: string): void {
    const found = this.db.prepare('SELECT 1 FROM namespaces WHERE account_id = ? AND name = ?').get(accountId, namespace);
    if (!found) throw new LonghaulError('ResourceNotFound.Namespace', `Namespace ${namespace} does not exist`);
  }
}
