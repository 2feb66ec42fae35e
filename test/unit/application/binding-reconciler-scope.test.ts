import { expect } from 'chai';
import sinon from 'sinon';
import { BindingReconciler } from '../../../src/application/binding-reconciler.js';
import { instanceRecord, valueOf } from '../builders.js';
import { FakeRuntime } from './fakes.js';
import { makeBroker, SETTINGS } from './harness.js';

describe('application/binding-reconciler: which instances it looks at', () => {
  it('lists the bindings only of instances whose bindings can owe work, so a pass costs no request per plain instance', async () => {
    const { store, bindingWork, logger } = makeBroker();
    valueOf(await store.createInstance(instanceRecord({ id: 'plain' })));
    valueOf(await store.createInstance(instanceRecord({ id: 'with-binding-objects' })));
    const listBindings = sinon.spy(store, 'listBindings');
    const reconciler = new BindingReconciler(store, bindingWork, logger, SETTINGS, new FakeRuntime(),
      (instance) => instance.id === 'with-binding-objects');
    valueOf(await reconciler.reconcileOnce());
    expect(listBindings.args.map(([id]) => id)).to.deep.equal(['with-binding-objects']);
  });
});
