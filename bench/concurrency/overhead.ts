/**
 * Part 1, grant overhead: the delay the pool adds to an event that does not have to wait. One function
 * without a reservation (its events join the account's pool, 128,000 MB: nothing waits), invoked one event
 * at a time, each waited to its end; every round one event through the API (it joins the pool) and one
 * started through the Temporal client without a ticket (it skips the pool), the order alternating, so both
 * kinds see the same worker and the same load.
 */
import { loadLine } from '../common/machine';
import type { EventSteps } from './history';
import type { BenchStack } from './stack';

export interface OverheadResults {
  functionName: string;
  pooled: EventSteps[];
  direct: EventSteps[];
}

export async function measureOverhead(
  stack: BenchStack,
  options: { samples: number; warmups: number },
): Promise<OverheadResults> {
  const functionName = 'bench-unreserved';
  await stack.createFunction(functionName);
  const results: OverheadResults = { functionName, pooled: [], direct: [] };
  const total = options.warmups + options.samples;
  console.log(
    `\n== grant overhead: ${functionName} (no reservation: the account pool); ${options.warmups} warm-up round(s), ` +
      `then ${options.samples} measured; a round = one event through the pool and one without, each waited to its end`,
  );
  for (let round = 0; round < total; round++) {
    const kinds = round % 2 === 0 ? (['pooled', 'direct'] as const) : (['direct', 'pooled'] as const);
    for (const kind of kinds) {
      const requestId =
        kind === 'pooled'
          ? (await stack.invoke(functionName, {})).requestId
          : await stack.startWithoutPool(functionName, {});
      await stack.waitForEnd(requestId);
      const steps = await stack.steps(requestId);
      if (round >= options.warmups) results[kind].push(steps);
    }
    if ((round + 1) % 10 === 0 || round + 1 === total)
      console.log(`  round ${round + 1}/${total} (load ${loadLine()})`);
  }
  return results;
}
