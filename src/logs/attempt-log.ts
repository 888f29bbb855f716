import type { Logger } from 'pino';
import { type BatchingOptions, LogBatcher, defaultBatching } from './log-batcher';
import type { AttemptEnd, AttemptStart, LogStore, LogStream } from './log-store';
import { LineSplitter } from './line-splitter';
import { type AttemptSummary, platformLines } from './platform-lines';

export interface LogLimits extends BatchingOptions {
  /** Longer lines are cut, with a marker. */
  maxLineBytes: number;
  /** Output of one attempt past this is dropped, after one marker line. */
  maxAttemptBytes: number;
}

export const defaultLogLimits: LogLimits = {
  ...defaultBatching,
  maxLineBytes: 16 * 1024,
  maxAttemptBytes: 64 * 1024 * 1024,
};

/**
 * One attempt's log on its way to the store: the function's stdout and stderr split into lines, numbered
 * in the order they were read, framed by platform lines (start, end, report), bounded per line and per
 * attempt, and written in batches with backpressure. The activity owns one per attempt; the function only
 * ever produces bytes on its pipes, so it cannot write into another event's log.
 */
export class AttemptLog {
  private seq = 0;
  private storedBytes = 0;
  private capped = false;
  /** One per stream and source: framed (the runner's) and raw (fd 1/2) bytes must not join into one line. */
  private readonly splitters: Record<'stdout' | 'stderr' | 'raw-stdout' | 'raw-stderr', LineSplitter>;
  private readonly batcher: LogBatcher;

  constructor(
    private readonly store: LogStore,
    private readonly start: AttemptStart,
    private readonly limits: LogLimits,
    logger: Logger,
    onPressure: (high: boolean) => void,
  ) {
    const key = { accountId: start.accountId, requestId: start.requestId };
    this.batcher = new LogBatcher(store, key, limits, logger, onPressure);
    const splitter = (stream: 'stdout' | 'stderr') =>
      new LineSplitter(limits.maxLineBytes, (text) => this.userLine(stream, text));
    this.splitters = {
      stdout: splitter('stdout'),
      stderr: splitter('stderr'),
      'raw-stdout': splitter('stdout'),
      'raw-stderr': splitter('stderr'),
    };
  }

  /** Records the attempt and writes its start line. */
  async begin(): Promise<void> {
    await this.store.beginAttempt(this.start);
    this.platform(platformLines.start(this.start));
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer, raw = false): void {
    this.splitters[raw ? (`raw-${stream}` as const) : stream].push(chunk);
  }

  platform(text: string): void {
    this.add('platform', text);
  }

  /** Writes the end and report lines, waits until every line is stored, then records the ending. */
  async end(summary: AttemptSummary): Promise<void> {
    for (const splitter of Object.values(this.splitters)) splitter.flush();
    this.platform(platformLines.end(this.start.requestId));
    this.platform(platformLines.report(this.start.requestId, summary));
    await this.batcher.close();
    const end: AttemptEnd = {
      accountId: this.start.accountId,
      requestId: this.start.requestId,
      attempt: this.start.attempt,
      endedAtMs: Date.now(),
      statusCode: summary.statusCode,
      message: summary.message,
      durationMs: summary.durationMs,
      billedDurationMs: Math.ceil(summary.durationMs),
      memUsageBytes: summary.memUsageBytes,
    };
    await this.store.endAttempt(end);
  }

  /** Bytes held in memory for the store right now, and the most ever held (for tests and benchmarks). */
  get buffered(): { now: number; peak: number } {
    return { now: this.batcher.bufferedBytes, peak: this.batcher.peakBufferedBytes };
  }

  private userLine(stream: LogStream, text: string): void {
    if (this.capped) return;
    const bytes = Buffer.byteLength(text);
    if (this.storedBytes + bytes > this.limits.maxAttemptBytes) {
      this.capped = true;
      this.platform(platformLines.volumeCapped(this.limits.maxAttemptBytes));
      return;
    }
    this.storedBytes += bytes;
    this.add(stream, text);
  }

  private add(stream: LogStream, text: string): void {
    this.seq += 1;
    this.batcher.add({ attempt: this.start.attempt, seq: this.seq, stream, timeMs: Date.now(), text });
  }
}
