// Azure Backup's limits on one Recovery Services vault. They hold for every profile, so they live here rather
// than in the per-profile support table (facts/vm-backup-support.json). Sources, both Microsoft's:
// "Support matrix for Azure Backup" (vault support: "Up to 1,000 Azure VMs in a single vault") and
// "Azure Backup - Frequently asked questions" ("You can only have up to 200 policies per vault. However, adding
// new backup policies or editing current policies through Azure Resource Manager (ARM) templates or Azure
// Automation clients such as PowerShell, CLI is limited to 50 over a span of 24 hours").
import { ArmErrors } from './errors.js';
import type { Vault } from './model.js';
import type { Store } from './store.js';

/** Azure VMs one vault registers or protects. */
export const MAX_VMS_PER_VAULT = 1000;
/** Backup policies one vault holds (its DefaultPolicy included). */
export const MAX_POLICIES_PER_VAULT = 200;
/** Policy creations and edits through ARM one vault accepts in POLICY_WRITE_WINDOW_MS. */
export const MAX_POLICY_WRITES_PER_WINDOW = 50;
export const POLICY_WRITE_WINDOW_MS = 24 * 3_600_000;

/**
 * Refuses to take a VM new to the vault once the vault holds MAX_VMS_PER_VAULT: the VMs registered with it
 * (protecting registers too) and those a running register or protect is adding.
 */
export function checkVaultVmRoom(store: Store, vault: Vault, vmId: string): void {
  const vms = new Set(store.listContainers(vault.id).map((c) => c.vmId.toLowerCase()));
  for (const op of store.dueOperations(Number.MAX_SAFE_INTEGER)) {
    const adds = op.kind === 'register' || op.kind === 'protect';
    if (adds && String(op.args.vaultId).toLowerCase() === vault.id.toLowerCase()) vms.add(String(op.args.vmId).toLowerCase());
  }
  if (!vms.has(vmId.toLowerCase()) && vms.size >= MAX_VMS_PER_VAULT) throw ArmErrors.vaultVmLimit(vault.name, MAX_VMS_PER_VAULT);
}

/** Refuses a new policy once the vault holds MAX_POLICIES_PER_VAULT. */
export function checkVaultPolicyRoom(store: Store, vault: Vault): void {
  if (store.listPolicies(vault.id).length >= MAX_POLICIES_PER_VAULT) throw ArmErrors.vaultPolicyLimit(vault.name, MAX_POLICIES_PER_VAULT);
}

/**
 * Counts one policy creation or edit against the vault's budget of the last 24 hours (clock time), or refuses
 * it when the budget is spent. The vault returned carries the write; the caller stores it.
 */
export function spendPolicyWrite(vault: Vault, nowMs: number): Vault {
  const recent = (vault.policyWrites ?? []).filter((at) => at > nowMs - POLICY_WRITE_WINDOW_MS);
  if (recent.length >= MAX_POLICY_WRITES_PER_WINDOW) {
    throw ArmErrors.policyWriteLimit(vault.name, MAX_POLICY_WRITES_PER_WINDOW, new Date(recent[0] + POLICY_WRITE_WINDOW_MS).toISOString());
  }
  return { ...vault, policyWrites: [...recent, nowMs] };
}
