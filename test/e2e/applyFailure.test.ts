// An apply the service refuses part of: a VM on a custom image whose operating system Azure Backup cannot install
// its extension on (no pre-flight can tell from a custom image: the install times out). The rest converges, and
// the command exits 1 with the error code and our remedy, as text and as JSON events.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import { requireBuild, runCli, specText, type CliResult } from './harness.js';

const SUB = '0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const FLEET = `subscriptionId: ${SUB}
vaults:
  - { name: vault-a, resourceGroup: rg-backup, location: westeurope }
vms:
  - { name: web-01, resourceGroup: rg-web, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", osSupported: false }
  - { name: web-02, resourceGroup: rg-web, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest" }
`;

const SPEC = specText(
  `policies:
  - name: daily
    schedule: { frequency: Daily, time: "10:00" }
    retention: { daily: 14 }
protect:
  - name: web
    policy: daily
    vms:
      - { resourceGroup: rg-web, name: web-01 }
      - { resourceGroup: rg-web, name: web-02 }
`,
  { subscriptionId: SUB, vault: { resourceGroup: 'rg-backup', name: 'vault-a' } },
);

let dir: string;
let emulator: RunningEmulator;
let sdk: Target;

function apply(...extra: string[]): Promise<CliResult> {
  return runCli(['apply', '-f', 'spec.yaml', '--yes', ...extra, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-refused-'));
  await writeFile(join(dir, 'fleet.yaml'), FLEET);
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml'), retryAfterSeconds: 0, operationDelayMs: 20 });
  sdk = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state') });
});

afterAll(async () => {
  await sdk?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('apply refused by the service', () => {
  it('exits 1 naming the Azure Backup code and the remedy, after converging what it could', async () => {
    const r = await apply();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 action failed/);
    expect(r.stderr).toMatch(/web-01.*VMExtensionProvisioningTimeout/);
    expect(r.stderr).toMatch(/Remedy: The VM agent never reported the backup extension installed/);
    // Each code is said once, never "CODE: CODE: ...".
    expect(r.stdout + r.stderr).not.toMatch(/\b(\w+): \1:/);

    const active: string[] = [];
    for await (const item of sdk.clients.backup.backupProtectedItems.list('vault-a', 'rg-backup')) active.push(item.name!.toLowerCase());
    expect(active).toEqual(['vm;iaasvmcontainerv2;rg-web;web-02']);
  });

  it('reports the same failure as a JSON event, and a re-run attempts only what is still missing', async () => {
    const r = await apply('--format', 'json');
    expect(r.code).toBe(1);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string; vmName?: string; code?: string; remedy?: string; actions?: { status: string }[] });
    const failed = events.filter((e) => e.phase === 'failed');
    expect(failed).toEqual([expect.objectContaining({ vmName: 'web-01', code: 'VMExtensionProvisioningTimeout', remedy: expect.stringMatching(/extension installed/) })]);
    const summary = events.at(-1)!;
    expect(summary.event).toBe('summary');
    // The policy and web-02 are in place: the re-run acts on web-01 alone.
    expect([...new Set(events.filter((e) => e.event === 'action').map((e) => e.vmName))]).toEqual(['web-01']);
  });
});
