// The guide's failures through the CLI: a snapshot timeout (agent or network), a copy to the vault that times
// out, a VSS failure and an agent that broke after protection each end in Azure's code and the guide's remedy
// (core's one table) in `vmbackup jobs`, `vmbackup drift` and the dashboard; a discovery that fails is
// reported by `vmbackup discover` with its code and remedy, exit 1 and no stack trace.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { AZURE_CODE_REMEDIES } from '../../provider/core/index.js';
import { raw } from '../emulator/helpers.js';
import { DAILY_1000, DEMO_SUBSCRIPTION, DEMO_VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

const MINUTE = 60_000;
const vm = (name: string, os: 'Windows' | 'Linux', backupFailure?: string) => ({
  name,
  resourceGroup: 'rg-fail',
  location: 'westeurope',
  os,
  ...(backupFailure ? { backupFailure } : {}),
});

const FLEET = {
  subscriptionId: DEMO_SUBSCRIPTION,
  vaults: [
    { name: DEMO_VAULT.name, resourceGroup: DEMO_VAULT.resourceGroup, location: 'westeurope' },
    { name: 'vault-broken', resourceGroup: DEMO_VAULT.resourceGroup, location: 'westeurope', discoveryFailure: true },
  ],
  vms: [
    vm('snap-01', 'Windows', 'snapshotTimeout'),
    vm('net-01', 'Linux', 'snapshotNoNetwork'),
    vm('copy-01', 'Linux', 'vhdCopyTimeout'),
    vm('vss-01', 'Windows', 'vssFailure'),
    // Its agent breaks after protection, through the admin endpoint.
    vm('agent-01', 'Windows'),
    vm('win-01', 'Windows'),
  ],
};

const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: all
    policy: daily-1000
    vms:
${FLEET.vms.map((v) => `      - { resourceGroup: rg-fail, name: ${v.name} }`).join('\n')}
`);

/** The VMs whose backups fail, with the code each ends in. */
const FAILED = [
  { vm: 'snap-01', code: 'GuestAgentSnapshotTaskStatusError', reason: 'snapshot timeout: the agent does not answer' },
  { vm: 'net-01', code: 'ExtensionSnapshotFailedNoNetwork', reason: 'snapshot timeout: no network' },
  { vm: 'copy-01', code: 'CopyingVHDsFromBackUpVaultTakingLongTime', reason: 'the copy to the vault timed out' },
  { vm: 'agent-01', code: 'UserErrorGuestAgentStatusUnavailable', reason: 'the agent broke after protection' },
];
const VSS = 'ExtensionFailedVssWriterInBadState';

let dir: string;
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-failures-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleet: FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
  const applied = await cli('apply', '-f', 'spec.yaml', '--yes');
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  expect((await raw(emulator, 'PATCH', '/admin/virtualMachines/rg-fail/agent-01', { backupFailure: 'agentBroken' })).status).toBe(200);
  // Past the next 10:00 UTC run and the longest backup job (20 minutes).
  const now = Date.parse((await raw(emulator, 'GET', '/admin/clock')).body.now);
  const today = Math.floor(now / 86_400_000) * 86_400_000 + 10 * 60 * MINUTE;
  const run = today > now ? today : today + 86_400_000;
  expect((await raw(emulator, 'POST', '/admin/clock/advance', { duration: `${Math.ceil((run + 30 * MINUTE - now) / 1000)}s` })).status).toBe(200);
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vmbackup jobs', () => {
  let jobs: CliResult;
  beforeAll(async () => {
    jobs = await cli('jobs', '-f', 'spec.yaml');
  });

  it.each(FAILED)('$reason: the failed Backup job with $code and the remedy', ({ vm, code }) => {
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toMatch(new RegExp(`│ Backup +│ Failed +│ rg-fail/${vm} .*│ ${code}: `));
    expect(jobs.stdout).toContain(`  rg-fail/${vm} ${code}: ${AZURE_CODE_REMEDIES[code]}`);
  });

  it('a VSS failure: the Backup job completed with the warning and its remedy', () => {
    expect(jobs.stdout).toMatch(new RegExp(`│ Backup +│ CompletedWithWarnings +│ rg-fail/vss-01 .*│ ${VSS}: `));
    expect(jobs.stdout).toContain(`  rg-fail/vss-01 ${VSS}: ${AZURE_CODE_REMEDIES[VSS]}`);
  });
});

describe('vmbackup drift', () => {
  let drift: CliResult;
  beforeAll(async () => {
    drift = await cli('drift', '-f', 'spec.yaml');
  });

  /** The finding of one VM: its lines up to the next finding or category. */
  const finding = (vm: string) => drift.stdout.split(/\n(?= {2}✗ |\S)/).find((block) => block.startsWith(`  ✗ VM rg-fail/${vm} `)) ?? '';

  it.each(FAILED)('$reason: the VM is reported with $code and the remedy', ({ vm, code }) => {
    expect(drift.code, drift.stderr).toBe(2);
    const block = finding(vm);
    expect(block).toContain(`Azure error code: ${code}`);
    expect(block).toContain(`Remedy: ${AZURE_CODE_REMEDIES[code]}`);
  });

  it('a VSS failure: the degraded consistency, with the code and the remedy', () => {
    const block = finding('vss-01');
    expect(block).toMatch(/newest recovery point is FileSystemConsistent; a running Windows VM gives AppConsistent/);
    expect(block).toContain(`Azure error code: ${VSS}`);
    expect(block).toContain(`Remedy: ${AZURE_CODE_REMEDIES[VSS]}`);
  });
});

describe('vmbackup dashboard', () => {
  let dashboard: CliResult;
  beforeAll(async () => {
    dashboard = await cli('dashboard', '-f', 'spec.yaml', '--format', 'text');
  });

  it('lists each failed job with its code and remedy', () => {
    expect(dashboard.code, dashboard.stderr).toBe(0);
    expect(dashboard.stdout).toMatch(/│ Succeeded │ Failed │ In progress │\n│ \d+ +│ 4 +│ 0 +│/);
    for (const { vm, code } of FAILED) {
      expect(dashboard.stdout).toMatch(new RegExp(`✗ rg-fail/${vm}  Backup  .*\\n {6}${code}: .*\\n {6}Remedy: ${escape(AZURE_CODE_REMEDIES[code])}`));
    }
  });

  it("lists the VSS warning with its remedy and counts the point in the file-system column", () => {
    expect(dashboard.stdout).toMatch(new RegExp(`Jobs with warnings:\\n  ! rg-fail/vss-01  Backup  .*\\n {6}${VSS}: .*\\n {6}Remedy: ${escape(AZURE_CODE_REMEDIES[VSS])}`));
    expect(dashboard.stdout).toMatch(/│ rg-fail\/vss-01 +│ 1 +│ 0 +│ 1 +│ 0 +│ .* │ FileSystemConsistent +│/);
  });

  it("counts a healthy Windows VM's AppConsistent point in the application column", () => {
    expect(dashboard.stdout).toMatch(/│ rg-fail\/win-01 +│ 1 +│ 1 +│ 0 +│ 0 +│ .* │ AppConsistent +│/);
  });
});

describe('vmbackup discover on a vault whose discovery fails', () => {
  it("reports the code and the guide's remedy, exit 1, no stack trace", async () => {
    const res = await cli('discover', '--vault', `${DEMO_VAULT.resourceGroup}/vault-broken`);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^DiscoveryInternalError \(HTTP 400\): Failed to discover new items in vault 'vault-broken'/);
    expect(res.stderr).toContain(`Remedy: ${AZURE_CODE_REMEDIES.DiscoveryInternalError}`);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('discovers again once the internal error is gone', async () => {
    expect((await raw(emulator, 'PATCH', `/admin/vaults/${DEMO_VAULT.resourceGroup}/vault-broken`, { discoveryFailure: false })).status).toBe(200);
    const res = await cli('discover', '--vault', `${DEMO_VAULT.resourceGroup}/vault-broken`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Vault vault-broken \(westeurope\): 6 VMs, 0 protected\./);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
