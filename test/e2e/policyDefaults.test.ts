// Azure answers a policy with fields it fills in itself (archive tiering, instant restore details, the weekly
// frequency, the time zone, date-times in its own form, the protected item count). The emulator answers the
// same way, and vmbackup stays quiet about them: apply then drift finds nothing, and only a real change made
// out of band is reported.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport } from '../../provider/core/index.js';
import { raw } from '../emulator/helpers.js';
import { specValidator } from '../emulator/specValidator.js';
import { DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION, DEMO_VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

const SPEC = specText(`policies:
${DAILY_1000}  - name: weekly-long-term
    schedule: { frequency: Weekly, days: [Sunday], time: "02:00", timeZone: UTC }
    retention:
      weekly: { count: 12, days: [Sunday] }
      monthly: { count: 12, weeks: [First], days: [Sunday] }
      yearly: { count: 3, months: [January], weeks: [First], days: [Sunday] }
  - name: hourly-4h
    schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12, timeZone: UTC }
    retention: { daily: 90 }
    instantRestoreDays: 7
  - name: enhanced-daily
    enhanced: true
    schedule: { frequency: Daily, time: "21:30", timeZone: "W. Europe Standard Time" }
    retention: { daily: 30 }
protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
`);

const POLICIES = ['daily-1000', 'weekly-long-term', 'hourly-4h', 'enhanced-daily'];
const VAULT_PATH = `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_VAULT.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${DEMO_VAULT.name}`;
const policyUrl = (name: string) => `${VAULT_PATH}/backupPolicies/${name}?api-version=2023-06-01`;

let dir: string;
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
}

async function drift(): Promise<{ code: number; report: DriftReport }> {
  const r = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
  expect(r.stderr).not.toMatch(/unexpected error/);
  return { code: r.code, report: JSON.parse(r.stdout) as DriftReport };
}

/** Every date-time string in a policy body. */
function dateTimes(node: unknown): string[] {
  if (typeof node === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(node) ? [node] : [];
  if (Array.isArray(node)) return node.flatMap(dateTimes);
  return node !== null && typeof node === 'object' ? Object.values(node).flatMap(dateTimes) : [];
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-policy-defaults-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('server-side policy defaults', () => {
  it('after apply, the emulator answers every policy with the defaults Azure fills in, valid against the spec', async () => {
    const apply = await cli('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    for (const name of POLICIES) {
      const res = await raw(emulator, 'GET', policyUrl(name));
      expect(res.status, name).toBe(200);
      expect(specValidator().validateResponse('GET', new URL(policyUrl(name), emulator.endpoint), 200, JSON.stringify(res.body)), name).toEqual([]);
      const p = res.body.properties;
      expect(p, name).toMatchObject({
        protectedItemsCount: name === 'daily-1000' ? 1 : 0,
        instantRPDetails: {},
        tieringPolicy: { ArchivedRP: { tieringMode: 'DoNotTier', duration: 0, durationType: 'Invalid' } },
        policyType: name === 'hourly-4h' || name === 'enhanced-daily' ? 'V2' : 'V1',
        timeZone: expect.any(String),
      });
      // The SDK sends milliseconds ("…:00.000Z"); Azure answers without them.
      for (const t of dateTimes(p)) expect(t, name).toMatch(/T\d{2}:\d{2}:\d{2}Z$/);
    }
    const daily = (await raw(emulator, 'GET', policyUrl('daily-1000'))).body.properties;
    expect(daily.schedulePolicy).toMatchObject({ schedulePolicyType: 'SimpleSchedulePolicy', scheduleWeeklyFrequency: 0 });
    const longTerm = (await raw(emulator, 'GET', policyUrl('weekly-long-term'))).body.properties.retentionPolicy;
    expect([longTerm.monthlySchedule.retentionScheduleFormatType, longTerm.yearlySchedule.retentionScheduleFormatType]).toEqual(['Weekly', 'Weekly']);
    const list = await raw(emulator, 'GET', `${VAULT_PATH}/backupPolicies?api-version=2023-06-01`);
    expect(list.body.value.map((p: any) => [p.name, p.properties.tieringPolicy.ArchivedRP.tieringMode]).sort()).toEqual(
      ['DefaultPolicy', ...POLICIES].sort().map((n) => [n, 'DoNotTier']),
    );
  });

  it('drift exits 0 with no policy changed out of band, and plan has nothing to do', async () => {
    const { code, report } = await drift();
    expect(code, JSON.stringify(report.findings)).toBe(0);
    expect(report.findings.filter((f) => f.category === 'policyChanged')).toEqual([]);
    expect(report.checked.policies.map((p) => p.name).sort()).toEqual([...POLICIES].sort());
    expect((await cli('plan', '-f', 'spec.yaml')).code).toBe(0);
  });

  it('a policy written back unchanged from its Azure body, defaults and all, stays in sync', async () => {
    for (const name of POLICIES) {
      const body = (await raw(emulator, 'GET', policyUrl(name))).body;
      expect([200, 202], name).toContain((await raw(emulator, 'PUT', policyUrl(name), { properties: body.properties })).status);
    }
    expect((await drift()).code).toBe(0);
  });

  it('a real change made out of band is still reported, and apply puts it back', async () => {
    const body = (await raw(emulator, 'GET', policyUrl('daily-1000'))).body;
    body.properties.retentionPolicy.dailySchedule.retentionDuration.count = 14;
    expect((await raw(emulator, 'PUT', policyUrl('daily-1000'), { properties: body.properties })).status).toBe(202);
    const after = await drift();
    expect(after.code).toBe(2);
    expect(after.report.findings).toEqual([
      expect.objectContaining({ category: 'policyChanged', subject: expect.objectContaining({ name: 'daily-1000' }), message: expect.stringMatching(/retention/) }),
    ]);
    expect((await cli('apply', '-f', 'spec.yaml', '--yes')).code).toBe(0);
    expect((await drift()).code).toBe(0);
  });
});
