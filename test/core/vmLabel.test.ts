import { describe, expect, it } from 'vitest';
import { vmArmId, vmLabel, vmLabelOfId } from '../../provider/core/index.js';

const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';

describe('VM labels', () => {
  const cases: { reason: string; label: string; expected: string }[] = [
    { reason: 'a VM is named by resource group and name', label: vmLabel('rg-data', 'db-01'), expected: 'rg-data/db-01' },
    { reason: 'the same name in another resource group reads apart', label: vmLabel('rg-data-dr', 'db-01'), expected: 'rg-data-dr/db-01' },
    { reason: 'an unknown resource group leaves the name alone', label: vmLabel(undefined, 'db-01'), expected: 'db-01' },
    { reason: 'an empty resource group is unknown too', label: vmLabel('', 'db-01'), expected: 'db-01' },
    { reason: 'a job names its resource group through its VM id', label: vmLabelOfId(vmArmId(SUB, 'rg-data-dr', 'db-01'), 'db-01'), expected: 'rg-data-dr/db-01' },
    { reason: 'an id keeps the resource group as Azure spells it', label: vmLabelOfId(`/Subscriptions/${SUB}/resourcegroups/RG-Data/providers/Microsoft.Compute/virtualMachines/db-01`, 'db-01'), expected: 'RG-Data/db-01' },
    { reason: 'a job without a VM id shows the name alone', label: vmLabelOfId(undefined, 'db-01'), expected: 'db-01' },
    { reason: 'an id without a resource group shows the name alone', label: vmLabelOfId(`/subscriptions/${SUB}`, 'db-01'), expected: 'db-01' },
  ];
  it.each(cases)('$reason', ({ label, expected }) => {
    expect(label).toBe(expected);
  });
});
