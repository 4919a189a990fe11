// Through the vmbackup executable: an estate plan whose VM agents would cost more Compute calls than the plan spends
// on them (11 VMs to protect in a subscription whose VM list is 11 pages) says it leaves them to apply; apply blocks the
// VM without an agent as it reads it, writes nothing for it, protects the others, and exits 1 naming it with Azure
// Backup's code and the remedy, as a plan-time block does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { requireBuild, runCli, type CliResult } from './harness.js';

const SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const LINUX = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';
const vm = (name: string, resourceGroup: string, extra: Record<string, unknown> = {}) => ({ name, resourceGroup, location: 'westeurope', os: 'Linux', image: LINUX, ...extra });
const DECLARED = Array.from({ length: 11 }, (_, i) => `app-${String(i).padStart(2, '0')}`);

const FLEET = {
  subscriptionId: SUBSCRIPTION,
  profile: 'classic',
  vaults: [{ name: 'vault-weu', resourceGroup: 'rg-backup', location: 'westeurope' }],
  vms: [
    ...DECLARED.map((name, i) => vm(name, 'rg-app', i === 0 ? { agentVersion: null } : {})),
    ...Array.from({ length: 1089 }, (_, i) => vm(`fill-${String(i).padStart(4, '0')}`, 'rg-fill')),
  ],
};

const SPEC = stringify({
  apiVersion: 'vmbackup/v1',
  scope: { subscriptions: [SUBSCRIPTION] },
  vaults: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-backup', name: 'vault-weu' }],
  policies: [{ name: 'daily', schedule: { frequency: 'Daily', time: '10:00', timeZone: 'UTC' }, retention: { daily: 30 } }],
  protect: [{ name: 'apps', policy: 'daily', vms: DECLARED.map((name) => ({ resourceGroup: 'rg-app', name })) }],
  exempt: [{ reason: 'filler VMs of this test', select: { resourceGroups: ['rg-fill'] } }],
});

describe('a VM agent left to apply, through the CLI', () => {
  let dir: string;
  let emulator: RunningEmulator;
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir, 240_000);

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-agent-check-'));
    await writeFile(join(dir, 'fleet.yaml'), stringify(FLEET));
    await writeFile(join(dir, 'spec.yaml'), SPEC);
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml'), retryAfterSeconds: 0, operationDelayMs: 20 });
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plan shows every VM to protect, none blocked, and says the agents are left to apply', async () => {
    const plan = await cli('plan', '-f', 'spec.yaml');
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('The VM agent of 11 VMs was not read (Resource Graph does not carry it)');
    expect(plan.stdout).toContain('Plan: 23 to apply, 0 blocked.');
  });

  it('apply blocks the VM without an agent, protects the ten others and exits 1 naming it with the code and the remedy', async () => {
    const apply = await cli('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.code, apply.stdout).toBe(1);
    expect(apply.stdout).toMatch(/blocked +register rg-app\/app-00 in vault rg-backup\/vault-weu UserErrorGuestAgentStatusUnavailable: VM rg-app\/app-00 has no VM agent/);
    expect(apply.stdout).toMatch(/Apply: 21 applied, 0 already converged, 2 blocked, 0 failed/);
    expect(apply.stderr).toMatch(/does not match the spec: 1 declared item is blocked/);
    expect(apply.stderr).toMatch(/rg-app\/app-00: UserErrorGuestAgentStatusUnavailable: VM rg-app\/app-00 has no VM agent\.\n +Remedy: Install the Azure VM agent/);

    // The others are protected: drift names app-00 alone, declared and not protected.
    const drift = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stderr).toBe(2);
    const report = JSON.parse(drift.stdout) as { findings: { category: string; subject: { name: string } }[] };
    expect(report.findings.map((f) => `${f.category} ${f.subject.name}`)).toEqual(['declaredUnprotected app-00']);
  });
});
