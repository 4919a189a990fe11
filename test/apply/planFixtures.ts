// Hand-written plans: apply runs a plan exactly, so its tests state the actions themselves.
import {
  PLAN_FORMAT_VERSION,
  vmArmId,
  vmContainerName,
  vmProtectedItemName,
  type ActionKind,
  type Plan,
  type PlannedAction,
  type PolicySettings,
  type PreflightFinding,
} from '../../provider/core/index.js';

export const SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';

export const DAILY: PolicySettings = {
  schedule: { frequency: 'Daily', time: '10:00' },
  retention: { dailyDays: 30 },
  instantRestoreDays: 2,
  timeZone: 'UTC',
  policyType: 'V1',
};

export const WEEKLY: PolicySettings = {
  schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday'] },
  retention: { weekly: { weeks: 4, days: ['Sunday'] } },
  instantRestoreDays: 2,
  timeZone: 'UTC',
  policyType: 'V1',
};

export function createPolicy(name: string, policy: PolicySettings = DAILY): PlannedAction {
  return { id: `createPolicy:${name}`, kind: 'createPolicy', target: { policyName: name }, policy, reason: 'declared', blockedBy: [], dependsOn: [] };
}

/** A VM of the fleet as actions name it: id, names, container and protected item. */
function vm(rg: string, name: string) {
  return { vmId: vmArmId(SUBSCRIPTION, rg, name), vmName: name, resourceGroup: rg, containerName: vmContainerName(rg, name), protectedItemName: vmProtectedItemName(rg, name) };
}

const common = (kind: ActionKind, rg: string, name: string) => ({ id: `${kind}:${vmArmId(SUBSCRIPTION, rg, name)}`, reason: kind, blockedBy: [], dependsOn: [] });

export const register = (rg: string, name: string, blockedBy: PreflightFinding[] = []): PlannedAction => ({ ...common('register', rg, name), kind: 'register', target: vm(rg, name), blockedBy });

/** register + protect with `policy`, protect depending on both. */
export function protect(rg: string, name: string, policy = 'daily'): PlannedAction[] {
  const reg = register(rg, name);
  return [reg, { ...common('protect', rg, name), kind: 'protect', target: { ...vm(rg, name), policyName: policy }, dependsOn: [reg.id, `createPolicy:${policy}`] }];
}

export const changePolicy = (rg: string, name: string, policy: string): PlannedAction => ({
  ...common('changePolicy', rg, name),
  kind: 'changePolicy',
  target: { ...vm(rg, name), policyName: policy },
  dependsOn: [`createPolicy:${policy}`],
});
export const stopProtection = (rg: string, name: string): PlannedAction => ({ ...common('stopProtection', rg, name), kind: 'stopProtection', target: vm(rg, name) });
export const deleteData = (rg: string, name: string): PlannedAction => ({ ...common('stopProtectionDeleteData', rg, name), kind: 'stopProtectionDeleteData', target: vm(rg, name) });

export function makePlan(actions: PlannedAction[], stateFingerprint = ''): Plan {
  const byKind: Partial<Record<ActionKind, number>> = {};
  for (const a of actions) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    spec: { file: 'test.yaml', digest: 'test' },
    target: { subscriptionId: SUBSCRIPTION, vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu' },
    stateFingerprint,
    actions,
    summary: { toApply: actions.filter((a) => a.blockedBy.length === 0).length, blocked: actions.filter((a) => a.blockedBy.length > 0).length, byKind },
  };
}
