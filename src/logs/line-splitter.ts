/**
 * Turns one stream's bytes into lines: split at `\n` (a trailing `\r` goes too), decoded as UTF-8 with
 * anything invalid replaced, NUL replaced (PostgreSQL text refuses it), and cut at a maximum length with
 * a visible marker. Memory per stream stays within one line's limit however the function writes.
 */

/** Appended to a line that was longer than the limit; what follows until its newline is dropped. */
export const cutMarker = ' …[line cut: longer than the limit]';

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Valid UTF-8 text without NUL from arbitrary bytes; the replacement character marks what was not. */
export function safeText(bytes: Uint8Array): string {
  return decoder.decode(bytes).replaceAll('\u0000', '\uFFFD');
}

/** The largest prefix length ≤ `limit` that does not split a UTF-8 sequence. */
function charBoundary(bytes: Uint8Array, limit: number): number {
  let end = Math.min(limit, bytes.length);
  // Continuation bytes are 10xxxxxx: step back to the byte that starts the sequence.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return end;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** True while dropping the rest of a line that was already cut. */
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (text: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.skipping) this.append(chunk.subarray(start, end));
      if (newline === -1) return;
      if (!this.skipping) this.emit(false);
      this.skipping = false;
      start = newline + 1;
    }
  }

  /** Emits a last line that had no newline (the process ended mid-line). */
  flush(): void {
    if (this.size > 0 && !this.skipping) this.emit(false);
    this.skipping = false;
    this.parts = [];
    this.size = 0;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // Copied: the caller's buffer may be reused once push returns.
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
    if (this.size > this.maxLineBytes) {
      this.emit(true);
      this.skipping = true;
    }
  }

  private emit(cut: boolean): void {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    if (cut) bytes = bytes.subarray(0, charBoundary(bytes, this.maxLineBytes));
    else if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    this.onLine(cut ? safeText(bytes) + cutMarker : safeText(bytes));
  }
}
