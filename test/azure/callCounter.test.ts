import { describe, expect, it } from 'vitest';
import { CallCounter, countWrites, diffCalls, operationName } from '../../provider/azure/callCounter.js';

const V = 'https://h/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v';
const I = `${V}/backupFabrics/Azure/protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm/protectedItems/VM%3Biaasvmcontainerv2%3Brg%3Bvm`;

describe('operationName', () => {
  it.each([
    { reason: 'a vault-level list', method: 'GET', url: `${V}/backupProtectedItems?api-version=2023-06-01&$skipToken=3`, name: 'GET backupProtectedItems' },
    { reason: 'one resource', method: 'PUT', url: `${I}?api-version=2023-06-01`, name: 'PUT protectedItems/{id}' },
    { reason: 'an operation status keeps its parent', method: 'GET', url: `${I}/operationsStatus/abc`, name: 'GET protectedItems/operationsStatus/{id}' },
    { reason: 'refresh action', method: 'POST', url: `${V}/backupFabrics/Azure/refreshContainers`, name: 'POST refreshContainers' },
    { reason: 'refresh result', method: 'GET', url: `${V}/backupFabrics/Azure/operationResults/op1`, name: 'GET backupFabrics/operationResults/{id}' },
    { reason: 'vault get', method: 'get', url: V, name: 'GET vaults/{id}' },
    { reason: 'backup status of a VM', method: 'POST', url: 'https://h/Subscriptions/s/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus', name: 'POST backupStatus' },
    { reason: 'a Resource Graph query', method: 'POST', url: 'https://h/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01', name: 'POST resources' },
    { reason: 'container unregister', method: 'DELETE', url: `${V}/backupFabrics/Azure/protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm`, name: 'DELETE protectionContainers/{id}' },
    { reason: 'subscription-wide VM list', method: 'GET', url: 'https://h/subscriptions/s/providers/Microsoft.Compute/virtualMachines?statusOnly=true', name: 'GET virtualMachines' },
    { reason: 'VM extension', method: 'PUT', url: 'https://h/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/VMSnapshot', name: 'PUT extensions/{id}' },
  ])('$reason', ({ method, url, name }) => {
    expect(operationName(method, url)).toBe(name);
  });
});

describe('CallCounter', () => {
  it('counts, diffs and counts writes', () => {
    const c = new CallCounter();
    c.record('GET backupJobs');
    const before = c.snapshot();
    c.record('GET backupJobs');
    c.record('PUT protectedItems/{id}');
    const d = diffCalls(before, c.snapshot());
    expect(d).toEqual({ 'GET backupJobs': 1, 'PUT protectedItems/{id}': 1 });
    expect(countWrites(d)).toBe(1);
    expect(c.total()).toBe(3);
  });

  it('a backup status question is a POST that writes nothing', () => {
    expect(countWrites({ 'POST backupStatus': 4, 'GET backupJobs': 1 })).toBe(0);
    expect(countWrites({ 'POST backupStatus': 4, 'DELETE protectionContainers/{id}': 1 })).toBe(1);
  });

  it('a Resource Graph query is a POST that writes nothing', () => {
    expect(countWrites({ 'POST resources': 3 })).toBe(0);
  });
});
