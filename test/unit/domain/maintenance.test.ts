import { expect } from 'chai';
import { maintenanceVersionOf, mayMove, planUpdateable } from '../../../src/domain/maintenance.js';
import { apiTemplates, configMap, dedicatedEntry, ordered, template } from '../builders.js';

describe('domain/maintenance', () => {
  it('derives a stable semver from what the plan renders from, changing with any template edit', () => {
    const level = maintenanceVersionOf(dedicatedEntry(), apiTemplates());
    expect(level).to.match(/^1\.0\.0\+[0-9a-f]{12}$/);
    expect(maintenanceVersionOf(dedicatedEntry(), [...apiTemplates()].reverse())).to.equal(level);
    const edited = [...apiTemplates().filter((t) => t.source !== 'tpl-config'), template('tpl-config', configMap('api-config-{{ instance.shortId }}', { owner: 'x' }), ordered('10'))];
    expect(maintenanceVersionOf(dedicatedEntry(), edited)).to.not.equal(level);
    expect(maintenanceVersionOf(dedicatedEntry({ maintenanceVersion: '2.1.0' }), edited)).to.equal('2.1.0');
  });

  it('allows a move that either entry declares, within one service only', () => {
    const v1 = dedicatedEntry();
    const v2 = dedicatedEntry({ planId: 'p2', version: 'v2' });
    expect(mayMove(v1, v2)).to.equal(false);
    expect(mayMove({ ...v1, updatableTo: ['v2'] }, v2)).to.equal(true);
    expect(mayMove(v1, { ...v2, updatableFrom: ['v1'] })).to.equal(true);
    expect(mayMove({ ...v1, updatableTo: ['v2'] }, { ...v2, serviceId: 'other' })).to.equal(false);
    expect(planUpdateable({ ...v1, updatableTo: ['v2'] }, [v1, v2])).to.equal(true);
    expect(planUpdateable(v2, [v1, v2])).to.equal(false);
  });
});
