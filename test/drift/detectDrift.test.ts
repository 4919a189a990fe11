import { describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_HOURS, detectDrift, maxBackupGapHours, type DriftOptions } from '../../provider/drift/index.js';
import { AZURE_CODE_REMEDIES, type DriftCategory, type Observation, type ObservedProtectedItem, type PolicySchedule, type ResolvedSpec } from '../../provider/core/index.js';
import {
  loc,
  makeJob,
  makeObservation,
  makeObservedPolicy,
  makeOtherVault,
  makePolicy,
  makePolicySettings,
  makeProtectedItem,
  makeRule,
  makeSpec,
  makeStop,
  makeVm,
  pick,
  selector,
  vmId,
} from '../plan/fixtures.js';
import { schemaValidator } from '../plan/schemaValidation.js';

// The world is observed on Monday 2025-03-10 at 12:00 UTC (the fixtures' OBSERVED_AT).
const weeklySchedule: PolicySchedule = { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday'] };
const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web', registered: true, backupExtension: true });
const app1 = makeVm({ name: 'app-01', resourceGroup: 'rg-app', osType: 'Linux', registered: true, backupExtension: true });
const spec = makeSpec({
  policies: [makePolicy('daily', {}, 5), makePolicy('weekly', { schedule: weeklySchedule }, 12)],
  rules: [makeRule('web', 'daily', { selector: selector({ resourceGroups: ['rg-web'] }), line: 20 }), makeRule('app', 'weekly', { vms: [pick('rg-app', 'app-01', 31)], line: 30 })],
});
const webItem = makeProtectedItem(web1, {
  policyName: 'daily',
  latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'AppConsistent' },
});
const appItem = makeProtectedItem(app1, {
  policyName: 'weekly',
  lastBackupTime: '2025-03-09T06:20:00.000Z',
  lastRecoveryPoint: '2025-03-09T06:20:00.000Z',
  recoveryPoints: [
    { name: 'rp2', time: '2025-03-09T06:20:00.000Z', consistency: 'FileSystemConsistent' },
    { name: 'rp1', time: '2025-03-02T06:20:00.000Z', consistency: 'CrashConsistent' },
  ],
});
const inSync = makeObservation({
  vms: [web1, app1],
  policies: [makeObservedPolicy('daily'), makeObservedPolicy('weekly', makePolicySettings({ schedule: weeklySchedule }))],
  protectedItems: [webItem, appItem],
});
const withItems = (...items: ObservedProtectedItem[]): Observation => ({ ...inSync, protectedItems: items });

interface Expect {
  category: DriftCategory;
  name: string;
  line?: number;
  azureErrorCode?: string;
}

describe('detectDrift', () => {
  it('says which vault holds a declared VM and how to move it', () => {
    const obs = { ...withItems(appItem), vms: [{ ...web1, registered: false, protectable: false, otherVault: makeOtherVault() }, app1] };
    const [finding] = detectDrift(spec, obs).findings;
    expect(finding.message).toBe('VM rg-web/web-01 is declared with policy daily in vault vault-weu but is protected by vault rg-backup-b/vault-b');
    expect([finding.expected, finding.actual]).toEqual(['protected by vault rg-backup/vault-weu with policy daily', 'protected by vault rg-backup-b/vault-b']);
    expect(finding.remedy).toMatch(/retainData: false in that vault's spec/);
  });

  it('reports nothing when the vault matches the spec, and lists what it checked', () => {
    const report = detectDrift(spec, inSync);
    expect(report.findings).toEqual([]);
    expect(report.summary).toEqual({ inSync: true, byCategory: {} });
    expect(report.checked.vms.map((v) => [v.resourceGroup, v.name, v.policy, v.source?.line])).toEqual([
      ['rg-app', 'app-01', 'weekly', 31],
      ['rg-web', 'web-01', 'daily', 20],
    ]);
    expect(report.checked.policies.map((p) => [p.name, p.source?.line])).toEqual([
      ['daily', 5],
      ['weekly', 12],
    ]);
  });

  const cases: { reason: string; spec?: ResolvedSpec; obs: Observation; opts?: DriftOptions; expected: Expect[] }[] = [
    {
      reason: 'a declared VM with no protection',
      obs: withItems(appItem),
      expected: [{ category: 'declaredUnprotected', name: 'web-01', line: 20 }],
    },
    {
      reason: 'a blocked VM is unprotected with the pre-flight finding and its code',
      obs: { ...withItems(appItem), vms: [{ ...web1, powerState: 'deallocated' }, app1] },
      expected: [{ category: 'declaredUnprotected', name: 'web-01', line: 20, azureErrorCode: 'AzureVmOffline' }],
    },
    {
      reason: 'a declared VM another vault protects is its own category, with the vault and the code',
      obs: { ...withItems(appItem), vms: [{ ...web1, registered: false, protectable: false, otherVault: makeOtherVault() }, app1] },
      expected: [{ category: 'protectedByOtherVault', name: 'web-01', line: 20, azureErrorCode: 'VirtualMachineAlreadyProtected' }],
    },
    {
      reason: 'a declared VM another vault only holds the registration of, its item there deleted',
      obs: { ...withItems(appItem), vms: [{ ...web1, registered: false, protectable: false, otherVault: makeOtherVault('NotProtected') }, app1] },
      expected: [{ category: 'protectedByOtherVault', name: 'web-01', line: 20, azureErrorCode: 'UserErrorVmAlreadyRegistered' }],
    },
    {
      reason: 'a soft-deleted protection is no protection',
      obs: withItems(appItem, { ...webItem, softDeleted: true }),
      expected: [{ category: 'declaredUnprotected', name: 'web-01' }],
    },
    {
      reason: 'a pick that matches no VM, located at the pick',
      spec: { ...spec, rules: [...spec.rules, makeRule('gone', 'daily', { vms: [pick('rg-gone', 'vm-x', 41)], line: 40 })] },
      obs: inSync,
      expected: [{ category: 'declaredUnprotected', name: 'vm-x', line: 41, azureErrorCode: 'BCMV2VMNotFound' }],
    },
    {
      reason: 'a VM protected with another policy',
      obs: withItems(appItem, { ...webItem, policyName: 'weekly' }),
      expected: [{ category: 'wrongPolicy', name: 'web-01', line: 20 }],
    },
    {
      reason: 'a declared policy absent from the vault',
      obs: { ...inSync, policies: [makeObservedPolicy('daily')] },
      expected: [{ category: 'policyMissing', name: 'weekly', line: 12 }],
    },
    {
      reason: 'policy settings changed out of band',
      obs: { ...inSync, policies: [makeObservedPolicy('daily', makePolicySettings({ retention: { dailyDays: 7 } })), inSync.policies[1]] },
      expected: [{ category: 'policyChanged', name: 'daily', line: 5 }],
    },
    {
      reason: 'protection stopped, data retained',
      obs: withItems(appItem, { ...webItem, protectionState: 'ProtectionStopped' }),
      expected: [{ category: 'protectionStopped', name: 'web-01', line: 20 }],
    },
    {
      reason: 'a protected VM no rule declares, located at the target',
      obs: { ...inSync, vms: [...inSync.vms, makeVm({ name: 'stray', resourceGroup: 'rg-x' })], protectedItems: [...inSync.protectedItems, makeProtectedItem({ id: vmId('rg-x', 'stray'), name: 'stray', resourceGroup: 'rg-x' })] },
      expected: [{ category: 'undeclaredProtected', name: 'stray', line: 2 }],
    },
    {
      reason: 'a VM the spec stops, still protected, located at the stop entry',
      spec: { ...spec, stopProtection: [makeStop(pick('rg-x', 'stray'), true, 45)] },
      obs: { ...inSync, protectedItems: [...inSync.protectedItems, makeProtectedItem({ id: vmId('rg-x', 'stray'), name: 'stray', resourceGroup: 'rg-x' })] },
      expected: [{ category: 'undeclaredProtected', name: 'stray', line: 45 }],
    },
    {
      reason: 'an undeclared protection already stopped is not drift',
      obs: { ...inSync, protectedItems: [...inSync.protectedItems, makeProtectedItem({ id: vmId('rg-x', 'stray'), name: 'stray', resourceGroup: 'rg-x' }, { protectionState: 'ProtectionStopped' })] },
      expected: [],
    },
    {
      reason: 'a protection in error carries its Azure code',
      obs: withItems(appItem, { ...webItem, protectionState: 'ProtectionError', healthStatus: 'ActionRequired', errorCode: 'UserErrorGuestAgentStatusUnavailable' }),
      expected: [{ category: 'protectionError', name: 'web-01', line: 20, azureErrorCode: 'UserErrorGuestAgentStatusUnavailable' }],
    },
    {
      reason: 'a failed last backup takes its code from the failed job',
      obs: {
        ...withItems(appItem, { ...webItem, lastBackupStatus: 'Failed' }),
        jobs: [makeJob({ vmName: 'web-01', vmId: web1.id, status: 'Failed', errors: [{ code: 'BackUpOperationFailed', message: 'internal error', recommendations: [] }] })],
      },
      expected: [{ category: 'lastBackupFailed', name: 'web-01', azureErrorCode: 'BackUpOperationFailed' }],
    },
    {
      reason: 'a daily recovery point older than 24h + grace is overdue',
      obs: withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-09T07:59:00.000Z', consistency: 'AppConsistent' }, lastRecoveryPoint: undefined }),
      expected: [{ category: 'recoveryPointOverdue', name: 'web-01', line: 20 }],
    },
    {
      reason: 'a daily recovery point within 24h + grace is not',
      obs: withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-09T08:01:00.000Z', consistency: 'AppConsistent' }, lastRecoveryPoint: undefined }),
      expected: [],
    },
    {
      reason: 'a larger grace period excuses a late point',
      obs: withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-09T07:00:00.000Z', consistency: 'AppConsistent' }, lastRecoveryPoint: undefined }),
      opts: { graceHours: 6 },
      expected: [],
    },
    {
      reason: 'the interval is the policy the item runs on: a weekly point of 6 days is on time',
      obs: withItems(webItem, { ...appItem, recoveryPoints: [{ name: 'rp', time: '2025-03-04T12:00:00.000Z', consistency: 'FileSystemConsistent' }], lastRecoveryPoint: undefined }),
      expected: [],
    },
    {
      reason: 'an initial backup pending whose first run has not come is not overdue',
      obs: {
        ...withItems(appItem, { ...webItem, protectionState: 'IRPending', latestRecoveryPoint: undefined, lastRecoveryPoint: undefined, lastBackupStatus: undefined }),
        jobs: [makeJob({ vmName: 'web-01', vmId: web1.id, operation: 'ConfigureBackup', startTime: '2025-03-10T09:00:00.000Z' })],
      },
      expected: [],
    },
    {
      reason: "Azure's placeholder time 0001-01-01 is no recovery point",
      obs: {
        ...withItems(appItem, { ...webItem, protectionState: 'IRPending', latestRecoveryPoint: undefined, lastRecoveryPoint: '0001-01-01T00:00:00.000Z', lastBackupStatus: undefined }),
        jobs: [makeJob({ vmName: 'web-01', vmId: web1.id, operation: 'ConfigureBackup', startTime: '2025-03-10T09:00:00.000Z' })],
      },
      expected: [],
    },
    {
      reason: 'an initial backup pending for longer than interval + grace is overdue',
      obs: {
        ...withItems(appItem, { ...webItem, protectionState: 'IRPending', latestRecoveryPoint: undefined, lastRecoveryPoint: undefined, lastBackupStatus: undefined }),
        jobs: [makeJob({ vmName: 'web-01', vmId: web1.id, operation: 'ConfigureBackup', startTime: '2025-03-09T07:00:00.000Z' })],
      },
      expected: [{ category: 'recoveryPointOverdue', name: 'web-01' }],
    },
    {
      reason: 'a running Windows VM whose newest point is only file-system consistent',
      obs: withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'FileSystemConsistent' } }),
      expected: [{ category: 'consistencyDegraded', name: 'web-01', line: 20 }],
    },
    {
      reason: 'a running Linux VM whose newest point is crash consistent (the older one does not count)',
      obs: withItems(webItem, {
        ...appItem,
        recoveryPoints: [
          { name: 'rp1', time: '2025-03-02T06:20:00.000Z', consistency: 'FileSystemConsistent' },
          { name: 'rp2', time: '2025-03-09T06:20:00.000Z', consistency: 'CrashConsistent' },
        ],
      }),
      expected: [{ category: 'consistencyDegraded', name: 'app-01', line: 31 }],
    },
    {
      reason: "a file-system-consistent point whose backup warned of VSS carries the job's code",
      obs: {
        ...withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'FileSystemConsistent' } }),
        jobs: [
          makeJob({ vmName: 'web-01', vmId: web1.id, status: 'Completed', startTime: '2025-03-09T10:30:00.000Z' }),
          makeJob({
            vmName: 'web-01',
            vmId: web1.id,
            status: 'CompletedWithWarnings',
            startTime: '2025-03-10T10:30:00.000Z',
            errors: [{ code: 'ExtensionFailedVssWriterInBadState', message: 'Snapshot operation failed because VSS writers were in a bad state.', recommendations: [] }],
          }),
        ],
      },
      expected: [{ category: 'consistencyDegraded', name: 'web-01', azureErrorCode: 'ExtensionFailedVssWriterInBadState' }],
    },
    {
      reason: 'the spelled-out ApplicationConsistent is application consistent too',
      obs: withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'ApplicationConsistent' } }),
      expected: [],
    },
    {
      reason: 'a stopped VM gives crash-consistent points, which is no degradation',
      obs: { ...withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'CrashConsistent' } }), vms: [{ ...web1, powerState: 'deallocated' }, app1] },
      expected: [],
    },
    {
      reason: 'several findings come out policies first, then VMs by resource group and name',
      obs: {
        ...inSync,
        policies: [makeObservedPolicy('daily')],
        protectedItems: [{ ...webItem, policyName: 'weekly', protectionState: 'ProtectionError', errorCode: 'BackUpOperationFailedV2' }],
      },
      expected: [
        { category: 'policyMissing', name: 'weekly' },
        { category: 'declaredUnprotected', name: 'app-01' },
        { category: 'wrongPolicy', name: 'web-01' },
        { category: 'protectionError', name: 'web-01', azureErrorCode: 'BackUpOperationFailedV2' },
      ],
    },
  ];
  it.each(cases)('$reason', ({ spec: s, obs, opts, expected }) => {
    const report = detectDrift(s ?? spec, obs, opts);
    expect(report.findings.map((f) => ({ category: f.category, name: f.subject.name }))).toEqual(expected.map((e) => ({ category: e.category, name: e.name })));
    expected.forEach((e, i) => {
      const f = report.findings[i];
      if (e.line !== undefined) expect(f.source?.line, 'source line').toBe(e.line);
      if (e.azureErrorCode !== undefined) expect(f.azureErrorCode).toBe(e.azureErrorCode);
      expect(f.remedy.length).toBeGreaterThan(20);
      expect(f.message.length).toBeGreaterThan(10);
    });
    expect(report.summary.inSync).toBe(expected.length === 0);
    const counts: Record<string, number> = {};
    for (const e of expected) counts[e.category] = (counts[e.category] ?? 0) + 1;
    expect(report.summary.byCategory).toEqual(counts);
  });

  it('describes a changed policy readably, expected against actual', () => {
    const report = detectDrift(spec, { ...inSync, policies: [makeObservedPolicy('daily', makePolicySettings({ schedule: { frequency: 'Daily', time: '22:00' } })), inSync.policies[1]] });
    const [f] = report.findings;
    expect(f.message).toContain('schedule: daily at 10:00 UTC -> daily at 22:00 UTC');
    expect(f.expected).toContain('daily at 10:00 UTC');
    expect(f.actual).toContain('daily at 22:00 UTC');
    expect(f.subject).toEqual({ kind: 'policy', name: 'daily', id: inSync.policies[0].id });
  });

  it("gives a degraded point the remedy of its backup's warning", () => {
    const warned = makeJob({
      vmName: 'web-01',
      vmId: web1.id,
      status: 'CompletedWithWarnings',
      errors: [{ code: 'ExtensionFailedVssWriterInBadState', message: 'VSS writers in a bad state', recommendations: [] }],
    });
    const obs = { ...withItems(appItem, { ...webItem, latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'FileSystemConsistent' } }), jobs: [warned] };
    expect(detectDrift(spec, obs).findings[0].remedy).toBe(AZURE_CODE_REMEDIES.ExtensionFailedVssWriterInBadState);
  });

  it('gives the remedy the code calls for', () => {
    const report = detectDrift(spec, withItems(appItem, { ...webItem, protectionState: 'ProtectionError', errorCode: 'UserErrorVmNotFoundV2' }));
    expect(report.findings[0].remedy).toMatch(/stop its protection retaining the data/);
  });

  it('reports a VM deleted under its protection by its failing item, not as merely unprotected', () => {
    // app-01 is picked explicitly and gone from Compute; its protected item stays and its backups fail.
    const gone = { ...inSync, vms: [web1], protectedItems: [webItem, { ...appItem, protectionState: 'ProtectionError' as const, healthStatus: 'ActionRequired', errorCode: 'UserErrorVmNotFoundV2' }] };
    const found = detectDrift(spec, gone).findings.filter((f) => f.subject.name === 'app-01');
    expect(found.map((f) => f.category)).toEqual(['protectionError']);
    expect(found[0]).toMatchObject({ azureErrorCode: 'UserErrorVmNotFoundV2', source: expect.objectContaining({ line: 31 }) });
    expect(found[0].remedy).toMatch(/stop its protection retaining the data/);
    // Without an item the pick is simply a VM that does not exist.
    expect(detectDrift(spec, { ...gone, protectedItems: [webItem] }).findings.filter((f) => f.subject.name === 'app-01').map((f) => [f.category, f.actual])).toEqual([
      ['declaredUnprotected', 'VM not found'],
    ]);
  });

  it('stamps the report with the observation time unless told otherwise', () => {
    expect(detectDrift(spec, inSync).generatedAt).toBe(inSync.observedAt);
    expect(detectDrift(spec, inSync, { now: new Date('2025-03-20T00:00:00Z') }).generatedAt).toBe('2025-03-20T00:00:00.000Z');
  });

  it('judges overdue points at opts.now', () => {
    const report = detectDrift(spec, inSync, { now: new Date('2025-03-20T00:00:00Z') });
    expect(report.findings.map((f) => `${f.category} ${f.subject.name}`)).toEqual(['recoveryPointOverdue app-01', 'recoveryPointOverdue web-01']);
  });

  it('defaults the grace period to 4 hours', () => {
    expect(DEFAULT_GRACE_HOURS).toBe(4);
  });
});

describe('maxBackupGapHours', () => {
  const cases: { reason: string; schedule: PolicySchedule; hours: number }[] = [
    { reason: 'daily', schedule: { frequency: 'Daily', time: '10:00' }, hours: 24 },
    { reason: 'weekly on one day', schedule: { frequency: 'Weekly', time: '10:00', weekDays: ['Sunday'] }, hours: 168 },
    { reason: 'weekly on Monday and Thursday: the weekend gap is longest', schedule: { frequency: 'Weekly', time: '10:00', weekDays: ['Thursday', 'Monday'] }, hours: 96 },
    { reason: 'hourly all day', schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '00:00', windowHours: 24 }, hours: 4 },
    { reason: 'hourly in a 12h window: the night is the longest gap', schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '08:00', windowHours: 12 }, hours: 16 },
  ];
  it.each(cases)('$reason', ({ schedule, hours }) => {
    expect(maxBackupGapHours(schedule)).toBe(hours);
  });
});

describe('drift report JSON schema', () => {
  const validate = schemaValidator('drift-report.schema.json');
  it('accepts an in-sync report and one with every category', () => {
    expect(validate(detectDrift(spec, inSync))).toEqual([]);
    const everything = detectDrift(
      { ...spec, policies: [...spec.policies, makePolicy('gone', {}, 50)], rules: [...spec.rules, makeRule('gone', 'daily', { vms: [pick('rg-gone', 'x')] }), makeRule('more', 'daily', { vms: [pick('rg-more', 'a'), pick('rg-more', 'b'), pick('rg-more', 'c'), pick('rg-more', 'd')] })] },
      {
        ...inSync,
        vms: [...inSync.vms, ...['a', 'b', 'c', 'd'].map((n) => makeVm({ name: n, resourceGroup: 'rg-more' })), makeVm({ name: 'stray', resourceGroup: 'rg-x' })],
        policies: [makeObservedPolicy('daily', makePolicySettings({ instantRestoreDays: 5 })), inSync.policies[1]],
        protectedItems: [
          { ...webItem, latestRecoveryPoint: { time: '2025-03-01T00:00:00Z', consistency: 'CrashConsistent' }, lastRecoveryPoint: undefined },
          { ...appItem, policyName: 'daily' },
          makeProtectedItem(makeVm({ name: 'a', resourceGroup: 'rg-more' }), { protectionState: 'ProtectionStopped' }),
          makeProtectedItem(makeVm({ name: 'b', resourceGroup: 'rg-more' }), { protectionState: 'ProtectionError', errorCode: 'BackUpOperationFailed' }),
          makeProtectedItem(makeVm({ name: 'c', resourceGroup: 'rg-more' }), { lastBackupStatus: 'Failed' }),
          makeProtectedItem(makeVm({ name: 'stray', resourceGroup: 'rg-x' })),
        ],
      },
    );
    const categories = new Set(everything.findings.map((f) => f.category));
    expect(categories).toEqual(
      new Set([
        'declaredUnprotected', 'wrongPolicy', 'policyMissing', 'policyChanged', 'protectionStopped', 'undeclaredProtected',
        'protectionError', 'lastBackupFailed', 'recoveryPointOverdue', 'consistencyDegraded',
      ]),
    );
    expect(validate(everything)).toEqual([]);
  });

  const broken: { reason: string; mutate: (r: Record<string, any>) => void; error: RegExp }[] = [
    { reason: 'another format version', mutate: (r) => (r.formatVersion = 2), error: /formatVersion/ },
    { reason: 'an unknown category', mutate: (r) => (r.findings[0].category = 'somethingElse'), error: /category/ },
    { reason: 'a finding without remedy', mutate: (r) => delete r.findings[0].remedy, error: /remedy/ },
    { reason: 'a summary count for an unknown category', mutate: (r) => (r.summary.byCategory.nope = 1), error: /byCategory/ },
    { reason: 'a source without line', mutate: (r) => delete r.findings[0].source.line, error: /line/ },
  ];
  it.each(broken)('rejects $reason', ({ mutate, error }) => {
    const report = JSON.parse(JSON.stringify(detectDrift(spec, withItems(appItem))));
    mutate(report);
    expect(validate(report).join('\n')).toMatch(error);
  });
});

it('locates every finding in the spec file', () => {
  const report = detectDrift(spec, withItems());
  expect(report.findings.every((f) => f.source?.file === loc(1).file)).toBe(true);
});
