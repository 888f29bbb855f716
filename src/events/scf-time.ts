/**
 * SCF's time formats: requests say `YYYY-MM-DD HH:MM:SS`, responses `YYYY-MM-DD HH:MM:SS.ffffff`, both as
 * wall-clock time in one configured IANA time zone (LONGHAUL_TIME_ZONE, UTC by default). The REST API
 * uses ISO 8601 instead; the SCF endpoint converts at its edge with these.
 */

const requestPattern = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not a valid IANA time zone. */
export function validateTimeZone(timeZone: string): string {
  formatter(timeZone);
  return timeZone;
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(ms: number, timeZone: string) {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * Parses an SCF request time; undefined when it is not `YYYY-MM-DD HH:MM:SS` or not a real date. A time
 * that happens twice (when DST ends) means the earlier instant.
 */
export function parseScfTime(text: string, timeZone: string): Date | undefined {
  const m = requestPattern.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(naive);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  // The offset depends on the instant, which depends on the offset: two rounds settle it (DST edges too).
  let instant = naive - offsetAt(naive, timeZone);
  instant = naive - offsetAt(instant, timeZone);
  return new Date(instant);
}

/** Formats an instant as SCF's response time, with microseconds. */
export function formatScfTime(date: Date, timeZone: string): string {
  const ms = date.getTime();
  const w = wallClock(ms, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const micros = pad((((ms % 1000) + 1000) % 1000) * 1000, 6);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${micros}`;
}
