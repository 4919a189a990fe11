// The digest of the observed state a plan depends on. Jobs and times are left out: they move on their
// own all day, and a saved plan must only go stale when something it decided on has changed.
import { createHash } from 'node:crypto';
import { describeDisks, memoByIdentity, type Observation } from '../core/index.js';
import { canonicalJson } from './canonicalJson.js';
import { itemPolicyName } from './observed.js';
import { normalizePolicySettings } from './policySettings.js';

const byKey = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** sha256 (hex) over the sorted, normalized VMs, protected items and policies of the observation. */
function digestObservation(obs: Observation): string {
  const state = {
    vault: { id: obs.vault.id.toLowerCase(), location: obs.vault.location.toLowerCase(), settings: obs.vault.settings },
    vms: obs.vms
      .map((vm) => ({
        id: vm.id.toLowerCase(),
        location: vm.location.toLowerCase(),
        osType: vm.osType,
        osImage: vm.osImage,
        powerState: vm.powerState,
        agentVersion: vm.agentVersion,
        dataDisks: vm.dataDisks,
        storageSku: vm.storageSku,
        nicCount: vm.nicCount,
        loadBalanced: vm.loadBalanced,
        // Selectors read tags, so a retagged VM may be selected differently.
        tags: Object.fromEntries(Object.entries(vm.tags).map(([k, v]) => [k.toLowerCase(), v])),
        backupExtension: vm.backupExtension,
        registered: vm.registered,
        otherVault: vm.otherVault ? { id: vm.otherVault.id.toLowerCase(), protectionStatus: vm.otherVault.protectionStatus } : undefined,
      }))
      .sort(byKey((v) => v.id)),
    protectedItems: obs.protectedItems
      .map((i) => ({
        id: i.id.toLowerCase(),
        vmId: i.vmId.toLowerCase(),
        policy: itemPolicyName(i)?.toLowerCase(),
        protectionState: i.protectionState,
        softDeleted: i.softDeleted,
        // Only a selection is hashed, so that states with every disk keep the digest they always had.
        ...(i.disks && i.disks.kind !== 'all' ? { disks: describeDisks(i.disks) } : {}),
      }))
      .sort(byKey((i) => i.id)),
    policies: obs.policies
      .map((p) => ({ name: p.name.toLowerCase(), settings: p.settings ? normalizePolicySettings(p.settings) : null }))
      .sort(byKey((p) => p.name)),
  };
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}

// An estate plans each vault's observation more than once in a command (what to write for, then the plan).
/** The observation's digest (see digestObservation), computed once per observation. */
export const fingerprintObservation: (obs: Observation) => string = memoByIdentity(digestObservation);
