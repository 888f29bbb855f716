import { type TestStack, startTestStack } from './helpers/stack';
import {
  type EventSet,
  type Params,
  type Truth,
  createEventSet,
  idsOf,
  listIds,
  sortTruth,
  stopRunning,
} from './helpers/status-tracking';

// Status tracking's list: both orders by both keys, and Offset/Limit paging, against the recorded truth.

let stack: TestStack;
let set: EventSet;
beforeAll(async () => {
  stack = await startTestStack();
  set = await createEventSet(stack);
}, 240000);
afterAll(async () => {
  if (set) await stopRunning(stack.client, set.running);
  await stack?.stop();
});

const orderings = [
  ['StartTime', 'ASC'],
  ['StartTime', 'DESC'],
  ['EndTime', 'ASC'],
  ['EndTime', 'DESC'],
] as const;

/** Walks the pages of a listing; every page must report the same totalCount. */
async function walk(params: Params, limit: number) {
  const seen: string[] = [];
  const totals = new Set<number>();
  let pages = 0;
  for (let offset = 0; ; offset += limit) {
    const { totalCount, ids } = await listIds(stack.client, set.fn, { ...params, offset, limit });
    totals.add(totalCount);
    expect(ids.length).toBeLessThanOrEqual(limit);
    if (ids.length === 0) break;
    pages += 1;
    seen.push(...ids);
    if (ids.length < limit) break;
  }
  return { seen, totals: [...totals], pages };
}

test('the set ends events in another order than it started them', () => {
  // Otherwise ordering by EndTime would prove nothing beyond StartTime.
  const ended = (events: Truth[]) => idsOf(events.filter((e) => e.endTime !== null));
  expect(ended(sortTruth(set.events, 'EndTime', 'ASC'))).not.toEqual(
    ended(sortTruth(set.events, 'StartTime', 'ASC')),
  );
});

test.each(orderings)(
  'ordered by %s %s, the list is the truth sorted the documented way',
  async (orderBy, order) => {
    const want = idsOf(sortTruth(set.events, orderBy, order));
    const { totalCount, ids } = await listIds(stack.client, set.fn, { orderBy, order, limit: 100 });
    expect(ids).toEqual(want);
    expect(totalCount).toBe(set.events.length);
  },
);

test('by EndTime, running events come after every ended one ascending and before them descending', async () => {
  const running = new Set(set.running);
  const asc = (await listIds(stack.client, set.fn, { orderBy: 'EndTime', order: 'ASC' })).ids;
  const desc = (await listIds(stack.client, set.fn, { orderBy: 'EndTime', order: 'DESC' })).ids;
  const n = set.running.length;
  expect(new Set(asc.slice(-n))).toEqual(running);
  expect(new Set(desc.slice(0, n))).toEqual(running);
  // Among themselves by StartTime.
  const runningByStart = idsOf(
    sortTruth(
      set.events.filter((e) => running.has(e.requestId)),
      'StartTime',
      'ASC',
    ),
  );
  expect(asc.slice(-n)).toEqual(runningByStart);
  expect(desc.slice(0, n)).toEqual([...runningByStart].reverse());
});

test('order is case-insensitive and defaults to DESC; orderBy defaults to StartTime', async () => {
  const { ids: lower } = await listIds(stack.client, set.fn, { order: 'asc', limit: 100 });
  expect(lower).toEqual(idsOf(sortTruth(set.events, 'StartTime', 'ASC')));
  const { ids: byEnd } = await listIds(stack.client, set.fn, { orderBy: 'EndTime', limit: 100 });
  expect(byEnd).toEqual(idsOf(sortTruth(set.events, 'EndTime', 'DESC')));
});

describe.each([3, 7])('paging with limit %i', (limit) => {
  test.each(orderings)('by %s %s visits every event exactly once, in order', async (orderBy, order) => {
    const { seen, totals, pages } = await walk({ orderBy, order }, limit);
    expect(seen).toEqual(idsOf(sortTruth(set.events, orderBy, order)));
    expect(new Set(seen).size).toBe(set.events.length);
    expect(totals).toEqual([set.events.length]);
    expect(pages).toBe(Math.ceil(set.events.length / limit));
  });
});

test('paging a filtered list crosses from running to ended events without a gap', async () => {
  const params = {
    orderBy: 'EndTime',
    order: 'DESC',
    status: 'RUNNING,FAILED,ABORTED',
    qualifier: '1',
  } as const;
  const truth = sortTruth(
    set.events.filter((e) => e.qualifier === '1' && e.status !== 'FINISHED'),
    'EndTime',
    'DESC',
  );
  expect(truth.length).toBeGreaterThan(2);
  const { seen, totals } = await walk(params, 2);
  expect(seen).toEqual(idsOf(truth));
  expect(totals).toEqual([truth.length]);
});

test('a page that starts inside the list and runs past its end holds the tail', async () => {
  for (const [orderBy, order] of orderings) {
    const want = idsOf(sortTruth(set.events, orderBy, order));
    const { totalCount, ids } = await listIds(stack.client, set.fn, {
      orderBy,
      order,
      offset: want.length - 2,
      limit: 10,
    });
    expect({ totalCount, ids }).toEqual({ totalCount: want.length, ids: want.slice(-2) });
  }
});

test('an offset past the end answers no events and the right totalCount', async () => {
  for (const [orderBy, order] of orderings) {
    for (const offset of [set.events.length, set.events.length + 1, 1000]) {
      const { totalCount, ids } = await listIds(stack.client, set.fn, { orderBy, order, offset, limit: 5 });
      expect({ orderBy, order, offset, totalCount, ids }).toEqual({
        orderBy,
        order,
        offset,
        totalCount: set.events.length,
        ids: [],
      });
    }
  }
  const { totalCount, ids } = await listIds(stack.client, set.fn, { status: 'RUNNING', offset: 50 });
  expect({ totalCount, ids }).toEqual({ totalCount: set.running.length, ids: [] });
});

test('limit 1 through the whole list walks it one event at a time', async () => {
  const { seen } = await walk({ orderBy: 'EndTime', order: 'ASC' }, 1);
  expect(seen).toEqual(idsOf(sortTruth(set.events, 'EndTime', 'ASC')));
});
