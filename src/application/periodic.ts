/**
 * A pass run now and then every `intervalMs` after the previous one ended
 * (never two at once), until stopped; stop waits for the pass under way.
 * What both reconcilers share. A pass that throws is reported and the
 * schedule goes on: one record that trips a bug must not stop every
 * replica's reconciling (or, as an unhandled rejection, end the process).
 */
export class Periodic {
  constructor(private readonly onError: (error: unknown) => void) {}

  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  /** True once stop was asked: a long pass checks it between items. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(intervalMs: number, pass: () => Promise<void>): void {
    const run = async () => {
      try {
        await pass();
      } catch (error) {
        this.onError(error);
      }
      if (!this.stopped) this.timer = setTimeout(() => (this.running = run()), intervalMs);
    };
    this.running = run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
