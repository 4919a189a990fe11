// vmbackup:index:VmProtection: one VM protected by one policy, planned and applied by the CLI's engine.
import * as grpc from '@grpc/grpc-js';
import type { Target } from '../azure/index.js';
import { findItem, findPolicy, isActive, isStopped, itemPolicyName } from '../plan/index.js';
import { parseArmId, sameArmId, vmContainerName, vmProtectedItemName, type Observation, type ObservedProtectedItem } from '../core/index.js';
import { diffProperties, type ResourceDiff } from './diff.js';
import { observeVault, planAndApply, resourceSpec, vaultFromId, type ProviderContext, type VaultRef } from './context.js';
import { PartialFailure, ProviderError, UNKNOWN, type PropertyMap } from './protocol.js';
import { checkVaultInputs, type CheckFailure, type ReadResult, type ResourceHandler } from './resource.js';

const INPUTS = ['vaultResourceGroup', 'vaultName', 'vmId', 'policyId', 'retainDataOnDelete'] as const;

function vaultOf(inputs: PropertyMap): VaultRef {
  return { resourceGroup: String(inputs.vaultResourceGroup), name: String(inputs.vaultName) };
}

function vmParts(vmId: string): { resourceGroup: string; name: string } | undefined {
  const p = parseArmId(vmId);
  if (!p.subscriptions || !p.resourcegroups || !p.virtualmachines || p.provider?.toLowerCase() !== 'microsoft.compute') return undefined;
  return { resourceGroup: p.resourcegroups, name: p.virtualmachines };
}

function policyNameOf(policyId: string): string | undefined {
  const p = parseArmId(policyId);
  return p.vaults && p.backuppolicies ? p.backuppolicies : undefined;
}

function pickInputs(state: PropertyMap): PropertyMap {
  const out: PropertyMap = {};
  for (const k of INPUTS) if (state[k] !== undefined) out[k] = state[k];
  return out;
}

/** Outputs known before the protection exists: everything that follows from the ids. */
function derived(inputs: PropertyMap): PropertyMap {
  const vm = typeof inputs.vmId === 'string' ? vmParts(inputs.vmId) : undefined;
  const policyName = typeof inputs.policyId === 'string' && inputs.policyId !== UNKNOWN ? policyNameOf(inputs.policyId) : undefined;
  return {
    ...inputs,
    ...(vm
      ? { vmName: vm.name, vmResourceGroup: vm.resourceGroup, protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name), containerName: vmContainerName(vm.resourceGroup, vm.name) }
      : {}),
    ...(policyName ? { policyName } : {}),
  };
}

function outputsOf(inputs: PropertyMap, item: ObservedProtectedItem): PropertyMap {
  return {
    ...derived(inputs),
    protectedItemName: item.name,
    containerName: item.containerName,
    policyName: itemPolicyName(item) ?? '',
    protectionState: item.protectionState,
  };
}

function itemById(obs: Observation, id: string): ObservedProtectedItem | undefined {
  const name = id.split('/').pop()?.toLowerCase();
  return obs.protectedItems.find((i) => !i.softDeleted && (sameArmId(i.id, id) || i.name.toLowerCase() === name));
}

function ruleSpec(target: Target, urn: string, inputs: PropertyMap, policyName: string) {
  return resourceSpec(target, vaultOf(inputs), urn, {
    rules: [{ name: 'pulumi', policy: policyName, vms: [{ id: String(inputs.vmId) }] }],
  });
}

/** Plans and applies this VM's protection; a failure after the item exists is a partial failure with its id. */
async function protect(ctx: ProviderContext, urn: string, inputs: PropertyMap, obs: Observation): Promise<ObservedProtectedItem> {
  const target = await ctx.target();
  const vmId = String(inputs.vmId);
  const policyName = policyNameOf(String(inputs.policyId)) ?? '';
  if (!findPolicy(obs.policies, policyName)) {
    throw new ProviderError(`policy ${policyName} does not exist in vault ${obs.vault.name}; declare it with a vmbackup:index:Policy and pass its id`);
  }
  const vault = vaultOf(inputs);
  try {
    await planAndApply(ctx, ruleSpec(target, urn, inputs, policyName), obs, urn, { keep: (a) => sameArmId(a.target.vmId, vmId) });
  } catch (e) {
    const after = await observeVault(ctx, vault, false).catch(() => undefined);
    const item = after && findItem(after.protectedItems, vmId);
    if (item && !item.softDeleted) {
      throw new PartialFailure((e as Error).message, item.id, outputsOf(inputs, item), inputs, [(e as Error).message]);
    }
    throw e;
  }
  const after = await observeVault(ctx, vault, false);
  const item = findItem(after.protectedItems, vmId);
  if (!item) throw new ProviderError(`protection of ${vmId} was applied but the vault does not list it`);
  return item;
}

export const vmProtectionResource: ResourceHandler = {
  async check(_ctx, _urn, news) {
    const inputs: PropertyMap = { ...news, retainDataOnDelete: news.retainDataOnDelete ?? true };
    const failures: CheckFailure[] = checkVaultInputs(inputs);
    const known = new Set<string>(INPUTS);
    for (const k of Object.keys(inputs)) if (!known.has(k)) failures.push({ property: k, reason: `unknown property "${k}" of vmbackup:index:VmProtection` });
    const { vmId, policyId, retainDataOnDelete } = inputs;
    if (vmId === undefined) failures.push({ property: 'vmId', reason: 'missing required property "vmId"' });
    else if (vmId !== UNKNOWN && (typeof vmId !== 'string' || !vmParts(vmId))) {
      failures.push({ property: 'vmId', reason: 'vmId must be a VM ARM id: /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}' });
    }
    if (policyId === undefined) failures.push({ property: 'policyId', reason: 'missing required property "policyId"' });
    else if (policyId !== UNKNOWN) {
      const name = typeof policyId === 'string' ? policyNameOf(policyId) : undefined;
      if (!name) {
        failures.push({ property: 'policyId', reason: 'policyId must be a backup policy ARM id (…/vaults/{vault}/backupPolicies/{name}): pass a Policy\'s id' });
      } else if (typeof inputs.vaultName === 'string' && inputs.vaultName !== UNKNOWN) {
        const v = vaultFromId(String(policyId));
        const sameVault = v.name.toLowerCase() === String(inputs.vaultName).toLowerCase() && v.resourceGroup.toLowerCase() === String(inputs.vaultResourceGroup).toLowerCase();
        if (!sameVault) failures.push({ property: 'policyId', reason: `policy ${name} belongs to vault ${v.resourceGroup}/${v.name}, not to ${String(inputs.vaultResourceGroup)}/${String(inputs.vaultName)}` });
      }
    }
    if (retainDataOnDelete !== UNKNOWN && typeof retainDataOnDelete !== 'boolean') failures.push({ property: 'retainDataOnDelete', reason: 'retainDataOnDelete must be true or false' });
    return { inputs, failures };
  },

  diff(olds, news, oldInputs): ResourceDiff {
    const before = pickInputs(oldInputs ?? olds);
    const d = diffProperties(before, news, {
      replaceOn: new Set(['vaultResourceGroup', 'vaultName', 'vmId']),
      equal: { vaultResourceGroup: sameText, vaultName: sameText, vmId: sameText, policyId: sameText },
    });
    const changes = [...d.changes];
    // Protection stopped out of band: the update resumes it.
    if (typeof olds.protectionState === 'string' && ['ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended'].includes(olds.protectionState)) {
      changes.push({ path: 'protectionState', kind: 'update', replace: false });
    }
    const vaultMoves = d.replaces.some((k) => k === 'vaultName' || k === 'vaultResourceGroup');
    // One VM is protected by one vault at a time: the old protection must go before the new one.
    return { changes, replaces: d.replaces, deleteBeforeReplace: vaultMoves && !d.replaces.includes('vmId') };
  },

  async create(ctx, urn, inputs, preview) {
    if (preview) return { id: '', outputs: derived(inputs) };
    const vault = vaultOf(inputs);
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, true);
      const existing = findItem(obs.protectedItems, String(inputs.vmId));
      const policyName = policyNameOf(String(inputs.policyId)) ?? '';
      if (existing && isActive(existing)) {
        const current = itemPolicyName(existing);
        if (current?.toLowerCase() !== policyName.toLowerCase()) {
          throw new ProviderError(
            `VM ${String(inputs.vmId)} is already protected with policy ${current ?? '(none)'}; nothing was changed. ` +
              `Declare policy ${current ?? '(none)'}, or import it (pulumi import vmbackup:index:VmProtection <name> ${existing.id}) and change its policy.`,
          );
        }
        ctx.log('info', `adopting the existing protection of ${existing.friendlyName}: it already uses policy ${current}`, urn);
        return { id: existing.id, outputs: outputsOf(inputs, existing) };
      }
      const item = await protect(ctx, urn, inputs, obs);
      return { id: item.id, outputs: outputsOf(inputs, item) };
    });
  },

  async read(ctx, id, state, oldInputs): Promise<ReadResult | undefined> {
    const vault = vaultFromId(id);
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, false);
      const item = itemById(obs, id);
      if (!item) return undefined;
      const prior = oldInputs ?? (state ? pickInputs(state) : {});
      const priorPolicy = typeof prior.policyId === 'string' ? prior.policyId : undefined;
      const priorVm = typeof prior.vmId === 'string' ? prior.vmId : undefined;
      // Keep the program's spelling of ids that still match (ARM ids are case-insensitive).
      const policyId = item.policyId && !sameArmId(item.policyId, priorPolicy) ? item.policyId : (priorPolicy ?? item.policyId ?? '');
      const inputs: PropertyMap = {
        vaultResourceGroup: prior.vaultResourceGroup ?? vault.resourceGroup,
        vaultName: prior.vaultName ?? vault.name,
        vmId: priorVm && sameArmId(priorVm, item.vmId) ? priorVm : item.vmId,
        policyId,
        retainDataOnDelete: prior.retainDataOnDelete ?? true,
      };
      return { id: item.id, inputs, outputs: outputsOf(inputs, item) };
    });
  },

  async update(ctx, urn, _id, olds, news, preview) {
    if (preview) return { ...olds, ...derived(news) };
    const vault = vaultOf(news);
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, false);
      const current = findItem(obs.protectedItems, String(news.vmId));
      const samePolicy = current && isActive(current) && itemPolicyName(current)?.toLowerCase() === policyNameOf(String(news.policyId))?.toLowerCase();
      if (current && samePolicy) return outputsOf(news, current);
      if (current && isStopped(current)) ctx.log('info', `resuming the stopped protection of ${current.friendlyName}`, urn);
      const item = await protect(ctx, urn, news, obs);
      return outputsOf(news, item);
    });
  },

  async delete(ctx, urn, id, state, oldInputs) {
    const vault = vaultFromId(id);
    const inputs = oldInputs ?? pickInputs(state);
    // Recovery points are deleted only when asked twice: the resource's `retainDataOnDelete: false` and the
    // provider's `allowDataDeletion: true`.
    const retainData = inputs.retainDataOnDelete !== false;
    if (!retainData && ctx.configured?.allowDataDeletion !== true) {
      throw new ProviderError(
        `${urn.split('::').pop()} says retainDataOnDelete: false, which deletes its backup data, but the provider does not allow data deletion; ` +
          'nothing was changed. Set the provider configuration vmbackup:allowDataDeletion to true to confirm, or set retainDataOnDelete: true to stop protection retaining the data.',
        grpc.status.FAILED_PRECONDITION,
      );
    }
    const target = await ctx.target();
    await ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, false);
      const item = itemById(obs, id);
      if (!item) return;
      ctx.log('info', retainData ? `stopping protection of ${item.friendlyName}; its recovery points are retained` : `stopping protection of ${item.friendlyName} and deleting its recovery points (retainDataOnDelete: false)`, urn);
      const spec = resourceSpec(target, { resourceGroup: vault.resourceGroup, name: vault.name }, urn, { stopProtection: [{ vm: { id: item.vmId }, retainData }] });
      await planAndApply(ctx, spec, obs, urn, { allowDataDeletion: !retainData, keep: (a) => sameArmId(a.target.vmId, item.vmId) });
    });
  },
};

function sameText(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}
