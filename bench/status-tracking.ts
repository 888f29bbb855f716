/**
 * Status-tracking benchmark: fills an embedded stack (Temporal dev server on a SQLite file, as `npm start`
 * runs it) with many events, then times the list and overview endpoints through real HTTP.
 *
 *   LONGHAUL_TEMPORAL_CLI=/root/.cache/longhaul/temporal-cli-v1.5.1/temporal \
 *     npx tsx bench/status-tracking.ts [--events 100000] [--concurrency 64] [--runs 30] [--warmups 3]
 *
 * The events are real `functionEventWorkflow` workflows (the real workflow bundle, the gateway's workflow id
 * scheme, search attributes and input shape), started in bulk through the Temporal client. Their
 * `runFunction` activity is a BENCH STAND-IN that runs in this process and spawns no user code: it returns
 * at once, fails at once, waits to be cancelled, or stays running, as the event's payload says. The
 * benchmark measures listing, not execution. See docs/performance.md for measured figures.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { Client, type Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import yazl from 'yazl';
import { loadConfig } from '../src/config';
import { requestIdFor } from '../src/events/request-id';
import { startApi } from '../src/main/components';
import { connectClient, openStores } from '../src/main/services';
import { ensureFirstAccount } from '../src/registry/first-account';
import type { FunctionView } from '../src/registry/functions';
import { startDevServer } from '../src/temporal/dev-server';
import { prepareNamespace } from '../src/temporal/namespace-setup';
import { workflowsPath } from '../src/worker/create-worker';
import type { FunctionActivities } from '../activities/types';
import {
  type EventFailureDetails,
  type EventInput,
  type EventSuccess,
  type RunReport,
  failureTypes,
} from '../workflows/contracts';
import { searchAttributes as sa } from '../workflows/search-attributes';
import { statusCodes } from '../workflows/status-codes';

// ---------------------------------------------------------------------------------------------- options

function textOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive whole number`);
  return value;
}

const totalEvents = option('events', 100_000);
const fillConcurrency = option('concurrency', 64);
/** At most this many events started but not yet picked up by the worker: the dev server's SQLite is one writer. */
const fillWindow = option('window', 256);
const runs = option('runs', 30);
const warmups = option('warmups', 3);
/** Where the temporary data dir goes (e.g. /dev/shm: see docs/performance.md on fsync and fill speed). */
const tmpParent = textOption('tmp', os.tmpdir());
const pageSize = 20;
const functionName = 'bench-status';
const namespace = 'default';

// The SDK's own lines (20 % of the events fail on purpose) would drown the report.
// No shutdown signals: the bench stops the worker itself, after the dev server (see cleanup).
// Core's own lines are filtered too: after the server stops, the worker retries its last reports loudly.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  shutdownSignals: [],
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
});
const silent = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------- the mix

type Kind = 'finish' | 'fail' | 'abort' | 'run';
const kindToStatus: Record<Kind, 'FINISHED' | 'FAILED' | 'ABORTED' | 'RUNNING'> = {
  finish: 'FINISHED',
  fail: 'FAILED',
  abort: 'ABORTED',
  run: 'RUNNING',
};
const versions = ['$LATEST', '1', '2', '3'] as const;
const invokeTypeMix: [string, number][] = [
  ['API', 0.4],
  ['TIMER', 0.25],
  ['CMQ', 0.15],
  ['COS', 0.1],
  ['APIGW', 0.1],
];

/** A small seeded PRNG (mulberry32): the same mix on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: number, weighted: [T, number][]): T {
  let acc = 0;
  for (const [value, weight] of weighted) {
    acc += weight;
    if (r < acc) return value;
  }
  return weighted[weighted.length - 1]![0];
}

interface Planned {
  kind: Kind;
  version: (typeof versions)[number];
  invokeType: string;
}

function plan(n: number): Planned[] {
  const random = prng(20260521);
  const out: Planned[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick<Kind>(random(), [
      ['finish', 0.6],
      ['fail', 0.2],
      ['abort', 0.1],
      ['run', 0.1],
    ]);
    const version = pick(random(), [
      ['$LATEST', 0.4],
      ['1', 0.2],
      ['2', 0.2],
      ['3', 0.2],
    ] as [(typeof versions)[number], number][]);
    out.push({ kind, version, invokeType: pick(random(), invokeTypeMix) });
  }
  return out;
}

// ------------------------------------------------------------------------------- the stand-in activity

interface BenchPayload {
  bench: Kind;
  seq: number;
}

/** Hooks the activity calls back into the bench with (it runs in this process). */
const hooks = {
  /** An `abort` event's activity has started: the bench cancels its workflow, as a terminate would. */
  onAbortStarted: (_workflowId: string) => {},
  activitiesRun: 0,
};

function report(statusCode: number, startedAt: number): RunReport {
  return { statusCode, durationMs: Date.now() - startedAt, memUsageBytes: 0, logTail: '', attempt: Context.current().info.attempt };
}

/**
 * BENCH STAND-IN for `runFunction`: no process, no code package. `finish` returns at once, `fail` throws the
 * non-retryable failure the real activity throws for a handler error, `abort` heartbeats until the bench
 * cancels it, `run` heartbeats and waits until the bench ends.
 */
async function benchRunFunction(input: EventInput): Promise<EventSuccess> {
  const ctx = Context.current();
  const startedAt = Date.now();
  const payload = input.payload as BenchPayload;
  hooks.activitiesRun += 1;
  switch (payload.bench) {
    case 'finish':
      return { ...report(statusCodes.success, startedAt), result: { ok: true, seq: payload.seq } };
    case 'fail': {
      const details: EventFailureDetails = {
        ...report(statusCodes.userError, startedAt),
        errorType: 'Error',
        errorMessage: `bench failure ${payload.seq}`,
      };
      throw ApplicationFailure.create({ type: failureTypes.userError, message: details.errorMessage, nonRetryable: true, details: [details] });
    }
    case 'abort':
    case 'run': {
      ctx.heartbeat({ seq: payload.seq });
      // The SDK throttles what reaches the server (0.8 × the heartbeat timeout, see the worker below).
      const timer = setInterval(() => ctx.heartbeat({ seq: payload.seq }), payload.bench === 'abort' ? 1000 : 60_000);
      if (payload.bench === 'abort') hooks.onAbortStarted(ctx.info.workflowExecution!.workflowId);
      try {
        await ctx.cancelled;
        throw new Error('unreachable');
      } catch (err) {
        if (err instanceof CancelledFailure && ctx.cancellationDetails?.cancelRequested) {
          throw new CancelledFailure('Terminated on request', [report(statusCodes.cancelled, startedAt)]);
        }
        // The worker is going away (end of the bench).
        throw ApplicationFailure.retryable('The worker stopped while the function ran', failureTypes.platformInterrupted);
      } finally {
        clearInterval(timer);
      }
    }
  }
}

// ------------------------------------------------------------------------------- measuring the client

interface QueryStats {
  counts: number[];
  /** The counts that narrow a page's window (a time bound beyond the tracking start), a subset of counts. */
  windowCounts: number[];
  lists: number[];
  listItems: number;
}

const emptyStats = (): QueryStats => ({ counts: [], windowCounts: [], lists: [], listItems: 0 });
let stats = emptyStats();

/** The API's own Temporal client, with count and list timed (one request runs at a time while measuring). */
function instrumentedClient(connection: Connection, ns: string): Client {
  const client = new Client({ connection, namespace: ns });
  const wf = client.workflow;
  const count = wf.count.bind(wf);
  const list = wf.list.bind(wf);
  wf.count = async (query?: string) => {
    const t0 = performance.now();
    try {
      return await count(query);
    } finally {
      const ms = performance.now() - t0;
      stats.counts.push(ms);
      // Every query carries `StartTime >= trackedSince`; the window searches add one more time bound.
      if ((query?.match(/\b(StartTime|CloseTime) (>=|<=|>|<) /g)?.length ?? 0) > 1) stats.windowCounts.push(ms);
    }
  };
  wf.list = ((options?: Parameters<typeof list>[0]) => {
    const inner = list(options);
    const timed = async function* (): AsyncGenerator<WorkflowExecutionInfo> {
      const t0 = performance.now();
      try {
        for await (const item of inner) {
          stats.listItems += 1;
          yield item;
        }
      } finally {
        stats.lists.push(performance.now() - t0);
      }
    };
    return Object.assign(timed(), { intoHistories: inner.intoHistories.bind(inner) });
  }) as typeof wf.list;
  return client;
}

// ---------------------------------------------------------------------------------------------- helpers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

function rssMb(pid: number | 'self'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const fmt = (ms: number) => ms.toFixed(1);

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const cli = process.env.LONGHAUL_TEMPORAL_CLI;
  if (!cli) throw new Error('LONGHAUL_TEMPORAL_CLI is not set (the temporal CLI binary scripts/bootstrap.mjs resolves)');
  const cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  console.log(`status-tracking bench: ${totalEvents} events, ${fillConcurrency} starts in flight, ${warmups} warm-ups + ${runs} runs per case`);
  console.log(`machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`);
  console.log('NOTE: runFunction is a bench stand-in (in-process, no user code): this measures listing, not execution.\n');

  const dataDir = fs.mkdtempSync(path.join(tmpParent, 'longhaul-bench-'));
  const cleanups: (() => unknown)[] = [() => fs.rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        console.error('cleanup step failed:', err);
      }
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\ninterrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // --- the embedded stack's pieces on a fresh data dir
    const config = loadConfig({
      LONGHAUL_DATA_DIR: dataDir,
      LONGHAUL_PORT: '0',
      LONGHAUL_TASK_QUEUE: 'longhaul-bench',
      LONGHAUL_TEMPORAL_CLI: cli,
    });
    const [port, uiPort] = [await freePort(), await freePort()];
    const devServer = await startDevServer({ cli, dataDir, port, uiPort, ui: false });
    cleanups.push(() => devServer.stop());
    const sqliteFile = path.join(dataDir, 'temporal', 'temporal.sqlite');
    console.log(`dev server ${devServer.address} (pid ${devServer.process.pid}), SQLite file ${sqliteFile}`);

    const temporal = await connectClient(devServer.address, config.temporalNamespace);
    cleanups.push(() => temporal.connection.close());
    await prepareNamespace(temporal.connection, config.temporalNamespace, config.eventRetentionHours);
    const client = temporal.client;

    const stores = openStores(dataDir);
    cleanups.push(() => stores.db.close());
    const first = ensureFirstAccount(config, stores.accounts, stores.namespaces);
    const zip = await zipOf({ 'index.js': 'exports.main = async (event) => event;\n' });
    await stores.registry.create(first.accountId, {
      namespace,
      name: functionName,
      runtime: 'Nodejs18.15',
      handler: 'index.main',
      zip,
      timeoutSeconds: config.maxAsyncTimeoutSeconds,
      memoryMb: 128,
      environment: {},
      description: 'status-tracking bench',
      asyncRunEnable: true,
      traceEnable: true,
    });
    const fnByVersion = new Map<string, FunctionView>();
    fnByVersion.set('$LATEST', stores.registry.get(first.accountId, namespace, functionName));
    for (const _ of versions.slice(1)) {
      const published = stores.registry.publishVersion(first.accountId, namespace, functionName);
      fnByVersion.set(published.version, published);
    }

    // --- the bench worker: the real workflow bundle, the stand-in activity
    const t0Bundle = performance.now();
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
    console.log(`workflow bundle built in ${fmt(performance.now() - t0Bundle)} ms`);
    const workerConnection = await NativeConnection.connect({ address: devServer.address });
    const planned = plan(totalEvents);
    const expected = { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 };
    for (const p of planned) expected[kindToStatus[p.kind]] += 1;
    const activities: FunctionActivities = { runFunction: benchRunFunction };
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      workflowBundle,
      activities,
      // Every RUNNING event holds a slot until the end, plus room for the ones passing through.
      maxConcurrentActivityTaskExecutions: expected.RUNNING + 2000,
      maxConcurrentWorkflowTaskExecutions: 100,
      // Heartbeats reach the server at 0.8 × the heartbeat timeout, capped here: 8 s for `abort` events
      // (timeout 10 s, so a cancel lands within seconds), 240 s for the idle `run` ones (timeout 300 s).
      maxHeartbeatThrottleInterval: '240s',
      defaultHeartbeatThrottleInterval: '8s',
      shutdownGraceTime: '1s',
    });
    const workerRun = worker.run();
    cleanups.push(async () => {
      // The server goes first: a worker shutting down with thousands of running activities would otherwise
      // report each one back (and the server would schedule retries) before it lets go.
      await devServer.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      const ended = await Promise.race([workerRun.then(() => true, () => true), sleep(10_000).then(() => false)]);
      if (ended) await workerConnection.close();
      else console.log('  worker still draining after 10 s; the process exit ends it');
    });

    const cancels = new Set<Promise<void>>();
    let cancelErrors = 0;
    hooks.onAbortStarted = (workflowId) => {
      const p = client.workflow
        .getHandle(workflowId)
        .cancel()
        .then(
          () => undefined,
          () => {
            cancelErrors += 1;
          },
        )
        .finally(() => cancels.delete(p));
      cancels.add(p);
    };

    // --- fill: real functionEventWorkflow starts, gateway-shaped, bounded concurrency
    console.log(
      `\nfilling: ${expected.FINISHED} FINISHED, ${expected.FAILED} FAILED, ${expected.ABORTED} ABORTED, ${expected.RUNNING} RUNNING; ` +
        `versions ${versions.join('/')}, invoke types ${invokeTypeMix.map(([t]) => t).join('/')}`,
    );
    let started = 0;
    const fillStart = performance.now();
    const progress = setInterval(() => {
      const s = (performance.now() - fillStart) / 1000;
      console.log(`  ${s.toFixed(0)} s: ${started} started (${(started / s).toFixed(0)}/s), ${hooks.activitiesRun} activities run, rss ${rssMb('self')} MB, server rss ${rssMb(devServer.process.pid!)} MB`);
    }, 15_000);
    let launched = 0;
    await pool(totalEvents, fillConcurrency, async (i) => {
      // Back-pressure: flooding the dev server with starts starves the worker's own calls (SQLite, one writer).
      while (launched - hooks.activitiesRun >= fillWindow) await sleep(10);
      launched += 1;
      const p = planned[i]!;
      const fn = fnByVersion.get(p.version)!;
      const requestId = requestIdFor({ accountId: fn.accountId, namespace, functionName, functionCreatedAt: fn.addTime });
      const input: EventInput = {
        requestId,
        fn: {
          accountId: fn.accountId,
          namespace: fn.namespace,
          functionName: fn.name,
          version: fn.version,
          runtime: fn.runtime,
          handler: fn.handler,
          codeSha256: fn.codeSha256,
          timeoutSeconds: fn.timeoutSeconds,
          memoryMb: fn.memoryMb,
          environment: fn.environment,
        },
        invokeType: p.invokeType,
        async: true,
        payload: { bench: p.kind, seq: i } satisfies BenchPayload,
        // The configured default, except for the events left running: the longest allowed, so 10 % of the
        // events idling until the end cost a heartbeat each every 240 s, not one a second.
        heartbeatTimeoutSeconds: p.kind === 'run' ? 300 : config.heartbeatTimeoutSeconds,
        terminateGraceSeconds: config.terminateGraceSeconds,
      };
      const { fn: snap } = input;
      await client.workflow.start('functionEventWorkflow', {
        workflowId: requestId,
        taskQueue: config.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: sa.account, value: snap.accountId },
          { key: sa.namespace, value: snap.namespace },
          { key: sa.functionName, value: snap.functionName },
          { key: sa.version, value: snap.version },
          { key: sa.invokeType, value: input.invokeType },
          { key: sa.statusCode, value: 0 },
        ],
        staticSummary: `${snap.namespace}/${snap.functionName}:${snap.version} (${input.invokeType}, async)`,
        staticDetails: [
          `**Function** ${snap.namespace}/${snap.functionName}, version ${snap.version}`,
          `**Runtime** ${snap.runtime}, handler \`${snap.handler}\`, timeout ${snap.timeoutSeconds} s, ${snap.memoryMb} MB`,
          `**Code** sha256 ${snap.codeSha256}`,
        ].join('\n\n'),
      });
      started += 1;
    });
    const startSeconds = (performance.now() - fillStart) / 1000;
    console.log(`all ${totalEvents} started in ${startSeconds.toFixed(1)} s: ${(totalEvents / startSeconds).toFixed(0)} starts/s`);

    // --- wait until visibility shows every event, with its final status
    const fn = fnByVersion.get('$LATEST')!;
    const base = [
      `${sa.account.name} = '${fn.accountId}'`,
      `${sa.namespace.name} = '${namespace}'`,
      `${sa.functionName.name} = '${functionName}'`,
    ].join(' AND ');
    let lastLog = 0;
    let lastChange = performance.now();
    let last = '';
    for (;;) {
      const { count, groups } = await client.workflow.count(`${base} GROUP BY ExecutionStatus`);
      const running = groups.find((g) => String(g.groupValues[0]) === 'Running')?.count ?? 0;
      if (count === totalEvents && running === expected.RUNNING && cancels.size === 0) break;
      if (`${count}/${running}` !== last) {
        last = `${count}/${running}`;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > 10 * 60_000) {
        throw new Error(`visibility stuck at ${count} events, ${running} running (want ${totalEvents}, ${expected.RUNNING}) for 10 min`);
      }
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        const s = (performance.now() - fillStart) / 1000;
        console.log(`  ${s.toFixed(0)} s: visibility has ${count}, ${running} running (want ${expected.RUNNING}); ${cancels.size} cancels in flight`);
      }
      await sleep(1000);
    }
    clearInterval(progress);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    console.log(
      `filled: ${totalEvents} events settled in visibility after ${fillSeconds.toFixed(1)} s: ${(totalEvents / fillSeconds).toFixed(0)} events/s end to end` +
        (cancelErrors ? ` (${cancelErrors} cancel calls failed)` : ''),
    );

    // --- the API, with its Temporal client instrumented
    const apiClient = instrumentedClient(temporal.connection, config.temporalNamespace);
    const api = await startApi(config, stores, { connection: temporal.connection, client: apiClient }, silent);
    cleanups.push(() => api.close());
    const auth = `Basic ${Buffer.from(`${first.secretId}:${first.secretKey}`).toString('base64')}`;
    const eventsPath = `/v1/namespaces/${namespace}/functions/${functionName}/events`;
    const get = async (pathAndQuery: string) => {
      const response = await fetch(api.url + pathAndQuery, { headers: { authorization: auth } });
      const body = (await response.json()) as any;
      if (response.status !== 200) throw new Error(`${pathAndQuery}: ${response.status} ${JSON.stringify(body)}`);
      return body;
    };

    // What the checks compare against: visibility's own counts.
    const overviewAll = await get(`${eventsPath}/overview`);
    console.log(`overview: ${JSON.stringify(overviewAll)}`);
    for (const [status, n] of Object.entries(expected)) {
      if (overviewAll.counts[status] !== n) throw new Error(`overview says ${overviewAll.counts[status]} ${status}, planned ${n}`);
    }
    const filter = 'status=FAILED&invokeType=TIMER&qualifier=1';
    const filteredTotal = (await get(`${eventsPath}?${filter}&limit=1`)).totalCount as number;
    console.log(`filtered query (${filter}) matches ${filteredTotal} events`);

    const cases: { name: string; path: string; total?: number }[] = [
      { name: 'list, first page (StartTime DESC)', path: `${eventsPath}?limit=${pageSize}`, total: totalEvents },
      { name: 'list, first page (EndTime DESC)', path: `${eventsPath}?limit=${pageSize}&orderBy=EndTime`, total: totalEvents },
      { name: `list, deep page offset ${totalEvents - pageSize} (StartTime DESC)`, path: `${eventsPath}?limit=${pageSize}&offset=${totalEvents - pageSize}`, total: totalEvents },
      { name: `list, deep page offset ${totalEvents - pageSize} (EndTime DESC)`, path: `${eventsPath}?limit=${pageSize}&offset=${totalEvents - pageSize}&orderBy=EndTime`, total: totalEvents },
      { name: 'list, filtered, first page (StartTime DESC)', path: `${eventsPath}?${filter}&limit=${pageSize}`, total: filteredTotal },
      { name: 'list, filtered, first page (EndTime DESC)', path: `${eventsPath}?${filter}&limit=${pageSize}&orderBy=EndTime`, total: filteredTotal },
      { name: `list, filtered, deep page offset ${Math.max(0, filteredTotal - pageSize)} (StartTime DESC)`, path: `${eventsPath}?${filter}&limit=${pageSize}&offset=${Math.max(0, filteredTotal - pageSize)}`, total: filteredTotal },
      { name: `list, filtered, deep page offset ${Math.max(0, filteredTotal - pageSize)} (EndTime DESC)`, path: `${eventsPath}?${filter}&limit=${pageSize}&offset=${Math.max(0, filteredTotal - pageSize)}&orderBy=EndTime`, total: filteredTotal },
      { name: 'overview, all', path: `${eventsPath}/overview` },
      { name: 'overview, qualifier=1', path: `${eventsPath}/overview?qualifier=1` },
    ];

    // Correctness, once: a deep DESC page is the first ASC page reversed; filtered events match the filter.
    const sameIds = (a: any[], b: any[]) => a.map((e) => e.requestId).join() === b.map((e) => e.requestId).join();
    for (const [deep, asc] of [
      [cases[2]!.path, `${eventsPath}?limit=${pageSize}&order=ASC`],
      [cases[3]!.path, `${eventsPath}?limit=${pageSize}&order=ASC&orderBy=EndTime`],
      [cases[6]!.path, `${eventsPath}?${filter}&limit=${pageSize}&order=ASC`],
      [cases[7]!.path, `${eventsPath}?${filter}&limit=${pageSize}&order=ASC&orderBy=EndTime`],
    ] as const) {
      const d = (await get(deep)).events as any[];
      const a = (await get(asc)).events as any[];
      if (d.length !== Math.min(pageSize, a.length) || !sameIds([...d].reverse(), a)) {
        throw new Error(`deep page ${deep} is not the first ASC page reversed`);
      }
    }
    const filtered = (await get(cases[4]!.path)).events as any[];
    if (filtered.some((e) => e.status !== 'FAILED' || e.invokeType !== 'TIMER' || e.qualifier !== '1')) {
      throw new Error('the filtered page holds events outside the filter');
    }
    console.log('checks passed: deep DESC pages equal first ASC pages reversed; filtered pages match the filter');

    // --- measure
    console.log(`\nmeasuring: ${warmups} warm-ups + ${runs} runs per case, one request at a time, over HTTP\n`);
    const results: Record<'times' | 'counts' | 'countMs' | 'windowCounts' | 'windowMs' | 'lists' | 'listMs' | 'items', number[]>[] = [];
    const names: string[] = [];
    const loadBefore = os.loadavg();
    for (const c of cases) {
      names.push(c.name);
      const r = { times: [], counts: [], countMs: [], windowCounts: [], windowMs: [], lists: [], listMs: [], items: [] } as (typeof results)[number];
      const perCount: number[] = [];
      for (let i = 0; i < warmups + runs; i++) {
        stats = emptyStats();
        const t0 = performance.now();
        const body = await get(c.path);
        const elapsed = performance.now() - t0;
        if (c.total !== undefined && (body.totalCount !== c.total || body.events.length !== Math.min(pageSize, c.total))) {
          throw new Error(`${c.path}: totalCount ${body.totalCount}, ${body.events.length} events; expected ${c.total}`);
        }
        if (i < warmups) continue;
        r.times.push(elapsed);
        r.counts.push(stats.counts.length);
        r.countMs.push(stats.counts.reduce((a, b) => a + b, 0));
        r.windowCounts.push(stats.windowCounts.length);
        r.windowMs.push(stats.windowCounts.reduce((a, b) => a + b, 0));
        r.lists.push(stats.lists.length);
        r.listMs.push(stats.lists.reduce((a, b) => a + b, 0));
        r.items.push(stats.listItems);
        perCount.push(...stats.counts);
      }
      results.push(r);
      console.log(
        `  ${names[names.length - 1]}: median ${fmt(median(r.times))} ms, p95 ${fmt(percentile(r.times, 95))} ms; ` +
          `${fmt(mean(r.counts))} counts (median ${fmt(perCount.length ? median(perCount) : 0)} ms each), ${fmt(mean(r.lists))} lists`,
      );
    }

    const loadAfter = os.loadavg();
    const targetMs = 200;
    console.log(`\nlatency over HTTP, ${totalEvents} events, ${runs} runs after ${warmups} warm-ups (target: p95 < ${targetMs} ms)\n`);
    console.log(
      table(
        ['case', 'median ms', 'p95 ms', 'target'],
        results.map((r, i) => [names[i]!, fmt(median(r.times)), fmt(percentile(r.times, 95)), percentile(r.times, 95) < targetMs ? 'met' : 'MISSED']),
      ),
    );
    console.log(`\nwhere the time goes (means per request; Temporal client calls made by the API)\n`);
    console.log(
      table(
        ['case', 'count queries', 'of which window', 'ms in counts', 'ms per count', 'ms per window count', 'list calls', 'ms in lists', 'rows listed'],
        results.map((r, i) => [
          names[i]!,
          fmt(mean(r.counts)),
          fmt(mean(r.windowCounts)),
          fmt(mean(r.countMs)),
          fmt(mean(r.counts) ? mean(r.countMs) / mean(r.counts) : 0),
          fmt(mean(r.windowCounts) ? mean(r.windowMs) / mean(r.windowCounts) : 0),
          fmt(mean(r.lists)),
          fmt(mean(r.listMs)),
          fmt(mean(r.items)),
        ]),
      ),
    );
    const sqliteMb = ['', '-wal'].reduce((sum, suffix) => sum + (fs.existsSync(sqliteFile + suffix) ? fs.statSync(sqliteFile + suffix).size : 0), 0) / 2 ** 20;
    console.log(
      `\nfill: ${(totalEvents / startSeconds).toFixed(0)} starts/s (${startSeconds.toFixed(1)} s to start ${totalEvents}), ` +
        `${(totalEvents / fillSeconds).toFixed(0)} events/s until visibility had all final statuses (${fillSeconds.toFixed(1)} s)`,
    );
    console.log(
      `memory: bench process RSS ${rssMb('self')} MB (API + bench worker holding ${expected.RUNNING} running activities + client), ` +
        `dev server RSS ${rssMb(devServer.process.pid!)} MB, Temporal SQLite ${sqliteMb.toFixed(0)} MB`,
    );
    console.log(
      `load average (1/5/15 min) when measuring started ${loadBefore.map((l) => l.toFixed(2)).join('/')}, ` +
        `ended ${loadAfter.map((l) => l.toFixed(2)).join('/')} (${os.cpus().length} cores; anything else running shares them)`,
    );
    const serverLog = path.join(dataDir, 'temporal', 'server.log');
    const logText = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8') : '';
    console.log(
      `dev server log: ${(logText.match(/level=ERROR/g) ?? []).length} ERROR and ${(logText.match(/level=WARN/g) ?? []).length} WARN lines ` +
        `(persistence timeouts under fill load show up here)`,
    );
    console.log('NOTE: runFunction was a bench stand-in (in-process, no user code): these figures are for listing, not execution.');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) {
      console.log('\ncleaning up (worker, API, dev server, temp dir) ...');
      await cleanup();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
