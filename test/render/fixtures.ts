// Hand-built plans, drift reports and dashboards for the view tests, shaped like the demo fleet's world.
import {
  DRIFT_FORMAT_VERSION,
  PLAN_FORMAT_VERSION,
  vaultArmId,
  vmArmId,
  vmContainerName,
  vmProtectedItemName,
  type DashboardData,
  type DriftFinding,
  type DriftReport,
  type Plan,
  type PlannedAction,
  type PolicySettings,
} from '../../provider/core/index.js';

export const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
export const SPEC_FILE = 'examples/spec.yaml';
const VAULT_ID = vaultArmId(SUB, 'rg-backup', 'vault-weu');
const at = (line: number, col = 5) => ({ file: SPEC_FILE, line, col });

export const dailyPolicy: PolicySettings = {
  schedule: { frequency: 'Daily', time: '10:00' },
  retention: { dailyDays: 30 },
  instantRestoreDays: 2,
  timeZone: 'UTC',
  policyType: 'V1',
};

const vm = (rg: string, name: string) => ({
  vmId: vmArmId(SUB, rg, name),
  vmName: name,
  resourceGroup: rg,
  containerName: vmContainerName(rg, name),
  protectedItemName: vmProtectedItemName(rg, name),
});

/** An action of any kind, with no findings and no dependencies unless given. */
type Loose<A> = A extends PlannedAction ? Omit<A, 'blockedBy' | 'dependsOn'> & Partial<Pick<A, 'blockedBy' | 'dependsOn'>> : never;

function action(a: Loose<PlannedAction>): PlannedAction {
  return { blockedBy: [], dependsOn: [], ...a } as PlannedAction;
}

export function planFixture(): Plan {
  const actions: PlannedAction[] = [
    action({ id: 'createPolicy:daily-10', kind: 'createPolicy', target: { policyName: 'daily-10' }, policy: dailyPolicy, reason: 'declared, not in the vault', source: at(8, 5) }),
    action({
      id: 'updatePolicy:weekly-06',
      kind: 'updatePolicy',
      target: { policyName: 'weekly-06' },
      previousPolicy: { ...dailyPolicy, retention: { dailyDays: 7 } },
      policy: { ...dailyPolicy, retention: { dailyDays: 14 } },
      reason: 'retention changed out of band',
      source: at(16, 5),
    }),
    action({ id: `register:${vm('rg-web', 'web-01').vmId}`, kind: 'register', target: vm('rg-web', 'web-01'), reason: 'declared by rule web', source: at(30, 9) }),
    action({
      id: `protect:${vm('rg-web', 'web-01').vmId}`,
      kind: 'protect',
      target: { ...vm('rg-web', 'web-01'), policyName: 'daily-10' },
      reason: 'declared by rule web',
      dependsOn: [`register:${vm('rg-web', 'web-01').vmId}`],
      source: at(30, 9),
    }),
    action({
      id: `changePolicy:${vm('rg-app', 'app-01').vmId}`,
      kind: 'changePolicy',
      target: { ...vm('rg-app', 'app-01'), policyName: 'daily-10' },
      fromPolicyName: 'weekly-06',
      reason: 'rule api declares daily-10',
      source: at(36, 9),
    }),
    action({ id: `stopProtection:${vm('rg-dev', 'dev-01').vmId}`, kind: 'stopProtection', target: vm('rg-dev', 'dev-01'), reason: 'listed under stopProtection', source: at(44, 7) }),
    action({
      id: `protect:${vm('rg-legacy', 'legacy-01').vmId}`,
      kind: 'protect',
      target: { ...vm('rg-legacy', 'legacy-01'), policyName: 'daily-10' },
      reason: 'declared by rule legacy',
      source: at(40, 9),
      blockedBy: [
        {
          code: 'AgentMissing',
          message: 'The VM agent is not installed on legacy-01.',
          remedy: 'Install the Azure VM agent (Windows: the MSI from the agent page), then run vmbackup apply again.',
          azureErrorCode: 'UserErrorGuestAgentStatusUnavailable',
        },
      ],
    }),
    action({
      id: `protect:${vm('rg-app', 'premium-01').vmId}`,
      kind: 'protect',
      target: { ...vm('rg-app', 'premium-01'), policyName: 'daily-10' },
      reason: 'declared by rule api',
      source: at(36, 9),
      blockedBy: [
        { code: 'PremiumStorageUnsupported', message: 'premium-01 uses Premium_LRS storage <unsupported> & "ends" in an internal error.', remedy: 'Move the VM to Standard storage.' },
        { code: 'VmNotRunning', message: 'premium-01 is deallocated.', remedy: 'Start the VM.' },
      ],
    }),
  ];
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: '2026-11-25T10:00:00.000Z',
    spec: { file: SPEC_FILE, digest: 'sha256:0f1e2d' },
    target: { subscriptionId: SUB, vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu' },
    stateFingerprint: 'sha256:abc123',
    actions,
    summary: { toApply: 6, blocked: 2, byKind: { createPolicy: 1, updatePolicy: 1, register: 1, protect: 3, changePolicy: 1, stopProtection: 1 } },
  };
}

export function emptyPlan(): Plan {
  return { ...planFixture(), actions: [], summary: { toApply: 0, blocked: 0, byKind: {} } };
}

const vmSubject = (rg: string, name: string) => ({ kind: 'vm' as const, id: vmArmId(SUB, rg, name), name, resourceGroup: rg });

export function driftFindings(): DriftFinding[] {
  return [
    {
      category: 'declaredUnprotected',
      subject: vmSubject('rg-web', 'web-02'),
      message: 'web-02 is declared by rule web but not protected.',
      remedy: 'Run vmbackup apply to protect it with daily-10.',
      expected: 'protected with daily-10',
      actual: 'not protected',
      source: at(30, 9),
    },
    {
      category: 'wrongPolicy',
      subject: vmSubject('rg-app', 'app-01'),
      message: 'app-01 is protected with weekly-06 | not daily-10.',
      remedy: 'Run vmbackup apply to assign daily-10.',
      expected: 'daily-10',
      actual: 'weekly-06',
      source: at(36, 9),
    },
    {
      category: 'policyChanged',
      subject: { kind: 'policy', id: `${VAULT_ID}/backupPolicies/weekly-06`, name: 'weekly-06' },
      message: 'Retention of weekly-06 was changed in the vault.',
      remedy: 'Run vmbackup apply to restore retention.dailyDays: 14.',
      expected: 'retention.dailyDays: 14',
      actual: 'retention.dailyDays: 7',
      source: at(16, 5),
    },
    {
      category: 'lastBackupFailed',
      subject: vmSubject('rg-web', 'web-01'),
      message: 'The last backup of web-01 failed <snapshot timeout> & was not retried.',
      remedy: 'Check the VM agent and the network to Azure Storage, then run a backup.',
      azureErrorCode: 'UserErrorVmProvisioningStateFailed',
      source: at(30, 9),
    },
    {
      category: 'recoveryPointOverdue',
      subject: vmSubject('rg-web', 'web-01'),
      message: 'No recovery point of web-01 since 2026-11-23T10:00:00Z.',
      remedy: 'Fix the failed backups of web-01.',
      expected: 'a recovery point after 2026-11-24T10:00:00Z',
      actual: '2026-11-23T10:00:00Z',
      source: at(30, 9),
    },
    {
      category: 'undeclaredProtected',
      subject: vmSubject('rg-ops', 'ops-01'),
      message: 'ops-01 is protected but no rule declares it.',
      remedy: 'Add ops-01 to a rule, or list it under stopProtection.',
      actual: 'protected with daily-10',
      source: { file: SPEC_FILE, line: 3, col: 1 },
    },
  ];
}

export function driftFixture(findings: DriftFinding[] = driftFindings()): DriftReport {
  const byCategory: Record<string, number> = {};
  for (const f of findings) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    generatedAt: '2026-11-25T10:00:00.000Z',
    spec: { file: SPEC_FILE, digest: 'sha256:0f1e2d' },
    target: { subscriptionId: SUB, vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu' },
    checked: {
      vms: [
        { id: vmArmId(SUB, 'rg-web', 'web-01'), name: 'web-01', resourceGroup: 'rg-web', policy: 'daily-10', source: at(30, 9) },
        { id: vmArmId(SUB, 'rg-web', 'web-02'), name: 'web-02', resourceGroup: 'rg-web', policy: 'daily-10', source: at(30, 9) },
        { id: vmArmId(SUB, 'rg-app', 'app-01'), name: 'app-01', resourceGroup: 'rg-app', policy: 'daily-10', source: at(36, 9) },
        { id: vmArmId(SUB, 'rg-data', 'db-01'), name: 'db-01', resourceGroup: 'rg-data', policy: 'weekly-06', source: at(38, 9) },
      ],
      policies: [
        { name: 'daily-10', source: at(8, 5) },
        { name: 'weekly-06', source: at(16, 5) },
      ],
    },
    findings,
    summary: { inSync: findings.length === 0, byCategory },
  };
}

/** The resource groups of the fixture's jobs' VMs; dev-01's job names no VM id, as an older answer may not. */
const JOB_VM_GROUPS: Readonly<Record<string, string>> = { 'web-01': 'rg-web', 'web-02': 'rg-web', 'app-01': 'rg-app', 'app-02': 'rg-app', 'db-01': 'rg-data', 'legacy-02': 'rg-legacy' };

const job = (
  n: number,
  status: DashboardData['jobs24h']['jobs'][number]['status'],
  vmName: string,
  operation: string,
  startTime: string,
  errors: DashboardData['jobs24h']['jobs'][number]['errors'] = [],
) => ({
  id: `${VAULT_ID}/backupJobs/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  operation,
  status,
  vmName,
  ...(JOB_VM_GROUPS[vmName] ? { vmId: vmArmId(SUB, JOB_VM_GROUPS[vmName], vmName) } : {}),
  startTime,
  ...(status === 'InProgress' ? {} : { endTime: startTime.replace(':00:00', ':09:30'), durationSeconds: 570 }),
  errors,
});

export function dashboardFixture(): DashboardData {
  const jobs = [
    job(1, 'Completed', 'web-01', 'ConfigureBackup', '2026-11-24T12:00:00.000Z'),
    job(2, 'Completed', 'web-02', 'ConfigureBackup', '2026-11-24T12:05:00.000Z'),
    job(3, 'Completed', 'app-01', 'Backup', '2026-11-25T02:00:00.000Z'),
    job(4, 'CompletedWithWarnings', 'db-01', 'Backup', '2026-11-25T02:00:00.000Z'),
    job(5, 'Failed', 'legacy-02', 'ConfigureBackup', '2026-11-25T03:00:00.000Z', [
      {
        code: 'UserErrorGuestAgentStatusUnavailable',
        message: 'VM agent unable to communicate with Azure Backup <legacy-02>.',
        recommendations: ['Ensure the VM agent is installed and at least version 2.6.1198.718.', 'Ensure the VM has network access to Azure.'],
      },
    ]),
    job(6, 'Failed', 'web-01', 'Backup', '2026-11-25T04:00:00.000Z', [
      {
        code: 'BackUpOperationFailed',
        message: 'Snapshot operation failed due to timeout.',
        recommendations: ['Retry the backup after 15 minutes.'],
      },
    ]),
    job(7, 'InProgress', 'app-02', 'Backup', '2026-11-25T09:50:00.000Z'),
    job(8, 'Cancelled', 'dev-01', 'Backup', '2026-11-25T05:00:00.000Z'),
  ];
  const points = (vmName: string, rg: string, kinds: string[], disks = 'all') => ({
    vmName,
    vmId: vmArmId(SUB, rg, vmName),
    disks,
    points: kinds.map((consistency, i) => ({ time: `2026-11-${String(20 + i).padStart(2, '0')}T10:00:00.000Z`, consistency })),
  });
  return {
    generatedAt: '2026-11-25T10:00:00.000Z',
    vault: { id: VAULT_ID, name: 'vault-weu', location: 'westeurope' },
    protectedVms: { total: 7, byState: { Protected: 4, IRPending: 1, ProtectionError: 1, ProtectionStopped: 1 } },
    jobs24h: { succeeded: 4, failed: 2, inProgress: 1, jobs },
    recoveryPoints: [
      points('web-01', 'rg-web', ['AppConsistent', 'AppConsistent', 'CrashConsistent']),
      points('app-01', 'rg-app', ['FileSystemConsistent', 'FileSystemConsistent'], 'OS only'),
      points('db-01', 'rg-data', ['AppConsistent', 'FileSystemConsistent', 'AppConsistent', 'AppConsistent']),
    ],
    drift: { inSync: false, byCategory: { declaredUnprotected: 1, wrongPolicy: 1, lastBackupFailed: 2 }, findings: 4 },
  };
}
