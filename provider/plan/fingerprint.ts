// The digest of the observed state a plan depends on. Jobs and times are left out: they move on their
// own all day, and a saved plan must only go stale when something it decided on has changed.
import { createHash } from 'node:crypto';
import type { Observation } from '../core/index.js';
import { canonicalJson } from './canonicalJson.js';
import { itemPolicyName } from './observed.js';
import { normalizePolicySettings } from './policySettings.js';

const byKey = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

// An estate plans each vault's observation more than once in a command (what to write for, then the plan).
const fingerprints = new WeakMap<Observation, string>();

/** sha256 (hex) over the sorted, normalized VMs, protected items and policies of the observation. */
export function fingerprintObservation(obs: Observation): string {
  let fingerprint = fingerprints.get(obs);
  if (fingerprint === undefined) {
    fingerprint = digestObservation(obs);
    fingerprints.set(obs, fingerprint);
  }
  return fingerprint;
}

/**
 * The canonical JSON of the state (keys sorted, undefined members left out), written for thousands of VMs without
 * sorting every object's keys: each record is built with its keys in order, which JSON.stringify keeps.
 */
function digestObservation(obs: Observation): string {
  const vms = obs.vms
    .map((vm) => ({
      agentVersion: vm.agentVersion,
      backupExtension: vm.backupExtension,
      dataDisks: vm.dataDisks,
      id: vm.id.toLowerCase(),
      loadBalanced: vm.loadBalanced,
      location: vm.location.toLowerCase(),
      nicCount: vm.nicCount,
      osImage: vm.osImage,
      osType: vm.osType,
      otherVault: vm.otherVault ? { id: vm.otherVault.id.toLowerCase(), protectionStatus: vm.otherVault.protectionStatus } : undefined,
      powerState: vm.powerState,
      registered: vm.registered,
      storageSku: vm.storageSku,
      // Selectors read tags, so a retagged VM may be selected differently.
      tags: sortedKeys(Object.fromEntries(Object.entries(vm.tags).map(([k, v]) => [k.toLowerCase(), v]))),
    }))
    .sort(byKey((v) => v.id));
  const protectedItems = obs.protectedItems
    .map((i) => ({
      id: i.id.toLowerCase(),
      policy: itemPolicyName(i)?.toLowerCase(),
      protectionState: i.protectionState,
      softDeleted: i.softDeleted,
      vmId: i.vmId.toLowerCase(),
    }))
    .sort(byKey((i) => i.id));
  const policies = obs.policies
    .map((p) => ({ name: p.name.toLowerCase(), settings: p.settings ? normalizePolicySettings(p.settings) : null }))
    .sort(byKey((p) => p.name));
  const vault = { id: obs.vault.id.toLowerCase(), location: obs.vault.location.toLowerCase() };
  const text = `{"policies":${canonicalJson(policies)},"protectedItems":${JSON.stringify(protectedItems)},"vault":${JSON.stringify(vault)},"vms":${JSON.stringify(vms)}}`;
  return createHash('sha256').update(text).digest('hex');
}

const sortedKeys = (o: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
