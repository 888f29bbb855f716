import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { LogKey, LogLine, LogStore } from './log-store';

export interface BatchingOptions {
  /**
   * Writes start at most this often: a line after a quiet spell is written at once, lines that follow
   * within the interval wait for the next write, so a chatty function costs one write per interval.
   */
  flushIntervalMs: number;
  /** A batch is written at once when its lines reach this many bytes. */
  flushBytes: number;
  /** Above this many bytes waiting or being written, the producer is asked to pause. */
  maxBufferedBytes: number;
  /** How long a failing write is retried before its batch is given up (and said so in the worker's log). */
  retryForMs: number;
}

export const defaultBatching: BatchingOptions = {
  flushIntervalMs: 20,
  flushBytes: 256 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  retryForMs: 60_000,
};

/** Batches hold at most this many lines, whatever their size, so one insert stays a modest statement. */
const maxBatchLines = 1000;

/**
 * Writes one event's lines to the store in batches, by size and by time, one write at a time so lines land
 * in order. Memory is bounded by backpressure: past `maxBufferedBytes` it calls `onPressure(true)` so the
 * capture stops reading the function's pipes, and `onPressure(false)` once half of it has been written.
 */
export class LogBatcher {
  private pending: LogLine[] = [];
  private pendingBytes = 0;
  private writingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private pressured = false;
  private lastWriteAt = -Infinity;
  /** The most bytes ever held at once: what the bounds promise, observable by tests and benchmarks. */
  peakBufferedBytes = 0;
  droppedLines = 0;

  constructor(
    private readonly store: LogStore,
    private readonly key: LogKey,
    private readonly options: BatchingOptions,
    private readonly logger: Logger,
    private readonly onPressure: (high: boolean) => void = () => undefined,
  ) {}

  get bufferedBytes(): number {
    return this.pendingBytes + this.writingBytes;
  }

  add(line: LogLine): void {
    this.pending.push(line);
    this.pendingBytes += Buffer.byteLength(line.text) + 32;
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.bufferedBytes);
    if (!this.pressured && this.bufferedBytes > this.options.maxBufferedBytes) {
      this.pressured = true;
      this.onPressure(true);
    }
    if (this.pendingBytes >= this.options.flushBytes || this.pending.length >= maxBatchLines) this.kick();
    else this.scheduleKick();
  }

  /** The next write starts one interval after the last one began, or at once (next turn) after a quiet spell. */
  private scheduleKick(): void {
    const delay = Math.max(0, this.lastWriteAt + this.options.flushIntervalMs - Date.now());
    this.timer ??= setTimeout(() => this.kick(), delay);
  }

  /** Writes everything added so far and resolves once it is stored (or given up). */
  async close(): Promise<void> {
    while (this.pending.length > 0 || this.writing) {
      this.kick();
      await this.writing;
    }
    clearTimeout(this.timer);
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.pending.length === 0) return;
    this.lastWriteAt = Date.now();
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) this.scheduleKick();
    });
  }

  /** Keeps writing while full batches are waiting; a partial batch waits for the timer. */
  private async writeAll(): Promise<void> {
    do {
      let bytes = 0;
      let count = 0;
      while (count < this.pending.length && count < maxBatchLines && bytes < this.options.flushBytes) {
        bytes += Buffer.byteLength(this.pending[count]!.text) + 32;
        count += 1;
      }
      const batch = this.pending.splice(0, count);
      this.pendingBytes -= bytes;
      this.writingBytes = bytes;
      await this.writeWithRetry(batch);
      this.writingBytes = 0;
      if (this.pressured && this.bufferedBytes <= this.options.maxBufferedBytes / 2) {
        this.pressured = false;
        this.onPressure(false);
      }
    } while (this.pendingBytes >= this.options.flushBytes || this.pending.length >= maxBatchLines);
  }

  private async writeWithRetry(batch: LogLine[]): Promise<void> {
    const giveUpAt = Date.now() + this.options.retryForMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.store.appendLines(this.key, batch);
        return;
      } catch (err) {
        // Lines are keyed by (attempt, seq), so writing a batch again after an unclear failure is safe.
        if (Date.now() + delay > giveUpAt) {
          this.droppedLines += batch.length;
          this.logger.error({ err, lines: batch.length }, 'log store unavailable: a batch of lines was dropped');
          return;
        }
        this.logger.warn({ err: String(err), retryInMs: delay }, 'log store write failed; retrying');
        await sleep(delay);
      }
    }
  }
}
