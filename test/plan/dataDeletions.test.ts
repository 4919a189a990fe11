// A plan deletes backup data only where its spec says retainData: false for that very VM: an edited plan file
// that deletes more, or points a deletion at another VM's item, is caught before apply runs it.
import { describe, expect, it } from 'vitest';
import type { PlannedAction, StopProtectionEntry } from '../../provider/core/index.js';
import { planProtection, unaskedDataDeletions } from '../../provider/plan/index.js';
import { makeObservation, makeProtectedItem, makeSpec, makeStop, makeVm, pick, SUB, vmId } from './fixtures.js';

const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web' });
const web2 = makeVm({ name: 'web-02', resourceGroup: 'rg-web' });
const obs = makeObservation({ vms: [web1, web2], protectedItems: [makeProtectedItem(web1), makeProtectedItem(web2)] });

/** The plan the spec gives, with its stop actions edited by `forge`. */
function planOf(stops: StopProtectionEntry[], forge: (a: PlannedAction) => PlannedAction = (a) => a) {
  const spec = makeSpec({ stopProtection: stops });
  const plan = planProtection(spec, obs);
  return { spec, plan: { ...plan, actions: plan.actions.map((a) => (a.kind.startsWith('stop') ? forge(a) : a)) } };
}

// Forged actions are outside the plan's types by design: each is cast as a reader of the file would take it.
const deleteOf = (a: PlannedAction): PlannedAction => ({ ...a, kind: 'stopProtectionDeleteData', id: a.id.replace('stopProtection:', 'stopProtectionDeleteData:') }) as PlannedAction;

describe('unaskedDataDeletions', () => {
  it.each([
    { reason: 'the spec says retainData: false by resource group and name', stops: [makeStop(pick('rg-web', 'web-01'), false)] },
    { reason: 'the spec says it by ARM id, in another case', stops: [makeStop({ id: vmId('RG-WEB', 'WEB-01').toUpperCase() }, false)] },
    { reason: 'the spec names the VM without its resource group', stops: [makeStop({ name: 'web-01' }, false)] },
  ])('accepts a deletion when $reason', ({ stops }) => {
    const { spec, plan } = planOf(stops);
    expect(plan.actions.filter((a) => a.kind === 'stopProtectionDeleteData')).toHaveLength(1);
    expect(unaskedDataDeletions(plan, spec)).toEqual([]);
  });

  it.each([
    { reason: 'a stop that retains the data turned into a deletion', stops: [makeStop(pick('rg-web', 'web-01'))], forge: deleteOf },
    {
      reason: 'a deletion moved to a VM the spec does not name',
      stops: [makeStop(pick('rg-web', 'web-01'), false)],
      forge: (a: PlannedAction) => ({ ...a, target: { ...a.target, vmId: vmId('rg-web', 'web-02'), vmName: 'web-02' } }) as PlannedAction,
    },
    {
      reason: "a deletion of web-01 aimed at web-02's item",
      stops: [makeStop(pick('rg-web', 'web-01'), false)],
      forge: (a: PlannedAction) => ({ ...a, target: { ...a.target, protectedItemName: 'VM;iaasvmcontainerv2;rg-web;web-02' } }) as PlannedAction,
    },
    {
      reason: "a deletion of web-01 aimed at web-02's container",
      stops: [makeStop(pick('rg-web', 'web-01'), false)],
      forge: (a: PlannedAction) => ({ ...a, target: { ...a.target, containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-web;web-02' } }) as PlannedAction,
    },
    {
      reason: 'a deletion whose name contradicts its id',
      stops: [makeStop(pick('rg-web', 'web-02'), false)],
      forge: (a: PlannedAction) => ({ ...a, target: { ...a.target, vmId: vmId('rg-web', 'web-01') } }) as PlannedAction,
    },
    {
      reason: 'a deletion of a VM in another subscription',
      stops: [makeStop({ name: 'web-01' }, false)],
      forge: (a: PlannedAction) => ({ ...a, target: { ...a.target, vmId: a.target.vmId!.replace(SUB, '99999999-0000-0000-0000-000000000009') } }) as PlannedAction,
    },
  ])('catches $reason', ({ stops, forge }) => {
    const { spec, plan } = planOf(stops, forge);
    expect(unaskedDataDeletions(plan, spec).map((a) => a.id)).toEqual(plan.actions.filter((a) => a.kind === 'stopProtectionDeleteData').map((a) => a.id));
    expect(plan.actions.some((a) => a.kind === 'stopProtectionDeleteData')).toBe(true);
  });
});
