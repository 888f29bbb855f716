import { formatScfTime, parseScfTime, validateTimeZone } from '../src/events/scf-time';

test('request times are read as wall-clock time in the configured zone', () => {
  expect(parseScfTime('2026-12-03 08:00:00', 'UTC')?.toISOString()).toBe('2026-12-03T08:00:00.000Z');
  expect(parseScfTime('2026-12-03 08:00:00', 'Asia/Shanghai')?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
  expect(parseScfTime('2026-07-01 12:00:00', 'America/New_York')?.toISOString()).toBe('2026-07-01T16:00:00.000Z');
  expect(parseScfTime('2026-01-01 12:00:00', 'America/New_York')?.toISOString()).toBe('2026-01-01T17:00:00.000Z');
});

test('anything but YYYY-MM-DD HH:MM:SS, or a date that does not exist, is refused', () => {
  for (const bad of ['2026-12-03T08:00:00', '2026-12-03 8:00:00', '2026-02-30 00:00:00', '2026-12-03 24:00:00', '', '2026-12-03 08:00:00.5']) {
    expect({ bad, parsed: parseScfTime(bad, 'UTC') }).toEqual({ bad, parsed: undefined });
  }
});

test('response times carry microseconds, in the configured zone', () => {
  const instant = new Date('2026-12-03T00:00:01.234Z');
  expect(formatScfTime(instant, 'UTC')).toBe('2026-12-03 00:00:01.234000');
  expect(formatScfTime(instant, 'Asia/Shanghai')).toBe('2026-12-03 08:00:01.234000');
});

test('formatting then parsing gives the same second back, across a DST change', () => {
  for (const iso of ['2026-03-08T06:59:59Z', '2026-03-08T07:00:00Z', '2026-11-01T04:59:59Z', '2026-11-01T07:00:00Z']) {
    const text = formatScfTime(new Date(iso), 'America/New_York').slice(0, 19);
    expect(parseScfTime(text, 'America/New_York')?.toISOString()).toBe(new Date(iso).toISOString());
  }
});

test('a wall-clock time that happens twice (DST ends) means the earlier instant', () => {
  expect(parseScfTime('2026-11-01 01:30:00', 'America/New_York')?.toISOString()).toBe('2026-11-01T05:30:00.000Z');
});

test('an unknown time zone is refused by name', () => {
  expect(() => validateTimeZone('Mars/Olympus')).toThrow(RangeError);
  expect(validateTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
});
