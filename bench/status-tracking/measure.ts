import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startApi } from '../../src/main/components';
import { type CallLog, emptyCallLog, instrumentedClient } from './instrument';
import { type BenchStack, benchFunction, trackingStartLiteral } from './stack';
import { sum } from './stats';

export const pageSize = 20;
/** Failed TIMER events of version 1: about 1 % of the events, spread over the whole fill. */
const filter = 'status=FAILED&invokeType=TIMER&qualifier=1';

export interface Case {
  name: string;
  path: string;
  /** The exact totalCount a list must answer; absent for overviews. */
  total?: number;
}

/** One measured run of one case: wall time over HTTP, and the Temporal calls the API made for it. */
export interface Sample {
  ms: number;
  counts: number;
  countMs: number;
  windowCounts: number;
  windowMs: number;
  lists: number;
  listMs: number;
  items: number;
}

export interface CaseResult {
  name: string;
  samples: Sample[];
  /** Every single count query's duration, over all runs. */
  countDurations: number[];
}

type Get = (pathAndQuery: string) => Promise<any>;

function casesFor(eventsPath: string, total: number, filteredTotal: number): Case[] {
  const deep = total - pageSize;
  const filteredDeep = Math.max(0, filteredTotal - pageSize);
  const list = (name: string, query: string, expected: number): Case => ({
    name,
    path: `${eventsPath}?${query}`,
    total: expected,
  });
  return [
    list('list, first page (StartTime DESC)', `limit=${pageSize}`, total),
    list('list, first page (EndTime DESC)', `limit=${pageSize}&orderBy=EndTime`, total),
    list(`list, deep page offset ${deep} (StartTime DESC)`, `limit=${pageSize}&offset=${deep}`, total),
    list(
      `list, deep page offset ${deep} (EndTime DESC)`,
      `limit=${pageSize}&offset=${deep}&orderBy=EndTime`,
      total,
    ),
    list('list, filtered, first page (StartTime DESC)', `${filter}&limit=${pageSize}`, filteredTotal),
    list(
      'list, filtered, first page (EndTime DESC)',
      `${filter}&limit=${pageSize}&orderBy=EndTime`,
      filteredTotal,
    ),
    list(
      `list, filtered, deep page offset ${filteredDeep} (StartTime DESC)`,
      `${filter}&limit=${pageSize}&offset=${filteredDeep}`,
      filteredTotal,
    ),
    list(
      `list, filtered, deep page offset ${filteredDeep} (EndTime DESC)`,
      `${filter}&limit=${pageSize}&offset=${filteredDeep}&orderBy=EndTime`,
      filteredTotal,
    ),
    { name: 'overview, all', path: `${eventsPath}/overview` },
    { name: 'overview, qualifier=1', path: `${eventsPath}/overview?qualifier=1` },
  ];
}

/**
 * Correctness, once, before timing anything: a deep DESC page is the first ASC page reversed, and the
 * filtered page holds only events of the filter.
 */
async function checkCases(get: Get, eventsPath: string, cases: Case[]): Promise<void> {
  const ids = (events: any[]) => events.map((e) => e.requestId as string).join();
  const pairs: [Case, string][] = [
    [cases[2]!, `${eventsPath}?limit=${pageSize}&order=ASC`],
    [cases[3]!, `${eventsPath}?limit=${pageSize}&order=ASC&orderBy=EndTime`],
    [cases[6]!, `${eventsPath}?${filter}&limit=${pageSize}&order=ASC`],
    [cases[7]!, `${eventsPath}?${filter}&limit=${pageSize}&order=ASC&orderBy=EndTime`],
  ];
  for (const [deep, ascPath] of pairs) {
    const d = (await get(deep.path)).events as any[];
    const a = (await get(ascPath)).events as any[];
    if (d.length !== Math.min(pageSize, a.length) || ids([...d].reverse()) !== ids(a)) {
      throw new Error(`deep page ${deep.path} is not the first ASC page reversed`);
    }
  }
  const filtered = (await get(cases[4]!.path)).events as any[];
  if (filtered.some((e) => e.status !== 'FAILED' || e.invokeType !== 'TIMER' || e.qualifier !== '1')) {
    throw new Error('the filtered page holds events outside the filter');
  }
  console.log(
    'checks passed: deep DESC pages equal first ASC pages reversed; filtered pages match the filter',
  );
}

function sampleOf(ms: number, log: CallLog): Sample {
  return {
    ms,
    counts: log.counts.length,
    countMs: sum(log.counts),
    windowCounts: log.windowCounts.length,
    windowMs: sum(log.windowCounts),
    lists: log.lists.length,
    listMs: sum(log.lists),
    items: log.listItems,
  };
}

/**
 * Serves the API on the stack with its Temporal client instrumented, checks what it answers against
 * visibility's own counts, then times every case (warm-ups first, one request at a time, over HTTP).
 */
export async function measure(
  stack: BenchStack,
  options: { runs: number; warmups: number },
): Promise<{ total: number; results: CaseResult[] }> {
  let log = emptyCallLog();
  const apiClient = instrumentedClient(
    stack.temporal.connection,
    stack.config.temporalNamespace,
    trackingStartLiteral(stack),
    () => log,
  );
  const temporal = { connection: stack.temporal.connection, client: apiClient };
  const api = await startApi(stack.config, stack.stores, temporal, pino({ level: 'silent' }), {
    visibilityIndexed: stack.devServer.visibilityIndexed,
  });
  stack.onCleanup(() => api.close());
  const auth = `Basic ${Buffer.from(`${stack.account.secretId}:${stack.account.secretKey}`).toString('base64')}`;
  const get: Get = async (pathAndQuery) => {
    const response = await fetch(api.url + pathAndQuery, { headers: { authorization: auth } });
    const body = (await response.json()) as any;
    if (response.status !== 200)
      throw new Error(`${pathAndQuery}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const eventsPath = `/v1/namespaces/${benchFunction.namespace}/functions/${benchFunction.name}/events`;
  const overview = await get(`${eventsPath}/overview`);
  const total = overview.total as number;
  console.log(`overview: ${JSON.stringify(overview)}`);
  const filteredTotal = (await get(`${eventsPath}?${filter}&limit=1`)).totalCount as number;
  console.log(`filtered query (${filter}) matches ${filteredTotal} events`);
  const cases = casesFor(eventsPath, total, filteredTotal);
  await checkCases(get, eventsPath, cases);

  console.log(
    `\nmeasuring: ${options.warmups} warm-ups + ${options.runs} runs per case, one request at a time, over HTTP\n`,
  );
  const results: CaseResult[] = [];
  for (const c of cases) {
    const result: CaseResult = { name: c.name, samples: [], countDurations: [] };
    for (let i = 0; i < options.warmups + options.runs; i++) {
      log = emptyCallLog();
      const t0 = performance.now();
      const body = await get(c.path);
      const ms = performance.now() - t0;
      if (
        c.total !== undefined &&
        (body.totalCount !== c.total || body.events.length !== Math.min(pageSize, c.total))
      ) {
        throw new Error(
          `${c.path}: totalCount ${body.totalCount}, ${body.events.length} events; expected ${c.total}`,
        );
      }
      if (i < options.warmups) continue;
      result.samples.push(sampleOf(ms, log));
      result.countDurations.push(...log.counts);
    }
    results.push(result);
  }
  return { total, results };
}
