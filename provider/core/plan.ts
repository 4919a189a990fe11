// A plan is plain data: a closed set of actions. `reason` is for people and never steers apply.
import type { DiskSelection } from './disks.js';
import type { PolicySettings, SourceLocation, VaultSettingName, VaultSettingValues } from './spec.js';

export const PLAN_FORMAT_VERSION = 1;

export type ActionKind =
  | 'createPolicy'
  | 'updatePolicy'
  | 'register'
  | 'protect'
  | 'changePolicy'
  | 'changeDisks'
  | 'stopProtection'
  | 'stopProtectionDeleteData'
  | 'unregister'
  | 'undelete'
  | 'vaultSettings';

/** Pre-flight findings: the guide's preconditions for registering and protecting a VM. */
export type PreflightCode =
  | 'VmNotFound'
  | 'VmNotRunning'
  | 'AgentMissing'
  | 'AgentOutdated'
  | 'TooManyDataDisks'
  | 'PremiumStorageUnsupported'
  | 'MultipleNicsUnsupported'
  | 'LoadBalancerUnsupported'
  | 'UnsupportedOs'
  | 'OtherRegion'
  | 'ProtectedByOtherVault'
  | 'OperationInProgress'
  | 'EnhancedPolicyRequired'
  | 'EnhancedPolicyToStandard'
  | 'NoVaultInRegion'
  | 'AmbiguousVault'
  | 'VaultItemLimit'
  | 'VaultPolicyLimit'
  | 'PolicyWriteLimit'
  | 'DiskLunNotFound'
  | 'SelectiveDisksUnsupported'
  | 'StorageRedundancyLocked'
  | 'SoftDeleteAlwaysOn'
  | 'ImmutabilityLocked'
  | 'CrossRegionRestoreNeedsGeoRedundant';

export interface PreflightFinding {
  readonly code: PreflightCode;
  readonly message: string;
  readonly remedy: string;
  /** The Azure Backup error code the service would answer with, e.g. "UserErrorGuestAgentStatusUnavailable". */
  readonly azureErrorCode?: string;
}

/** What an action names, as every kind may name it; each kind's own target says which fields it requires. */
export interface ActionTarget {
  /** ARM id of the VM, for VM actions. */
  readonly vmId?: string;
  readonly vmName?: string;
  readonly resourceGroup?: string;
  /** Policy name: the policy written for policy actions, the policy assigned for protect / changePolicy. */
  readonly policyName?: string;
  /** Protected item and container names for actions on an existing protection. */
  readonly protectedItemName?: string;
  readonly containerName?: string;
}

export interface PolicyTarget extends ActionTarget {
  readonly policyName: string;
}

/** A VM, named by its ARM id and by resource group and name. */
export interface VmTarget extends ActionTarget {
  readonly vmId: string;
  readonly vmName: string;
  readonly resourceGroup: string;
}

/** A VM and its container in the vault, e.g. "IaasVMContainer;iaasvmcontainerv2;rg;vm". */
export interface ContainerTarget extends VmTarget {
  readonly containerName: string;
}

/** A VM, its container and its protected item, e.g. "VM;iaasvmcontainerv2;rg;vm". */
export interface ItemTarget extends ContainerTarget {
  readonly protectedItemName: string;
}

interface ActionOf<K extends ActionKind, T extends ActionTarget> {
  /** Stable within a plan, e.g. "protect:/subscriptions/.../virtualMachines/vm1". */
  readonly id: string;
  readonly kind: K;
  readonly target: T;
  readonly reason: string;
  /** Non-empty means the action is shown but not attempted. */
  readonly blockedBy: readonly PreflightFinding[];
  /**
   * register / undelete / protect (the VM's first write) of a VM whose agent the plan did not read (ObservedVm.agentUnread):
   * apply reads the VM and blocks the action, writing nothing, when its agent fails pre-flight.
   */
  readonly agentCheckAtApply?: true;
  /** Ids of actions that must succeed first. */
  readonly dependsOn: readonly string[];
  /** Where in the spec the action comes from. */
  readonly source?: SourceLocation;
  /** Estate plans: the vault the action runs in (PlanVault.key); absent for a VM no declared vault can take. */
  readonly vault?: string;
}

export interface CreatePolicyAction extends ActionOf<'createPolicy', PolicyTarget> {
  /** The settings written. */
  readonly policy: PolicySettings;
}

export interface UpdatePolicyAction extends ActionOf<'updatePolicy', PolicyTarget> {
  readonly policy: PolicySettings;
  /** The settings seen before, for display; absent when the vault's policy is not one vmbackup can read. */
  readonly previousPolicy?: PolicySettings;
}

export type RegisterAction = ActionOf<'register', ContainerTarget>;

export interface ProtectAction extends ActionOf<'protect', ItemTarget & PolicyTarget> {
  /** The disks the new protection backs up, written in the same PUT; absent means every disk. */
  readonly disks?: DiskSelection;
}

export interface ChangePolicyAction extends ActionOf<'changePolicy', ItemTarget & PolicyTarget> {
  /** The policy currently assigned. */
  readonly fromPolicyName?: string;
  /** The disk selection written with the policy when it differs too. */
  readonly disks?: DiskSelection;
}

/** Only the disk selection of an active protection differs: the item is written again with its policy and the declared disks. */
export interface ChangeDisksAction extends ActionOf<'changeDisks', ItemTarget & PolicyTarget> {
  readonly disks: DiskSelection;
  /** The selection the item has now. */
  readonly fromDisks: DiskSelection;
}

export type StopProtectionAction = ActionOf<'stopProtection', ItemTarget>;

export type DeleteDataAction = ActionOf<'stopProtectionDeleteData', ItemTarget>;

export type UnregisterAction = ActionOf<'unregister', ContainerTarget>;

/** Brings a soft-deleted item back (stopped, its recovery points kept), so that protect can resume it. */
export type UndeleteAction = ActionOf<'undelete', ItemTarget>;

/** One setting a vaultSettings action changes. */
export interface VaultSettingChange<K extends VaultSettingName = VaultSettingName> {
  readonly setting: K;
  readonly from: VaultSettingValues[K];
  readonly to: VaultSettingValues[K];
  /** Lowers the vault's protection of its backup data: applied only with --allow-weaker-vault-settings. */
  readonly weakens: boolean;
  readonly source?: SourceLocation;
}

/** Writes the vault's own safety settings; `target` names no VM or policy, the plan's vault is the subject. */
export interface VaultSettingsAction extends ActionOf<'vaultSettings', ActionTarget> {
  readonly changes: readonly VaultSettingChange[];
}

/** The closed set of actions, each with the fields its kind requires (schemas/plan.schema.json says the same). */
export type PlannedAction =
  | CreatePolicyAction
  | UpdatePolicyAction
  | RegisterAction
  | ProtectAction
  | ChangePolicyAction
  | ChangeDisksAction
  | StopProtectionAction
  | DeleteDataAction
  | UnregisterAction
  | UndeleteAction
  | VaultSettingsAction;

/** A vault of an estate plan, and the state it was planned from. */
export interface PlanVault {
  /** "subscription/resourceGroup/name", lower case: what actions name in `vault`. */
  readonly key: string;
  readonly subscriptionId: string;
  readonly vaultResourceGroup: string;
  readonly vaultName: string;
  readonly location: string;
  readonly stateFingerprint: string;
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly createdAt: string;
  readonly spec: { readonly file: string; readonly digest: string };
  readonly target: {
    readonly subscriptionId: string;
    readonly vaultResourceGroup: string;
    readonly vaultName: string;
  };
  /** Digest of the observed state the plan was made from; apply refuses the plan when it has moved. */
  readonly stateFingerprint: string;
  /** Estate plans only: every declared vault (`target` is the first); each vault is applied and checked on its own. */
  readonly vaults?: readonly PlanVault[];
  readonly actions: readonly PlannedAction[];
  readonly summary: {
    readonly toApply: number;
    readonly blocked: number;
    readonly byKind: Readonly<Partial<Record<ActionKind, number>>>;
  };
}
