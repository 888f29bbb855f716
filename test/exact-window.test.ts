import { type Comparison, type WindowStore, pageOf } from '../src/events/exact-window';

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
        items.filter((i) => (lower === undefined || i.key >= lower) && (upper === undefined || i.key <= upper)).reverse(),
      ),
    compare: (a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  };
  return { store, queries: () => queries };
}

function randomItems(n: number, spanMs: number, seed: number, tieEvery = 0): Item[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => ({
    id: `e${String(i).padStart(6, '0')}`,
    // Skewed: most events late in the span, and some sharing a millisecond.
    key: tieEvery && i % tieEvery === 0 ? 5000 : Math.floor(spanMs * Math.sqrt(random())),
  }));
}

async function pages(items: Item[], limit: number, descending: boolean) {
  const { store, queries } = storeOf(items);
  const seen: string[] = [];
  for (let offset = 0; offset < items.length; offset += limit) {
    const page = await pageOf(store, { total: items.length, offset, limit, descending, minKey: 0, maxKey: 3e8 });
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
])('paging $n items by $limit (descending: $descending, ties every $tieEvery) visits each once, in order', async (c) => {
  const items = randomItems(c.n, 2.6e8, c.n + c.limit, c.tieEvery);
  const { store } = storeOf(items);
  const expected = [...items].sort((a, b) => (c.descending ? -store.compare(a, b) : store.compare(a, b))).map((i) => i.id);
  const { seen } = await pages(items, c.limit, c.descending);
  expect(seen).toEqual(expected);
});

test('a deep page costs a bounded number of count queries, not one per event', async () => {
  const items = randomItems(100000, 2.6e8, 7);
  const { store, queries } = storeOf(items);
  const page = await pageOf(store, { total: items.length, offset: 99900, limit: 100, descending: true, minKey: 0, maxKey: 3e8 });
  const sorted = [...items].sort((a, b) => -store.compare(a, b));
  expect(page.map((i) => i.id)).toEqual(sorted.slice(99900, 100000).map((i) => i.id));
  expect(queries()).toBeLessThan(40);
});
