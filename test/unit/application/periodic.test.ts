import { expect } from 'chai';
import { Periodic } from '../../../src/application/periodic.js';

describe('application/periodic', () => {
  it('reports a pass that throws and goes on running passes', async () => {
    const errors: unknown[] = [];
    const periodic = new Periodic((error) => errors.push(error));
    let passes = 0;
    const third = new Promise<void>((resolve) => {
      periodic.start(1, async () => {
        passes += 1;
        if (passes === 1) throw new Error('a record tripped a bug');
        if (passes === 3) resolve();
      });
    });
    await third;
    await periodic.stop();
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(['a record tripped a bug']);
    expect(passes).to.be.at.least(3);
  });

  it('runs no pass after stop, and stop waits for the pass under way', async () => {
    const periodic = new Periodic(() => {});
    let finished = 0;
    let started = 0;
    periodic.start(1, async () => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished += 1;
    });
    await periodic.stop();
    expect(finished).to.equal(started);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).to.equal(finished);
  });
});
