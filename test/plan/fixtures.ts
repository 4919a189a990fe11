// Small hand-made observations and specs for tests of the planner, drift and the views. Every builder
// starts from a healthy default (a running Windows VM that passes every pre-flight check, a daily policy)
// and takes overrides, so a test states only what matters to it.
import {
  oneVaultEstate,
  policyArmId,
  vaultArmId,
  vmArmId,
  vmContainerName,
  vmProtectedItemName,
  type Observation,
  type ObservedJob,
  type ObservedPolicy,
  type ObservedProtectedItem,
  type ObservedVault,
  type ObservedVm,
  type OtherVault,
  type PolicySettings,
  type ProtectionRule,
  type ResolvedPolicy,
  type ResolvedSpec,
  type SourceLocation,
  type StopProtectionEntry,
  type VmPick,
  type VmSelector,
} from '../../provider/core/index.js';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const VAULT_RG = 'rg-backup';
export const VAULT_NAME = 'vault-weu';
export const REGION = 'westeurope';
export const VAULT_ID = vaultArmId(SUB, VAULT_RG, VAULT_NAME);
export const SPEC_FILE = 'backup.yaml';
export const OBSERVED_AT = '2025-03-10T12:00:00.000Z';

export const WINDOWS_IMAGE = 'MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest';
export const UBUNTU_IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';

/** A location in the spec file, column 3 (list items) unless told. */
export function loc(line: number, col = 3): SourceLocation {
  return { file: SPEC_FILE, line, col };
}

export function vmId(resourceGroup: string, name: string): string {
  return vmArmId(SUB, resourceGroup, name);
}

export function makeVm(o: Partial<ObservedVm> & { name: string; resourceGroup?: string }): ObservedVm {
  const resourceGroup = o.resourceGroup ?? 'rg-app';
  const linux = o.osType === 'Linux';
  return {
    id: vmId(resourceGroup, o.name),
    location: REGION,
    osType: 'Windows',
    osImage: linux ? UBUNTU_IMAGE : WINDOWS_IMAGE,
    powerState: 'running',
    agentVersion: '2.7.41491.1102',
    agentStatus: 'Ready',
    dataDisks: 1,
    storageSku: 'Standard_LRS',
    dataDiskSkus: [],
    nicCount: 1,
    loadBalanced: false,
    tags: {},
    backupExtension: false,
    registered: false,
    protectable: true,
    ...o,
    resourceGroup,
  };
}

/** vault-b of the same region, as backupStatus names it: protecting the VM, or only holding its registration. */
export function makeOtherVault(protectionStatus = 'Protected'): OtherVault {
  return { id: vaultArmId(SUB, 'rg-backup-b', 'vault-b'), name: 'vault-b', resourceGroup: 'rg-backup-b', protectionStatus };
}

export function makePolicySettings(o: Partial<PolicySettings> = {}): PolicySettings {
  return {
    schedule: { frequency: 'Daily', time: '10:00' },
    retention: { dailyDays: 30 },
    instantRestoreDays: 2,
    timeZone: 'UTC',
    policyType: 'V1',
    ...o,
  };
}

export function makePolicy(name: string, o: Partial<PolicySettings> = {}, line = 5): ResolvedPolicy {
  return { name, ...makePolicySettings(o), source: loc(line) };
}

export function makeObservedPolicy(name: string, settings: PolicySettings | undefined = makePolicySettings(), protectedItemsCount = 0): ObservedPolicy {
  return { id: policyArmId(VAULT_ID, name), name, settings, protectedItemsCount };
}

/** A protected item for `vm` (registered implicitly), Protected with the given policy by default. */
export function makeProtectedItem(vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup'>, o: Partial<ObservedProtectedItem> = {}): ObservedProtectedItem {
  const policyName = o.policyName ?? 'daily';
  const containerName = vmContainerName(vm.resourceGroup, vm.name);
  const name = vmProtectedItemName(vm.resourceGroup, vm.name);
  return {
    id: `${VAULT_ID}/backupFabrics/Azure/protectionContainers/${containerName}/protectedItems/${name}`,
    name,
    containerName,
    vmId: vm.id,
    friendlyName: vm.name,
    policyId: policyArmId(VAULT_ID, policyName),
    policyName,
    protectionState: 'Protected',
    healthStatus: 'Passed',
    lastBackupStatus: 'Completed',
    lastBackupTime: '2025-03-10T10:30:00.000Z',
    lastRecoveryPoint: '2025-03-10T10:30:00.000Z',
    softDeleted: false,
    ...o,
  };
}

let jobCounter = 0;
export function makeJob(o: Partial<ObservedJob> & { vmName: string }): ObservedJob {
  jobCounter += 1;
  const name = o.name ?? `job-${jobCounter}`;
  return {
    id: `${VAULT_ID}/backupJobs/${name}`,
    name,
    operation: 'Backup',
    status: 'Completed',
    startTime: '2025-03-10T10:00:00.000Z',
    endTime: '2025-03-10T10:30:00.000Z',
    durationSeconds: 1800,
    errors: [],
    ...o,
  };
}

export function makeVault(o: Partial<ObservedVault> = {}): ObservedVault {
  return { id: VAULT_ID, name: VAULT_NAME, resourceGroup: VAULT_RG, subscriptionId: SUB, location: REGION, ...o };
}

export function makeObservation(o: Partial<Observation> = {}): Observation {
  return {
    observedAt: OBSERVED_AT,
    profile: 'classic',
    vault: makeVault(),
    vms: [],
    policies: [],
    protectedItems: [],
    jobs: [],
    apiCalls: {},
    ...o,
  };
}

export function pick(resourceGroup: string, name: string, line?: number): VmPick {
  return { resourceGroup, name, ...(line !== undefined ? { source: loc(line, 9) } : {}) };
}

export function selector(o: Partial<Omit<VmSelector, 'exclude'>> & { exclude?: Partial<VmSelector['exclude']> } = {}): VmSelector {
  return {
    resourceGroups: o.resourceGroups ?? [],
    names: o.names ?? [],
    tags: o.tags ?? {},
    exclude: { resourceGroups: [], names: [], tags: {}, vms: [], ...o.exclude },
  };
}

export function makeRule(name: string, policy: string, o: { vms?: VmPick[]; selector?: VmSelector; line?: number } = {}): ProtectionRule {
  return { name, policy, vms: o.vms ?? [], ...(o.selector ? { selector: o.selector } : {}), source: loc(o.line ?? 20) };
}

export function makeStop(vm: VmPick, retainData = true, line = 40): StopProtectionEntry {
  return { vm, retainData, source: loc(line) };
}

export function makeSpec(o: Partial<ResolvedSpec> = {}): ResolvedSpec {
  return {
    apiVersion: 'vmbackup/v1',
    file: SPEC_FILE,
    digest: 'sha256:0000',
    target: { subscriptionId: SUB, vault: { resourceGroup: VAULT_RG, name: VAULT_NAME }, source: loc(2, 1) },
    ...oneVaultEstate({ subscriptionId: SUB, vault: { resourceGroup: VAULT_RG, name: VAULT_NAME }, source: loc(2, 1) }),
    policies: [makePolicy('daily')],
    rules: [],
    stopProtection: [],
    undeclared: 'report',
    ...o,
  };
}
