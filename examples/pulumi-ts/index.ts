// Protects every VM the North Europe vault can protect with one daily policy; recovery points are
// retained when a protection is removed.
import * as pulumi from '@pulumi/pulumi';
import * as vmbackup from 'vmbackup/pulumi';

const config = new pulumi.Config();
const vault = {
  vaultResourceGroup: config.get('vaultResourceGroup') ?? 'rg-backup-ne',
  vaultName: config.get('vaultName') ?? 'vault-neu',
};

export = async () => {
  const daily = new vmbackup.Policy('daily', {
    ...vault,
    name: 'ts-daily-2100',
    schedule: { frequency: 'Daily', time: '21:00' },
    retention: { daily: 14 },
  });

  // Only VMs that pass the guide's pre-flight checks: the others would fail with a remedy instead.
  const { vms } = await vmbackup.getVirtualMachines({ ...vault, protectableOnly: true });
  const protections = vms.map(
    (vm) => new vmbackup.VmProtection(`${vm.resourceGroup}-${vm.name}`, { ...vault, vmId: vm.id, policyId: daily.id }),
  );

  return {
    policyId: daily.id,
    protectedVms: vms.map((vm) => vm.name),
    states: pulumi.all(protections.map((p) => p.protectionState)),
  };
};
