/**
 * The SQL of searchAttempts, built once for both stores. Pure: it returns text and parameters, and every
 * value the caller gave is a parameter, never part of the text.
 */
import type { AttemptSearch } from './log-store';
import { asCount, attemptColumns, storableText, wholeNumber } from './store-rows';

/** Where the two SQL dialects differ for this query. */
export interface SearchDialect {
  /** The placeholder of the n-th parameter, counting from 1: `?` for SQLite, `$n` for PostgreSQL. */
  placeholder(position: number): string;
  /**
   * A condition true when `column` contains the text bound to `placeholder` as a case-sensitive substring,
   * with no wildcards (so not LIKE): SQLite's instr, PostgreSQL's strpos.
   */
  contains(column: string, placeholder: string): string;
}

export interface SearchQueries {
  /** `SELECT count(*) AS total ...` over every match. */
  countSql: string;
  countParams: unknown[];
  /** One page of AttemptRows, in the search's order. */
  pageSql: string;
  pageParams: unknown[];
}

export function buildAttemptSearch(search: AttemptSearch, dialect: SearchDialect): SearchQueries {
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };

  // Strictly one function of one account, whatever else the search says.
  const conditions = [
    `a.account_id = ${bind(storableText(search.accountId))}`,
    `a.namespace = ${bind(storableText(search.namespace))}`,
    `a.function_name = ${bind(storableText(search.functionName))}`,
  ];
  if (search.qualifier !== undefined)
    conditions.push(`a.qualifier = ${bind(storableText(search.qualifier))}`);
  if (search.requestId !== undefined)
    conditions.push(`a.request_id = ${bind(storableText(search.requestId))}`);
  if (search.startedFromMs !== undefined) {
    conditions.push(`a.started_at_ms >= ${bind(wholeNumber(search.startedFromMs))}`);
  }
  if (search.startedBeforeMs !== undefined) {
    conditions.push(`a.started_at_ms < ${bind(wholeNumber(search.startedBeforeMs))}`);
  }
  if (search.outcome === 'success') conditions.push('a.status_code = 200');
  if (search.outcome === 'failure') conditions.push('a.ended_at_ms IS NOT NULL AND a.status_code <> 200');
  // Every line contains the empty string; an empty search box means "no text filter", not "has output".
  if (search.text !== undefined && search.text !== '') {
    const text = bind(storableText(search.text));
    conditions.push(
      'EXISTS (SELECT 1 FROM log_lines l WHERE l.account_id = a.account_id AND l.request_id = a.request_id' +
        ` AND l.attempt = a.attempt AND ${dialect.contains('l.text', text)})`,
    );
  }

  const from = `FROM log_attempts a WHERE ${conditions.join(' AND ')}`;
  const countParams = [...params];
  // (started_at_ms, request_id, attempt) is unique within an account, so pages never overlap or skip.
  const direction = search.order === 'DESC' ? 'DESC' : 'ASC';
  const order = `ORDER BY a.started_at_ms ${direction}, a.request_id ${direction}, a.attempt ${direction}`;
  const limit = bind(asCount(search.limit));
  const offset = bind(asCount(search.offset));
  return {
    countSql: `SELECT count(*) AS total ${from}`,
    countParams,
    pageSql: `SELECT ${attemptColumns} ${from} ${order} LIMIT ${limit} OFFSET ${offset}`,
    pageParams: params,
  };
}
