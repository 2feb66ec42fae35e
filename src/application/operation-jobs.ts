/**
 * The async operations this process is running, one per instance, so a
 * deprovision can stop a provision it overtakes and shutdown can let them finish.
 */
export class OperationJobs {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  /** Starts `work` for the instance; a job failing unexpectedly is reported to `onCrash`, never thrown. */
  start(instanceId: string, work: (signal: AbortSignal) => Promise<void>, onCrash: (error: unknown) => void): void {
    const controller = new AbortController();
    const done = work(controller.signal)
      .catch(onCrash)
      .finally(() => {
        if (this.running.get(instanceId)?.controller === controller) this.running.delete(instanceId);
      });
    this.running.set(instanceId, { controller, done });
  }

  /** Asks the instance's job to stop and waits until it has. */
  async cancel(instanceId: string): Promise<void> {
    const job = this.running.get(instanceId);
    if (!job) return;
    job.controller.abort();
    await job.done;
  }

  /** Waits for every running job (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()].map((job) => job.done));
  }

  get size(): number {
    return this.running.size;
  }
}
