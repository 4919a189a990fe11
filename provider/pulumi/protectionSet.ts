// vmbackup:index:ProtectionSet: every VM a selector picks, protected by one policy. A component: it resolves
// the selector read-only (no discovery, no write) and registers one VmProtection child per VM, so each VM
// has its own diff, its own import and its own protection state.
import * as grpc from '@grpc/grpc-js';
import * as pulumi from '@pulumi/pulumi';
import { vmOrder } from '../plan/index.js';
import type { ObservedVm } from '../core/index.js';
import { settled, type ComponentArgs, type ComponentResult } from './componentRuntime.js';
import { vaultFromId, type ProviderContext, type VaultRef } from './context.js';
import { toSelector, vaultVms } from './functions.js';
import { containsUnknown, ProviderError, UNKNOWN, type PropertyMap } from './protocol.js';
import { checkVaultInputs, type CheckFailure } from './resource.js';
import type { DiskSelection } from './sdk/types.js';
import { VmProtection } from './sdk/vmProtection.js';
import { checkProtectionInputs, policyNameOf } from './vmProtectionResource.js';

export const PROTECTION_SET = 'vmbackup:index:ProtectionSet';

const INPUTS = new Set(['selector', 'policyId', 'vaultResourceGroup', 'vaultName', 'disks', 'retainDataOnDelete']);

/** The component as the engine records it; its outputs are registered once the children are. */
class ProtectionSetResource extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super(PROTECTION_SET, name, {}, opts);
  }

  complete(outputs: pulumi.Inputs): void {
    this.registerOutputs(outputs);
  }
}

/**
 * A child's name from its VM's resource group and name, which together tell two VMs of a vault apart. Lower
 * case, as Azure's names are case-insensitive: a VM reported in another casing must not be replaced.
 */
export function childName(setName: string, vm: Pick<ObservedVm, 'resourceGroup' | 'name'>): string {
  return `${setName}/${vm.resourceGroup.toLowerCase()}/${vm.name.toLowerCase()}`;
}

/** The vault given, or the policy's; undefined while the inputs it comes from are not known (preview). */
function vaultOf(props: PropertyMap, failures: CheckFailure[]): VaultRef | undefined {
  if (props.vaultResourceGroup !== undefined || props.vaultName !== undefined) {
    failures.push(...checkVaultInputs(props));
    if (containsUnknown([props.vaultResourceGroup, props.vaultName])) return undefined;
    return { resourceGroup: String(props.vaultResourceGroup), name: String(props.vaultName) };
  }
  const { policyId } = props;
  if (typeof policyId !== 'string' || policyId === UNKNOWN || !policyNameOf(policyId)) return undefined;
  const { resourceGroup, name } = vaultFromId(policyId);
  return { resourceGroup, name };
}

function checkInputs(props: PropertyMap, failures: CheckFailure[]): void {
  for (const k of Object.keys(props)) if (!INPUTS.has(k)) failures.push({ property: k, reason: `unknown property "${k}" of ${PROTECTION_SET}` });
  if (props.selector === undefined) failures.push({ property: 'selector', reason: 'missing required property "selector": the tags, resource groups or names of the VMs to protect' });
  failures.push(...checkProtectionInputs(props));
}

/**
 * One VM's child. The policy id is passed as the program gave it, so the child depends on the Policy resource;
 * the disks too, so each child's Check judges them against its own VM.
 */
function protection(set: pulumi.ComponentResource, setName: string, vault: VaultRef, vm: ObservedVm, inputs: pulumi.Inputs): VmProtection {
  const args = {
    vaultResourceGroup: vault.resourceGroup,
    vaultName: vault.name,
    vmId: vm.id,
    policyId: inputs.policyId as pulumi.Input<string>,
    retainDataOnDelete: (inputs.retainDataOnDelete as pulumi.Input<boolean> | undefined) ?? true,
    ...(inputs.disks !== undefined ? { disks: inputs.disks as pulumi.Input<DiskSelection> } : {}),
  };
  return new VmProtection(childName(setName, vm), args, { parent: set });
}

/** Registers the component and one VmProtection per selected VM of the vault's region, in resource group/name order. */
export async function constructProtectionSet(ctx: ProviderContext, args: ComponentArgs): Promise<ComponentResult> {
  const { name, props } = args;
  const failures: CheckFailure[] = [];
  checkInputs(props, failures);
  const selector = props.selector === undefined || containsUnknown(props.selector) ? undefined : toSelector(props.selector, failures);
  const vault = vaultOf(props, failures);
  if (failures.length > 0) {
    throw new ProviderError(`${PROTECTION_SET} ${name} has invalid inputs, so nothing was registered:\n  ${failures.map((f) => `${f.property}: ${f.reason}`).join('\n  ')}`, grpc.status.INVALID_ARGUMENT);
  }
  const component = new ProtectionSetResource(name, args.opts);
  // The observation preview reads: Compute's VMs and the vault as they are, without a discovery.
  const vms = vault && selector ? vaultVms(await ctx.observation(vault), selector).sort(vmOrder) : undefined;
  if (!vms) ctx.log('info', `${name}: its vault or selector is known only once the resources they come from exist; the VMs it protects are listed then`);
  const children = vault && vms ? vms.map((vm) => protection(component, name, vault, vm, args.inputs)) : [];
  const state: PropertyMap = vms ? { vmIds: vms.map((vm) => vm.id), count: vms.length } : { vmIds: UNKNOWN, count: UNKNOWN };
  component.complete(vms ? state : {});
  // A child the engine refuses fails this Construct with the engine's reason.
  await Promise.all(children.map((c) => settled(c.urn)));
  return { urn: component.urn, state };
}
