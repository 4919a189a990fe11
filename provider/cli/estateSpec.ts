// The estate spec that matches a generated estate fleet, so an estate can be tried in two commands.
import { Scalar, stringify } from 'yaml';
import { isGeneratedFault, type EstateFleet } from '../../emulator/index.js';
import { vmArmId } from '../core/index.js';

const POLICY = 'daily-30';

/**
 * Every subscription in scope and every vault declared; one policy; the prod and test VMs protected, dev VMs exempt.
 * A region with several vaults needs its VMs pinned: one rule per such vault selects the VMs tagged for it.
 */
export function estateSpecText(fleet: EstateFleet): string {
  const vaults = fleet.subscriptions.flatMap((s) => s.vaults.map((v) => ({ subscriptionId: s.subscriptionId, resourceGroup: v.resourceGroup, name: v.name, location: v.location })));
  const shared = vaults.filter((v) => vaults.some((o) => o !== v && o.subscriptionId === v.subscriptionId && o.location === v.location));
  // One list, written once and aliased: the rules leave these VMs out and the exemption names them.
  const unprotectable = fleet.subscriptions.flatMap((s) =>
    s.vms.filter((vm) => isGeneratedFault(vm) && vm.tags?.env !== 'dev').map((vm) => ({ id: vmArmId(s.subscriptionId, vm.resourceGroup, vm.name) })),
  );
  const spec = {
    apiVersion: 'vmbackup/v1',
    scope: { subscriptions: fleet.subscriptions.map((s) => s.subscriptionId) },
    vaults: vaults.map(({ subscriptionId, resourceGroup, name }) => ({ subscriptionId, resourceGroup, name })),
    policies: [{ name: POLICY, schedule: { frequency: 'Daily', time: quoted('22:00'), timeZone: 'UTC' }, retention: { daily: 30 } }],
    protect: [
      { name: 'one-vault-regions', policy: POLICY, select: { tags: { env: '*' }, exclude: { tags: { env: 'dev', backupVault: '*' }, vms: unprotectable } } },
      ...shared.map((v) => {
        const key = `${v.subscriptionId}/${v.resourceGroup}/${v.name}`;
        return { name: `${v.name}-${v.subscriptionId.slice(0, 8)}`, policy: POLICY, vault: key, select: { tags: { backupVault: key }, exclude: { tags: { env: 'dev' }, vms: unprotectable } } };
      }),
    ],
    exempt: [
      { reason: 'dev VMs are rebuilt from images in minutes', select: { tags: { env: 'dev' } } },
      ...(unprotectable.length ? [{ reason: 'Azure Backup cannot protect them as they are (stopped, no agent, unsupported disks or network)', vms: unprotectable }] : []),
    ],
  };
  const header = [
    '# The generated estate: every subscription in scope, every vault declared. Each VM a rule selects goes to the',
    '# vault of its subscription and region; where a region has two vaults, its VMs carry the tag backupVault and a',
    '# rule per vault pins it. Dev VMs, and the VMs Azure Backup cannot protect as they are, are exempt; drift reports',
    '# any other VM in scope that nothing protects.',
  ];
  return `${header.join('\n')}\n${stringify(spec, { lineWidth: 0 })}`;
}

/** A time quoted, so a YAML 1.1 reader does not take 22:00 for a number in base 60. */
function quoted(text: string): Scalar<string> {
  const scalar = new Scalar(text);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}
