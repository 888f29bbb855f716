import { type TimeBound, filterConditions, msBound, tightestBounds } from '../src/events/visibility-query';

// The lister merges the time bounds it sends (the filter's and its windows'), so that SQLite visibility ranges
// its index over the tightest one; the same events must match as with every bound sent.

const at = (iso: string) => msBound('StartTime', '>=', new Date(iso)).at;
const bound = (op: TimeBound['op'], iso: string, column: TimeBound['column'] = 'StartTime'): TimeBound => ({
  column,
  op,
  at: iso.length === 30 ? iso : at(iso),
});

test('of two lower bounds the later is kept, of two upper bounds the earlier', () => {
  expect(tightestBounds([bound('>=', '2026-01-01T00:00:00Z'), bound('>', '2026-01-02T00:00:00Z')])).toEqual([
    bound('>', '2026-01-02T00:00:00Z'),
  ]);
  expect(tightestBounds([bound('<', '2026-01-03T00:00:00Z'), bound('<=', '2026-01-02T00:00:00Z')])).toEqual([
    bound('<=', '2026-01-02T00:00:00Z'),
  ]);
  // Lower and upper bounds, and bounds on another column, are left alone.
  const mixed = [
    bound('>=', '2026-01-01T00:00:00Z'),
    bound('<=', '2026-01-02T00:00:00Z'),
    bound('>', '2026-01-01T12:00:00Z', 'CloseTime'),
  ];
  expect(tightestBounds(mixed)).toEqual(mixed);
});

test('at the same instant the strict bound is kept', () => {
  expect(tightestBounds([bound('>=', '2026-01-01T00:00:00Z'), bound('>', '2026-01-01T00:00:00Z')])).toEqual([
    bound('>', '2026-01-01T00:00:00Z'),
  ]);
  expect(tightestBounds([bound('<', '2026-01-01T00:00:00Z'), bound('<=', '2026-01-01T00:00:00Z')])).toEqual([
    bound('<', '2026-01-01T00:00:00Z'),
  ]);
});

test('bounds that differ below the millisecond are both sent: Temporal might not tell them apart', () => {
  const fine = [bound('>=', '2026-01-01T00:00:00.000000500Z'), bound('>', '2026-01-01T00:00:00.000Z')];
  expect(tightestBounds(fine)).toEqual(fine);
  // A millisecond or more apart, the later one implies the other whatever the precision.
  expect(
    tightestBounds([bound('>=', '2026-01-01T00:00:00.001000500Z'), bound('>', '2026-01-01T00:00:00.000Z')]),
  ).toEqual([bound('>=', '2026-01-01T00:00:00.001000500Z')]);
});

test("a filter's tracking start gives way to a later window bound, and stays before an earlier one", () => {
  const filter = { accountId: 'a', namespace: 'n', trackedSince: new Date('2026-01-01T00:00:00Z') };
  const starts = (conditions: string[]) => conditions.filter((c) => c.startsWith('StartTime'));
  expect(
    starts(filterConditions(filter, [msBound('StartTime', '>', new Date('2026-01-05T00:00:00Z'))])),
  ).toEqual([`StartTime > '2026-01-05T00:00:00.000000000Z'`]);
  expect(
    starts(filterConditions(filter, [msBound('StartTime', '>', new Date('2025-12-01T00:00:00Z'))])),
  ).toEqual([`StartTime >= '2026-01-01T00:00:00.000000000Z'`]);
  expect(
    starts(filterConditions(filter, [msBound('StartTime', '<=', new Date('2026-01-05T00:00:00Z'))])),
  ).toEqual([
    `StartTime >= '2026-01-01T00:00:00.000000000Z'`,
    `StartTime <= '2026-01-05T00:00:00.000000000Z'`,
  ]);
});
