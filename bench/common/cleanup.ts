/**
 * Cleanup steps, run in the reverse order of their registration (what started last stops first), each one
 * even when an earlier one failed: a bench that fails half-way must still stop its servers, workers and
 * temp dirs, on a machine that other work shares.
 */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];

  /** Arrow properties, so that `add` and `run` can be handed on unbound (e.g. as a stack's `stop`). */
  readonly add = (step: () => unknown): void => {
    this.steps.push(step);
  };

  /**
   * Runs the steps registered so far and forgets them: a second call (a signal arriving while the bench
   * cleans up after itself) finds nothing left to run twice.
   */
  readonly run = async (): Promise<void> => {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        console.error('cleanup step failed:', err);
      }
    }
  };
}
