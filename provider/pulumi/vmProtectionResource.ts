// vmbackup:index:VmProtection: one VM protected by one policy, planned and applied by the CLI's engine.
import * as grpc from '@grpc/grpc-js';
import type { Target } from '../azure/index.js';
import { diskFindings, findItem, findPolicy, isActive, isStopped, itemPolicyName, policyChangeFindings, policyChoice, preflight, preflightFinding } from '../plan/index.js';
import {
  describeDisks,
  parseArmId,
  sameArmId,
  sameDisks,
  vmContainerName,
  vmLabelOfId,
  vmProtectedItemName,
  type DiskSelection,
  type Observation,
  type ObservedProtectedItem,
  type PreflightFinding,
} from '../core/index.js';
import { deepEqual, diffProperties, type ResourceDiff } from './diff.js';
import { checkDisksInput, disksFromInput, disksToInput } from './diskInput.js';
import { observeProtectedItem, observeVmItem } from '../discovery/index.js';
import { observeVault, planAndApply, resourceSpec, vaultFromId, type ProviderContext, type VaultRef } from './context.js';
import { containsUnknown, PartialFailure, ProviderError, UNKNOWN, type PropertyMap } from './protocol.js';
import { describeFinding, FINDING_PROPERTY, uniqueFindings } from './remedies.js';
import { checkVaultInputs, type CheckFailure, type ReadResult, type ResourceHandler } from './resource.js';

const INPUTS = ['vaultResourceGroup', 'vaultName', 'vmId', 'policyId', 'disks', 'retainDataOnDelete'] as const;

function vaultOf(inputs: PropertyMap): VaultRef {
  return { resourceGroup: String(inputs.vaultResourceGroup), name: String(inputs.vaultName) };
}

function vmParts(vmId: string): { resourceGroup: string; name: string } | undefined {
  const p = parseArmId(vmId);
  if (!p.subscriptions || !p.resourcegroups || !p.virtualmachines || p.provider?.toLowerCase() !== 'microsoft.compute') return undefined;
  return { resourceGroup: p.resourcegroups, name: p.virtualmachines };
}

export function policyNameOf(policyId: string): string | undefined {
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

function ruleSpec(target: Target, urn: string, inputs: PropertyMap, policyName: string) {
  const disks = disksFromInput(inputs.disks);
  return resourceSpec(target, vaultOf(inputs), urn, {
    rules: [{ name: 'pulumi', policy: policyName, vms: [{ id: String(inputs.vmId) }], ...(disks ? { disks } : {}) }],
  });
}

/**
 * What Azure Backup would refuse about this protection, judged from the vault as last read (preview
 * starts no discovery): the VM's pre-flight findings, or, for a VM this vault already protects, the
 * policy change's; and what the service refuses about `disks` (a selection on the classic profile, a LUN the
 * VM has no data disk at).
 */
export function protectionFindings(obs: Observation, vmId: string, policyName: string | undefined, disks?: DiskSelection): PreflightFinding[] {
  const vm = obs.vms.find((v) => sameArmId(v.id, vmId));
  if (!vm) {
    const p = parseArmId(vmId);
    return [preflightFinding('VmNotFound', `VM ${p.resourcegroups}/${p.virtualmachines} does not exist in subscription ${p.subscriptions}`)];
  }
  const chosen = policyChoice({ policies: [] }, obs, policyName);
  const item = findItem(obs.protectedItems, vmId);
  const diskSelectionFindings = diskFindings(vm, disks, 'disks', obs.profile);
  if (item && isActive(item)) {
    const current = itemPolicyName(item);
    if (!chosen || current?.toLowerCase() === chosen.name.toLowerCase()) return diskSelectionFindings;
    return [...policyChangeFindings(vm, policyChoice({ policies: [] }, obs, current), chosen, obs.profile), ...diskSelectionFindings];
  }
  return uniqueFindings([...preflight(vm, obs, chosen), ...diskSelectionFindings]);
}

async function previewFailures(ctx: ProviderContext, urn: string, inputs: PropertyMap): Promise<CheckFailure[]> {
  const vmId = String(inputs.vmId);
  const other = ctx.claimVm(vmId, urn);
  if (other) {
    return [
      {
        property: 'vmId',
        reason: `${urn} and ${other} both protect VM ${vmId}; a VM has one protection, so one of them must go: remove one VmProtection from the program (or give it another vmId).`,
      },
    ];
  }
  const obs = await ctx.observation(vaultOf(inputs));
  const policyName = inputs.policyId === UNKNOWN ? undefined : policyNameOf(String(inputs.policyId));
  const disks = containsUnknown(inputs.disks) ? undefined : disksFromInput(inputs.disks);
  const failures: CheckFailure[] = protectionFindings(obs, vmId, policyName, disks).map((f) => ({ property: FINDING_PROPERTY[f.code], reason: describeFinding(f) }));
  if (policyName && !findPolicy(obs.policies, policyName)) {
    failures.push({ property: 'policyId', reason: `policy ${policyName} does not exist in vault ${obs.vault.name}; pass the id of a vmbackup:index:Policy of that vault.` });
  }
  return failures;
}

/** The inputs VmProtection and ProtectionSet share: the policy's id, retainDataOnDelete and the disks. */
export function checkProtectionInputs(inputs: PropertyMap): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const { policyId, retainDataOnDelete } = inputs;
  if (policyId === undefined) failures.push({ property: 'policyId', reason: 'missing required property "policyId"' });
  else if (policyId !== UNKNOWN && (typeof policyId !== 'string' || !policyNameOf(policyId))) {
    failures.push({ property: 'policyId', reason: "policyId must be a backup policy ARM id (…/vaults/{vault}/backupPolicies/{name}): pass a Policy's id" });
  }
  if (retainDataOnDelete !== undefined && retainDataOnDelete !== UNKNOWN && typeof retainDataOnDelete !== 'boolean') {
    failures.push({ property: 'retainDataOnDelete', reason: 'retainDataOnDelete must be true or false' });
  }
  failures.push(...checkDisksInput(inputs.disks).map((reason) => ({ property: 'disks', reason })));
  return failures;
}

/**
 * This VM's protected item as the vault holds it now (one GET), also put into the vault's observation; when it
 * cannot be read, the observation is dropped, so the next operation reads the vault again.
 */
async function currentItem(ctx: ProviderContext, vault: VaultRef, vmId: string): Promise<ObservedProtectedItem | undefined> {
  const vm = vmParts(vmId);
  if (!vm) return undefined;
  const item = await observeVmItem(await ctx.target(), vault, vm).catch((e: unknown) => {
    ctx.invalidate(vault);
    throw e;
  });
  ctx.recordItem(vault, vmId, item);
  return item;
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
    const item = await currentItem(ctx, vault, vmId).catch(() => undefined);
    if (item && !item.softDeleted) {
      throw new PartialFailure((e as Error).message, item.id, outputsOf(inputs, item), inputs, [(e as Error).message]);
    }
    throw e;
  }
  const item = await currentItem(ctx, vault, vmId);
  if (!item || item.softDeleted) throw new ProviderError(`protection of ${vmId} was applied but the vault does not list it`);
  return item;
}

/**
 * The vault's observation with this VM's item read again: what other operations of this process wrote is
 * already in it, and the item is read because another program (or a person) may have changed it.
 */
async function observeWithItem(ctx: ProviderContext, vault: VaultRef, vmId: string): Promise<Observation> {
  await currentItem(ctx, vault, vmId);
  return ctx.observation(vault);
}

export const vmProtectionResource: ResourceHandler = {
  async check(ctx, urn, news) {
    const inputs: PropertyMap = { ...news, retainDataOnDelete: news.retainDataOnDelete ?? true };
    const failures: CheckFailure[] = checkVaultInputs(inputs);
    const known = new Set<string>(INPUTS);
    for (const k of Object.keys(inputs)) if (!known.has(k)) failures.push({ property: k, reason: `unknown property "${k}" of vmbackup:index:VmProtection` });
    const { vmId, policyId } = inputs;
    if (vmId === undefined) failures.push({ property: 'vmId', reason: 'missing required property "vmId"' });
    else if (vmId !== UNKNOWN && (typeof vmId !== 'string' || !vmParts(vmId))) {
      failures.push({ property: 'vmId', reason: 'vmId must be a VM ARM id: /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}' });
    }
    failures.push(...checkProtectionInputs(inputs));
    const name = typeof policyId === 'string' && policyId !== UNKNOWN ? policyNameOf(policyId) : undefined;
    if (name && typeof inputs.vaultName === 'string' && inputs.vaultName !== UNKNOWN) {
      const v = vaultFromId(String(policyId));
      const sameVault = v.name.toLowerCase() === String(inputs.vaultName).toLowerCase() && v.resourceGroup.toLowerCase() === String(inputs.vaultResourceGroup).toLowerCase();
      if (!sameVault) failures.push({ property: 'policyId', reason: `policy ${name} belongs to vault ${v.resourceGroup}/${v.name}, not to ${String(inputs.vaultResourceGroup)}/${String(inputs.vaultName)}` });
    }
    // Preview tells what `up` would refuse, once the inputs are well-formed and the VM and vault are known.
    if (failures.length === 0 && ctx.configured && !containsUnknown([inputs.vmId, inputs.vaultName, inputs.vaultResourceGroup])) {
      failures.push(...(await previewFailures(ctx, urn, inputs)));
    }
    return { inputs, failures };
  },

  diff(olds, news, oldInputs): ResourceDiff {
    const before = pickInputs(oldInputs ?? olds);
    const d = diffProperties(before, news, {
      replaceOn: new Set(['vaultResourceGroup', 'vaultName', 'vmId']),
      equal: { vaultResourceGroup: sameText, vaultName: sameText, vmId: sameText, policyId: sameText, disks: sameDisksInput },
      atomic: new Set(['disks']),
    });
    const vaultMoves = d.replaces.some((k) => k === 'vaultName' || k === 'vaultResourceGroup');
    // One VM is protected by one vault at a time: the old protection must go before the new one.
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: vaultMoves && !d.replaces.includes('vmId') };
  },

  async create(ctx, urn, inputs, preview) {
    if (preview) return { id: '', outputs: derived(inputs) };
    const vault = vaultOf(inputs);
    const vmId = String(inputs.vmId);
    // Discovery (a slow, throttled write) only for a VM the vault has not discovered yet, once for all the
    // creates waiting on it: the vault's lock is held for discovery alone, so protections run side by side.
    // The vault as this process last read it, with its own writes since; apply's first attempt trusts it.
    let obs = await ctx.observation(vault);
    if (!knownToVault(obs, vmId)) {
      obs = await ctx.withVault(vault, async () => {
        const now = await ctx.observation(vault);
        return knownToVault(now, vmId) ? now : observeVault(ctx, vault, 'discover');
      });
    }
    const existing = findItem(obs.protectedItems, vmId);
    const policyName = policyNameOf(String(inputs.policyId)) ?? '';
    if (existing && isActive(existing)) {
      const current = itemPolicyName(existing);
      if (current?.toLowerCase() !== policyName.toLowerCase()) {
        throw new ProviderError(
          `VM ${String(inputs.vmId)} is already protected with policy ${current ?? '(none)'}; nothing was changed. ` +
            `Declare policy ${current ?? '(none)'}, or import it (pulumi import vmbackup:index:VmProtection <name> ${existing.id}) and change its policy.`,
        );
      }
      if (sameDisks(existing.disks, disksFromInput(inputs.disks))) {
        ctx.log('info', `adopting the existing protection of ${existing.friendlyName}: it already uses policy ${current}`, urn);
        return { id: existing.id, outputs: outputsOf(inputs, existing) };
      }
      ctx.log('info', `adopting the existing protection of ${existing.friendlyName} and backing up disks: ${describeDisks(disksFromInput(inputs.disks))}`, urn);
    }
    const item = await protect(ctx, urn, inputs, obs);
    return { id: item.id, outputs: outputsOf(inputs, item) };
  },

  async read(ctx, id, state, oldInputs): Promise<ReadResult | undefined> {
    const vault = vaultFromId(id);
    const item = await observeProtectedItem(await ctx.target(), id);
    if (!item || item.softDeleted) return undefined;
    const prior = oldInputs ?? (state ? pickInputs(state) : {});
    const priorPolicy = typeof prior.policyId === 'string' ? prior.policyId : undefined;
    const priorVm = typeof prior.vmId === 'string' ? prior.vmId : undefined;
    // Keep the program's spelling of ids that still match (ARM ids are case-insensitive). A protection
    // stopped out of band applies no policy: the next preview shows policyId "" => the program's.
    const policyId = !isActive(item) ? '' : item.policyId && !sameArmId(item.policyId, priorPolicy) ? item.policyId : (priorPolicy ?? item.policyId ?? '');
    const inputs: PropertyMap = {
      vaultResourceGroup: prior.vaultResourceGroup ?? vault.resourceGroup,
      vaultName: prior.vaultName ?? vault.name,
      vmId: priorVm && sameArmId(priorVm, item.vmId) ? priorVm : item.vmId,
      policyId,
      ...readDisks(item, prior.disks),
      retainDataOnDelete: prior.retainDataOnDelete ?? true,
    };
    return { id: item.id, inputs, outputs: outputsOf(inputs, item) };
  },

  async update(ctx, urn, _id, olds, news, preview) {
    if (preview) return { ...olds, ...derived(news) };
    const vault = vaultOf(news);
    const obs = await observeWithItem(ctx, vault, String(news.vmId));
    const current = findItem(obs.protectedItems, String(news.vmId));
    const samePolicy = current && isActive(current) && itemPolicyName(current)?.toLowerCase() === policyNameOf(String(news.policyId))?.toLowerCase();
    if (current && samePolicy && sameDisks(current.disks, disksFromInput(news.disks))) return outputsOf(news, current);
    if (current && isStopped(current)) ctx.log('info', `resuming the stopped protection of ${vmLabelOfId(current.vmId, current.friendlyName)}`, urn);
    const item = await protect(ctx, urn, news, obs);
    return outputsOf(news, item);
  },

  async delete(ctx, urn, id, state, oldInputs) {
    const vault = vaultFromId(id);
    const inputs = oldInputs ?? pickInputs(state);
    // Recovery points are deleted only when asked twice: the resource's `retainDataOnDelete: false` and the
    // provider's `allowDataDeletion: true`.
    const retainData = inputs.retainDataOnDelete !== false;
    if (!retainData && ctx.configured?.allowDataDeletion !== true) {
      throw new ProviderError(
        `${urn.split('::').pop()} says retainDataOnDelete: false, which deletes its recovery points, but the provider does not allow data deletion, so nothing was changed. ` +
          'To delete them, confirm in this order: `pulumi config set vmbackup:allowDataDeletion true`, `pulumi up` (the provider takes its configuration from the last update), then `pulumi destroy` again. ' +
          'To keep them, set retainDataOnDelete: true, `pulumi up`, then `pulumi destroy`.',
        grpc.status.FAILED_PRECONDITION,
      );
    }
    const target = await ctx.target();
    const item = await observeProtectedItem(target, id);
    if (!item || item.softDeleted) return;
    ctx.recordItem(vault, item.vmId, item);
    const obs = await ctx.observation(vault);
    const vm = vmLabelOfId(item.vmId, item.friendlyName);
    ctx.log('info', retainData ? `stopping protection of ${vm}; its recovery points are retained` : `stopping protection of ${vm} and deleting its recovery points (retainDataOnDelete: false)`, urn);
    const spec = resourceSpec(target, { resourceGroup: vault.resourceGroup, name: vault.name }, urn, { stopProtection: [{ vm: { id: item.vmId }, retainData }] });
    try {
      await planAndApply(ctx, spec, obs, urn, { allowDataDeletion: !retainData, keep: (a) => sameArmId(a.target.vmId, item.vmId) });
    } finally {
      await currentItem(ctx, vault, item.vmId).catch(() => undefined);
    }
  },
};

/** Whether the vault has discovered the VM: it offers it for protection, holds its registration or an item. */
function knownToVault(obs: Observation, vmId: string): boolean {
  const vm = obs.vms.find((v) => sameArmId(v.id, vmId));
  return vm !== undefined && (vm.protectable || vm.registered || findItem(obs.protectedItems, vmId) !== undefined);
}

/** The item's disks as an input: the program's own spelling while it means the same selection. */
function readDisks(item: ObservedProtectedItem, prior: unknown): { disks?: unknown } {
  if (prior !== undefined && checkDisksInput(prior).length === 0 && sameDisks(disksFromInput(prior), item.disks)) return { disks: prior };
  const disks = disksToInput(item.disks);
  return disks ? { disks } : {};
}

function sameDisksInput(a: unknown, b: unknown): boolean {
  if (checkDisksInput(a).length > 0 || checkDisksInput(b).length > 0 || containsUnknown(b)) return deepEqual(a, b);
  return sameDisks(disksFromInput(a), disksFromInput(b));
}

function sameText(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}
