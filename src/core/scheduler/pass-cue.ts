/**
 * When a runner's next pass is due: at once after a cue (an event, a settled trial, a
 * pass that left work), otherwise after `resyncMs`. The search loop and the finalization
 * loop both wait on one.
 */
export class PassCue {
  private pending = true;
  private wakeup: (() => void) | null = null;

  constructor(private readonly resyncMs: number) {}

  /** Asks for a pass: now if the loop is waiting, else right after the current one. */
  cue(): void {
    this.pending = true;
    this.wakeup?.();
  }

  /** Ends a wait without asking for a pass (the loop is stopping). */
  interrupt(): void {
    this.wakeup?.();
  }

  /** Resolves once a pass is due, and takes the cue. */
  async due(): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.resyncMs);
        this.wakeup = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeup = null;
    }
    this.pending = false;
  }
}

/** How long a loop waits after its `failures`-th failed pass in a row: 0.5 s doubling, at most 30 s. */
export function failureBackoffMs(failures: number): number {
  return Math.min(30_000, 250 * 2 ** failures);
}
