// The support table end to end, both profiles over one fleet (examples/fleet-modern.yaml): today's Azure
// protects Premium SSD, several NICs, load-balanced, 8-data-disk and deallocated VMs, and asks an Enhanced
// policy of Trusted Launch VMs and of Premium SSD v2 and Ultra disks; the guide's world blocks the hardware.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DashboardData, DriftReport, Plan, PlannedAction } from '../../provider/core/index.js';
import { ROOT, requireBuild, runCli, specText, type CliResult } from './harness.js';

const FLEET = join(ROOT, 'examples/fleet-modern.yaml');
const TARGET = { subscriptionId: '0b7f3c1d-9a2e-4d6b-8c4f-5e1a2b3c4d5e', vault: { resourceGroup: 'rg-backup', name: 'vault-prod-weu' } };

/** Standard and Enhanced daily policies, and which VMs get which; `secure` and `fast` name the policy of those rules. */
function spec(rules: { secure: string; fast: string }): string {
  return specText(
    `policies:
  - name: daily-standard
    schedule: { frequency: Daily, time: "10:00", timeZone: UTC }
    retention: { daily: 30 }
  - name: daily-enhanced
    enhanced: true
    schedule: { frequency: Daily, time: "10:00", timeZone: UTC }
    retention: { daily: 30 }
    instantRestoreDays: 5
protect:
  - name: prod
    policy: daily-standard
    select: { tags: { env: prod } }
  - name: secure
    policy: ${rules.secure}
    select: { tags: { env: secure } }
  - name: fast
    policy: ${rules.fast}
    select: { tags: { env: fast } }
`,
    TARGET,
  );
}

/** The example users copy: every VM of the fleet gets a policy it can have. */
const SUPPORTED = readFileSync(join(ROOT, 'examples/spec-modern.yaml'), 'utf8');

interface World {
  dir: string;
  emulator: RunningEmulator;
  cli: (...args: string[]) => Promise<CliResult>;
}

async function openWorld(profile: 'classic' | 'modern'): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), `vmbackup-support-${profile}-`));
  const emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: FLEET, profile, retryAfterSeconds: 0, operationDelayMs: 20 });
  const cli = (...args: string[]) =>
    runCli([...args, ...(args[0] === 'emulator' ? ['--state', 'state'] : ['--endpoint', emulator.endpoint, '--state', 'state'])], dir);
  return { dir, emulator, cli };
}

async function closeWorld(w: World | undefined): Promise<void> {
  await w?.emulator.close();
  if (w) await rm(w.dir, { recursive: true, force: true });
}

async function planOf(w: World, text: string): Promise<{ code: number; plan: Plan; stdout: string }> {
  await writeFile(join(w.dir, 'spec.yaml'), text);
  const run = await w.cli('plan', '-f', 'spec.yaml', '--out', 'plan.json');
  expect(run.code, run.stderr).not.toBe(1);
  return { code: run.code, plan: JSON.parse(await readFile(join(w.dir, 'plan.json'), 'utf8')) as Plan, stdout: run.stdout };
}

function blockedCodes(plan: Plan, vmName: string): string[] {
  const actions = plan.actions.filter((a: PlannedAction) => a.target.vmName === vmName);
  return [...new Set(actions.flatMap((a) => a.blockedBy.map((f) => f.code)))].sort();
}

describe('modern profile: today\'s support matrix', () => {
  let w: World;
  beforeAll(async () => {
    requireBuild();
    w = await openWorld('modern');
  });
  afterAll(() => closeWorld(w));

  it('plans every VM of the fleet, blocking none', async () => {
    const { code, plan } = await planOf(w, SUPPORTED);
    expect(code).toBe(2);
    expect(plan.summary.blocked).toBe(0);
    expect(plan.actions.filter((a) => a.kind === 'protect').map((a) => a.target.vmName).sort()).toEqual(
      ['api-01', 'batch-01', 'fast-01', 'lb-01', 'sql-01', 'tl-01', 'ultra-01', 'web-01'],
    );
    expect(plan.actions.some((a) => a.kind === 'register')).toBe(false);
  });

  it('applies, converges, and drifts clean, also after a day of scheduled backups', async () => {
    const apply = await w.cli('apply', '-f', 'spec.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect((await w.cli('plan', '-f', 'spec.yaml')).code).toBe(0);
    const drift = await w.cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    expect((await w.cli('emulator', 'clock', 'advance', '25h')).code).toBe(0);
    const after = await w.cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(after.code, after.stdout).toBe(0);
    const report = JSON.parse(after.stdout) as DriftReport;
    expect(report.findings).toEqual([]);
  });

  it('every VM was backed up; the deallocated one crash-consistent', async () => {
    const jobs = JSON.parse((await w.cli('jobs', '-f', 'spec.yaml', '--status', 'Completed', '--format', 'json')).stdout) as { operation: string; vmName: string }[];
    // 25 hours hold one or two 10:00 runs, depending on the time of day the test starts at.
    expect([...new Set(jobs.filter((j) => j.operation === 'Backup').map((j) => j.vmName))].sort()).toEqual(
      ['api-01', 'batch-01', 'fast-01', 'lb-01', 'sql-01', 'tl-01', 'ultra-01', 'web-01'],
    );
    const dash = await w.cli('dashboard', '-f', 'spec.yaml', '--format', 'json');
    expect(dash.code, dash.stderr).toBe(0);
    const points = (JSON.parse(dash.stdout) as DashboardData).recoveryPoints;
    const consistency = (vm: string) => new Set(points.find((p) => p.vmName === vm)?.points.map((p) => p.consistency));
    expect(consistency('batch-01')).toEqual(new Set(['CrashConsistent']));
    expect(consistency('api-01')).toEqual(new Set(['FileSystemConsistent']));
  });

  it('a Trusted Launch VM on a Standard policy is blocked at plan, with the remedy', async () => {
    const { plan, stdout } = await planOf(w, spec({ secure: 'daily-standard', fast: 'daily-enhanced' }));
    // tl-01 is protected already; moving it to a Standard policy is the Enhanced-to-Standard rule.
    expect(blockedCodes(plan, 'tl-01')).toEqual(['EnhancedPolicyToStandard']);
    expect(stdout).toMatch(/tl-01.*Enhanced policy daily-enhanced/s);
  });

  it('an Enhanced VM cannot move to a Standard policy, and plan says so before Azure would', async () => {
    const { plan } = await planOf(w, spec({ secure: 'daily-enhanced', fast: 'daily-standard' }));
    expect(blockedCodes(plan, 'fast-01')).toEqual(['EnhancedPolicyToStandard']);
    expect(blockedCodes(plan, 'ultra-01')).toEqual(['EnhancedPolicyToStandard']);
    const finding = plan.actions.find((a) => a.target.vmName === 'fast-01')!.blockedBy[0]!;
    expect(finding.remedy).toMatch(/enhanced: true/);
    const apply = await w.cli('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.stdout + apply.stderr).toMatch(/fast-01/);
    // Nothing was attempted: the VMs keep their Enhanced policy.
    const drift = JSON.parse((await w.cli('drift', '-f', 'spec.yaml', '--format', 'json')).stdout) as DriftReport;
    expect(drift.findings.filter((f) => f.category === 'wrongPolicy').map((f) => f.subject.name).sort()).toEqual(['fast-01', 'ultra-01']);
  });
});

describe('modern profile: Enhanced-only VMs on a new protection', () => {
  let w: World;
  beforeAll(async () => {
    requireBuild();
    w = await openWorld('modern');
  });
  afterAll(() => closeWorld(w));

  it('Trusted Launch, Premium SSD v2 and Ultra VMs given a Standard policy are blocked, each with the remedy', async () => {
    const { code, plan } = await planOf(w, spec({ secure: 'daily-standard', fast: 'daily-standard' }));
    expect(code).toBe(2);
    for (const vm of ['tl-01', 'fast-01', 'ultra-01']) expect(blockedCodes(plan, vm), vm).toEqual(['EnhancedPolicyRequired']);
    const tl = plan.actions.find((a) => a.target.vmName === 'tl-01')!.blockedBy[0]!;
    expect(tl.message).toMatch(/TrustedLaunch/);
    expect(tl.remedy).toMatch(/enhanced: true/);
    expect(blockedCodes(plan, 'web-01')).toEqual([]);
  });
});

describe('classic profile: the guide\'s world over the same fleet', () => {
  let w: World;
  beforeAll(async () => {
    requireBuild();
    w = await openWorld('classic');
  });
  afterAll(() => closeWorld(w));

  it('blocks the hardware today\'s Azure protects, each with its finding', async () => {
    const { code, plan } = await planOf(w, SUPPORTED);
    expect(code).toBe(2);
    expect(blockedCodes(plan, 'web-01')).toEqual(['PremiumStorageUnsupported']);
    expect(blockedCodes(plan, 'api-01')).toEqual(['AgentOutdated', 'MultipleNicsUnsupported', 'PremiumStorageUnsupported']);
    expect(blockedCodes(plan, 'lb-01')).toEqual(['LoadBalancerUnsupported']);
    expect(blockedCodes(plan, 'sql-01')).toEqual(['PremiumStorageUnsupported', 'TooManyDataDisks']);
    expect(blockedCodes(plan, 'batch-01')).toContain('VmNotRunning');
    expect(blockedCodes(plan, 'fast-01')).toEqual(['PremiumStorageUnsupported']);
    expect(blockedCodes(plan, 'ultra-01')).toEqual(['PremiumStorageUnsupported']);
    expect(blockedCodes(plan, 'tl-01')).toEqual([]);
  });
});
