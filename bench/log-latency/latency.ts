/**
 * One latency run: the bench function prints `rate` lines a second for `seconds`, a follower in its own
 * process receives them over SSE, and each line's delay (received - printed) is split into where it went
 * with the store's and the API client's timings (stack.ts).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { hiNow } from '../common/clock';
import { type Summary, summarize } from '../common/stats';
import type { FollowedLine, FollowerMessage } from './follower';
import type { PrintEvent, PrintResult } from './function';
import { type BenchStack, type SeqSpan, type Span, type WaitSpan, invoke } from './stack';

export interface Segments {
  /** printed -> the worker read it off the pipe (stored time, whole ms). */
  capture: number[];
  /** worker read -> the batch's append started (the batcher's wait). */
  batching: number[];
  /** append start -> append done (the store's write). */
  write: number[];
  /** append done -> the follower's read of the line started (wake-up: direct, poll or NOTIFY). */
  wake: number[];
  /** the read itself. */
  read: number[];
  /** read done -> received by the client (SSE write, HTTP, client parse). */
  deliver: number[];
}

export interface RateResult {
  rate: number;
  seconds: number;
  expected: number;
  received: number;
  inOrderOnce: boolean;
  orderNote: string;
  achievedRate: number;
  maxLateMs: number;
  delay: Summary;
  /** Delay from Date.now() at both ends (whole ms), as a check of the hi-res clock. */
  delayMsClock: Summary;
  segments: Record<keyof Segments, Summary>;
  /** Lines whose wait between append and read overlapped a status check (describe) of the follower. */
  statusChecks: { count: number; durations: Summary; linesBehindOne: number; delayBehind: Summary; delayOthers: Summary };
  /** Waits begun while stored lines were unread (see staleWaits), and the lines they held back. */
  staleWaits: { count: number; of: number; timedOut: number; longestMs: number; lines: number; delayOfLines: Summary };
  appendBatches: number;
  linesPerAppend: number;
  readBatches: number;
  sseChunks: number;
  eventLoopDelay: { p99: number; max: number };
  cpuPercent: number;
  endStatus: string;
}

function follower(stack: BenchStack, requestId: string) {
  const child = fork(path.join(__dirname, 'follower.ts'), [JSON.stringify({ url: stack.api.url, authorization: stack.authorization, requestId })]);
  let onMessage: (m: FollowerMessage) => void = () => undefined;
  const next = (type: FollowerMessage['type'], timeoutMs: number) =>
    new Promise<FollowerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`follower: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      onMessage = (m) => {
        if (m.type !== type && m.type !== 'error') return;
        clearTimeout(timer);
        if (m.type === 'error') reject(new Error(`follower failed: ${m.message}`));
        else resolve(m);
      };
    });
  child.on('message', (m) => onMessage(m as FollowerMessage));
  child.on('exit', (code) => {
    if (code !== 0) onMessage({ type: 'error', message: `follower exited with ${code}` });
  });
  return { child, next };
}

/** The span among `spans` (disjoint seq ranges) that covers `seq`. */
function finder(spans: SeqSpan[]) {
  const sorted = [...spans].sort((a, b) => a.firstSeq - b.firstSeq);
  return (seq: number): SeqSpan | undefined => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const span = sorted[mid]!;
      if (span.lastSeq < seq) lo = mid + 1;
      else if (span.firstSeq > seq) hi = mid - 1;
      else return span;
    }
    return undefined;
  };
}

/**
 * Waits for lines that began while lines already stored were still unread (appended before the wait, read
 * only after it ended): the follower slept on lines it had. Such a wait ends at the next wake-up for later
 * lines, or at its timeout (the status-check interval, up to 1 s).
 */
function staleWaits(appends: SeqSpan[], readOf: (seq: number) => SeqSpan | undefined, waits: WaitSpan[]) {
  const stale = new Set<WaitSpan>();
  const missed = new Set<SeqSpan>();
  for (const a of appends) {
    const r = readOf(a.firstSeq);
    if (!r) continue;
    for (const w of waits) {
      if (w.startHi > a.endHi && w.endHi <= r.startHi + 0.5) {
        stale.add(w);
        missed.add(a);
      }
    }
  }
  return { stale: [...stale], missed };
}

function orderCheck(lines: FollowedLine[], expected: number, ids: string[]): { ok: boolean; note: string } {
  const problems: string[] = [];
  for (let i = 0; i < lines.length && problems.length < 3; i++) {
    if (lines[i]!.seq !== i + 1) problems.push(`position ${i + 1} holds line ${lines[i]!.seq}`);
  }
  if (lines.length !== expected) problems.push(`${lines.length} of ${expected} lines`);
  const parsed = ids.map((id) => id.split('-').map(Number) as [number, number]);
  const rising = parsed.every((p, i) => i === 0 || p[0] > parsed[i - 1]![0] || (p[0] === parsed[i - 1]![0] && p[1] > parsed[i - 1]![1]));
  if (!rising) problems.push('SSE ids not strictly rising');
  return { ok: problems.length === 0, note: problems.length ? problems.join('; ') : `all ${expected}, in order, once each` };
}

export async function runRate(stack: BenchStack, rate: number, seconds: number, lineBytes: number): Promise<RateResult> {
  const lines = Math.round(rate * seconds);
  const goFile = path.join(stack.tmp, `go-${stack.kind}-${rate}-${Date.now()}`);
  const event: PrintEvent = { rate, lines, goFile, lineBytes };
  const requestId = await invoke(stack, event);
  const { child, next } = follower(stack, requestId);
  try {
    await next('ready', 60_000);
    const describesBefore = stack.timings.describes.length;
    const eld = monitorEventLoopDelay({ resolution: 5 });
    eld.enable();
    const cpu = process.cpuUsage();
    const startHi = hiNow();
    fs.writeFileSync(goFile, '');
    const done = (await next('done', (seconds + 120) * 1000)) as Extract<FollowerMessage, { type: 'done' }>;
    const wallMs = hiNow() - startHi;
    const used = process.cpuUsage(cpu);
    eld.disable();
    const got = done.lines;
    const check = orderCheck(got, lines, done.ids);
    const end = done.end as { status?: string; result?: unknown; statusCode?: number } | undefined;
    const result = parseResult(end?.result);

    const appendOf = finder(stack.timings.appends.get(requestId) ?? []);
    const readOf = finder(stack.timings.reads.get(requestId) ?? []);
    const seg: Segments = { capture: [], batching: [], write: [], wake: [], read: [], deliver: [] };
    for (const l of got) {
      const a = appendOf(l.storeSeq);
      const r = readOf(l.storeSeq);
      seg.capture.push(l.workerReadMs - l.printedMs);
      if (a) {
        seg.batching.push(a.startHi - l.workerReadMs);
        seg.write.push(a.endHi - a.startHi);
      }
      if (a && r) seg.wake.push(r.startHi - a.endHi);
      if (r) {
        seg.read.push(r.endHi - r.startHi);
        seg.deliver.push(l.receivedHi - r.endHi);
      }
    }
    const describes = stack.timings.describes.slice(describesBefore).filter((d) => d.startHi >= startHi);
    const behind: number[] = [];
    const others: number[] = [];
    for (const l of got) {
      const a = appendOf(l.storeSeq);
      const r = readOf(l.storeSeq);
      const waited: Span | undefined = a && r ? { startHi: a.endHi, endHi: r.startHi } : undefined;
      const overlaps = waited !== undefined && describes.some((d) => d.startHi < waited.endHi && d.endHi > waited.startHi);
      (overlaps ? behind : others).push(l.receivedHi - l.printedHi);
    }
    const appends = stack.timings.appends.get(requestId) ?? [];
    const waits = stack.timings.waits.get(requestId) ?? [];
    const { stale, missed } = staleWaits(appends, readOf, waits);
    const heldBack = got.filter((l) => {
      const a = appendOf(l.storeSeq);
      return a !== undefined && missed.has(a);
    });
    const summaries = Object.fromEntries(Object.entries(seg).map(([k, v]) => [k, summarize(v)])) as Record<keyof Segments, Summary>;
    return {
      rate,
      seconds,
      expected: lines,
      received: got.length,
      inOrderOnce: check.ok,
      orderNote: check.note,
      achievedRate: result && result.printed > 1 ? ((result.printed - 1) * 1000) / (result.lastHi - result.firstHi) : NaN,
      maxLateMs: result?.maxLateMs ?? NaN,
      delay: summarize(got.map((l) => l.receivedHi - l.printedHi)),
      delayMsClock: summarize(got.map((l) => l.receivedMs - l.printedMs)),
      segments: summaries,
      statusChecks: {
        count: describes.length,
        durations: summarize(describes.map((d) => d.endHi - d.startHi)),
        linesBehindOne: behind.length,
        delayBehind: summarize(behind),
        delayOthers: summarize(others),
      },
      staleWaits: {
        count: stale.length,
        of: waits.length,
        timedOut: stale.filter((w) => w.endHi - w.startHi >= w.maxWaitMs - 1).length,
        longestMs: Math.max(0, ...stale.map((w) => w.endHi - w.startHi)),
        lines: heldBack.length,
        delayOfLines: summarize(heldBack.map((l) => l.receivedHi - l.printedHi)),
      },
      appendBatches: appends.length,
      linesPerAppend: appends.length ? appends.reduce((n, a) => n + a.lastSeq - a.firstSeq + 1, 0) / appends.length : NaN,
      readBatches: (stack.timings.reads.get(requestId) ?? []).length,
      sseChunks: done.chunks,
      eventLoopDelay: { p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
      cpuPercent: ((used.user + used.system) / 1000 / wallMs) * 100,
      endStatus: `${end?.status ?? '?'} ${end?.statusCode ?? ''}`.trim(),
    };
  } finally {
    child.kill();
    fs.rmSync(goFile, { force: true });
  }
}

function parseResult(raw: unknown): PrintResult | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  return value as PrintResult;
}
