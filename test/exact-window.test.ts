import { BoundaryMemory, type Comparison, type WindowStore, pageOf } from '../src/events/exact-window';

interface Item {
  id: string;
  key: number;
}

/** An in-memory store that, like Temporal's visibility, can only count and list unordered. */
function storeOf(items: Item[]) {
  let queries = 0;
  const matches: Record<Comparison, (k: number, t: number) => boolean> = {
    '>': (k, t) => k > t,
    '>=': (k, t) => k >= t,
    '<': (k, t) => k < t,
    '<=': (k, t) => k <= t,
  };
  const store: WindowStore<Item> = {
    count: (op, t) => {
      queries += 1;
      return Promise.resolve(items.filter((i) => matches[op](i.key, t)).length);
    },
    list: (lower, upper) =>
      Promise.resolve(
        items
          .filter((i) => (lower === undefined || i.key >= lower) && (upper === undefined || i.key <= upper))
          .reverse(),
      ),
    compare: (a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  };
  return { store, queries: () => queries };
}

function randomItems(n: number, spanMs: number, seed: number, tieEvery = 0): Item[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => ({
    id: `e${String(i).padStart(6, '0')}`,
    // Skewed: most events late in the span, and some sharing a millisecond.
    key: tieEvery && i % tieEvery === 0 ? 5000 : Math.floor(spanMs * Math.sqrt(random())),
  }));
}

async function pages(items: Item[], limit: number, descending: boolean, memory?: BoundaryMemory) {
  const { store, queries } = storeOf(items);
  const seen: string[] = [];
  for (let offset = 0; offset < items.length; offset += limit) {
    const seeds = memory?.book('segment');
    const page = await pageOf(store, {
      total: items.length,
      offset,
      limit,
      descending,
      minKey: 0,
      maxKey: 3e8,
      seeds,
    });
    expect(page.length).toBe(Math.min(limit, items.length - offset));
    seen.push(...page.map((i) => i.id));
  }
  return { seen, queries: queries() };
}

test.each([
  { n: 1, limit: 20, descending: true, tieEvery: 0 },
  { n: 250, limit: 20, descending: true, tieEvery: 0 },
  { n: 250, limit: 7, descending: false, tieEvery: 0 },
  { n: 1000, limit: 100, descending: true, tieEvery: 3 },
  { n: 1000, limit: 33, descending: false, tieEvery: 5 },
])(
  'paging $n items by $limit (descending: $descending, ties every $tieEvery) visits each once, in order',
  async (c) => {
    const items = randomItems(c.n, 2.6e8, c.n + c.limit, c.tieEvery);
    const { store } = storeOf(items);
    const expected = [...items]
      .sort((a, b) => (c.descending ? -store.compare(a, b) : store.compare(a, b)))
      .map((i) => i.id);
    const { seen } = await pages(items, c.limit, c.descending);
    expect(seen).toEqual(expected);
    // Again with remembered boundaries, twice: the second pass starts every search from the first pass's counts.
    const memory = new BoundaryMemory();
    for (let pass = 0; pass < 2; pass++)
      expect((await pages(items, c.limit, c.descending, memory)).seen).toEqual(expected);
  },
);

test('a deep page costs a bounded number of count queries, not one per event', async () => {
  const items = randomItems(100000, 2.6e8, 7);
  const { store, queries } = storeOf(items);
  const page = await pageOf(store, {
    total: items.length,
    offset: 99900,
    limit: 100,
    descending: true,
    minKey: 0,
    maxKey: 3e8,
  });
  const sorted = [...items].sort((a, b) => -store.compare(a, b));
  expect(page.map((i) => i.id)).toEqual(sorted.slice(99900, 100000).map((i) => i.id));
  expect(queries()).toBeLessThan(40);
});

test('a deep page is read from the nearer end: it costs what the first page of the reverse order does', async () => {
  const items = randomItems(20000, 2.6e8, 11);
  const sorted = (descending: boolean, store: WindowStore<Item>) =>
    [...items].sort((a, b) => (descending ? -store.compare(a, b) : store.compare(a, b))).map((i) => i.id);
  for (const descending of [true, false]) {
    const reverseFirst = storeOf(items);
    const req = { total: items.length, limit: 20, minKey: 0, maxKey: 3e8 };
    await pageOf(reverseFirst.store, { ...req, offset: 0, descending: !descending });
    const deep = storeOf(items);
    const page = await pageOf(deep.store, { ...req, offset: 19980, descending });
    expect(page.map((i) => i.id)).toEqual(sorted(descending, deep.store).slice(19980));
    expect(deep.queries()).toBe(reverseFirst.queries());
  }
});

test('remembered boundaries make a repeated page cost one count per bound', async () => {
  const items = randomItems(20000, 2.6e8, 13);
  const memory = new BoundaryMemory();
  const req = { total: items.length, offset: 5000, limit: 20, descending: true, minKey: 0, maxKey: 3e8 };
  const cold = storeOf(items);
  const expected = await pageOf(cold.store, { ...req, seeds: memory.book('segment') });
  const warm = storeOf(items);
  const again = await pageOf(warm.store, { ...req, seeds: memory.book('segment') });
  expect(again.map((i) => i.id)).toEqual(expected.map((i) => i.id));
  expect(warm.queries()).toBeLessThanOrEqual(2);
  expect(warm.queries()).toBeLessThan(cold.queries());
});

test('stale remembered boundaries (the events changed since) still give the exact page', async () => {
  const memory = new BoundaryMemory();
  const before = randomItems(5000, 2.6e8, 17);
  for (let offset = 0; offset < 5000; offset += 700) {
    const { store } = storeOf(before);
    await pageOf(store, {
      total: before.length,
      offset,
      limit: 50,
      descending: true,
      minKey: 0,
      maxKey: 3e8,
      seeds: memory.book('s'),
    });
  }
  // Many events arrive late in the span: every remembered time now has other counts.
  const after = [
    ...before,
    ...randomItems(3000, 2.6e8, 19).map((i) => ({ id: `n${i.id}`, key: 2.5e8 + (i.key % 1e7) })),
  ];
  const { store } = storeOf(after);
  const sorted = [...after].sort((a, b) => -store.compare(a, b)).map((i) => i.id);
  for (const offset of [0, 20, 700, 2100, 4000, 7950]) {
    const page = await pageOf(store, {
      total: after.length,
      offset,
      limit: 50,
      descending: true,
      minKey: 0,
      maxKey: 3e8,
      seeds: memory.book('s'),
    });
    expect(page.map((i) => i.id)).toEqual(sorted.slice(offset, offset + 50));
  }
});

test('a seed book that guesses nonsense costs probes, never correctness', async () => {
  const items = randomItems(3000, 2.6e8, 23, 7);
  const { store } = storeOf(items);
  const sorted = [...items].sort((a, b) => store.compare(a, b)).map((i) => i.id);
  const liar = { guess: () => 1.7e8, record: () => {} };
  for (const offset of [0, 13, 1500, 2980]) {
    const page = await pageOf(store, {
      total: items.length,
      offset,
      limit: 20,
      descending: false,
      minKey: 0,
      maxKey: 3e8,
      seeds: liar,
    });
    expect(page.map((i) => i.id)).toEqual(sorted.slice(offset, offset + 20));
  }
});
