// A plan is plain data: a closed set of actions. `reason` is for people and never steers apply.
import type { PolicySettings, SourceLocation } from './spec.js';

export const PLAN_FORMAT_VERSION = 1;

export type ActionKind =
  | 'createPolicy'
  | 'updatePolicy'
  | 'register'
  | 'protect'
  | 'changePolicy'
  | 'stopProtection'
  | 'stopProtectionDeleteData'
  | 'unregister';

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
  | 'EnhancedPolicyToStandard';

export interface PreflightFinding {
  readonly code: PreflightCode;
  readonly message: string;
  readonly remedy: string;
  /** The Azure Backup error code the service would answer with, e.g. "UserErrorGuestAgentStatusUnavailable". */
  readonly azureErrorCode?: string;
}

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

export interface PlannedAction {
  /** Stable within a plan, e.g. "protect:/subscriptions/.../virtualMachines/vm1". */
  readonly id: string;
  readonly kind: ActionKind;
  readonly target: ActionTarget;
  /** Full settings for createPolicy / updatePolicy. */
  readonly policy?: PolicySettings;
  /** For updatePolicy: the settings seen before, for display. */
  readonly previousPolicy?: PolicySettings;
  /** For changePolicy: the policy currently assigned. */
  readonly fromPolicyName?: string;
  readonly reason: string;
  /** Non-empty means the action is shown but not attempted. */
  readonly blockedBy: readonly PreflightFinding[];
  /** Ids of actions that must succeed first. */
  readonly dependsOn: readonly string[];
  /** Where in the spec the action comes from. */
  readonly source?: SourceLocation;
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
  readonly actions: readonly PlannedAction[];
  readonly summary: {
    readonly toApply: number;
    readonly blocked: number;
    readonly byKind: Readonly<Partial<Record<ActionKind, number>>>;
  };
}
