// A saved plan is a file anyone can edit, and its digest names only the spec: a plan edited to delete backup
// data the spec retains is refused, with --allow-data-deletion and all, before anything is written.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import type { Plan, PlannedAction } from '../../provider/core/index.js';
import { observe } from '../../provider/discovery/index.js';
import { DAILY_1000, requireBuild, runCli, specText, type CliResult } from './harness.js';

const SUB = '7a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d';
const VAULT = { resourceGroup: 'rg-backup', name: 'vault-a' };

const FLEET = `subscriptionId: ${SUB}
vaults:
  - { name: ${VAULT.name}, resourceGroup: ${VAULT.resourceGroup}, location: westeurope }
vms:
  - { name: web-01, resourceGroup: rg-web, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest" }
  - { name: web-02, resourceGroup: rg-web, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest" }
`;

const PROTECT = `policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-02 }]
`;
const PROTECTED = specText(PROTECT.replace('[{ resourceGroup: rg-web, name: web-02 }]', '[{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]'), { subscriptionId: SUB, vault: VAULT });
/** web-01's protection stops and its data is retained: the spec's word on its data. */
const RETAIN = specText(`${PROTECT}stopProtection:\n  - vm: { resourceGroup: rg-web, name: web-01 }\n    retainData: true\n`, { subscriptionId: SUB, vault: VAULT });

let dir: string;
let emulator: RunningEmulator;
let sdk: Target;

const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);

async function items(): Promise<Record<string, { state: string; softDeleted: boolean }>> {
  const obs = await observe(sdk, VAULT, { refresh: false });
  return Object.fromEntries(obs.protectedItems.map((i) => [i.friendlyName, { state: i.protectionState, softDeleted: i.softDeleted }]));
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-forged-'));
  await writeFile(join(dir, 'fleet.yaml'), FLEET);
  await writeFile(join(dir, 'protected.yaml'), PROTECTED);
  await writeFile(join(dir, 'retain.yaml'), RETAIN);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml'), profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
  sdk = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: SUB });
  const applied = await cli('apply', '-f', 'protected.yaml', '--yes');
  expect(applied.code, applied.stderr).toBe(0);
});

afterAll(async () => {
  await sdk?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a saved plan edited to delete data', () => {
  let plan: Plan;

  beforeAll(async () => {
    expect((await cli('plan', '-f', 'retain.yaml', '--out', 'plan.json')).code).toBe(2);
    plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.actions.map((a) => a.kind)).toEqual(['stopProtection']);
  });

  it.each([
    {
      reason: 'its stop that retains the data turned into a deletion',
      forge: (p: Plan): Plan => ({ ...p, actions: p.actions.map((a) => ({ ...a, kind: 'stopProtectionDeleteData', id: a.id.replace('stopProtection', 'stopProtectionDeleteData') }) as PlannedAction) }),
    },
    {
      reason: 'a deletion of a VM the spec protects added',
      forge: (p: Plan): Plan => ({
        ...p,
        actions: [
          ...p.actions,
          {
            ...p.actions[0],
            id: p.actions[0].id.replace('stopProtection', 'stopProtectionDeleteData').replace('web-01', 'web-02'),
            kind: 'stopProtectionDeleteData',
            target: {
              vmId: p.actions[0].target.vmId!.replace('web-01', 'web-02'),
              vmName: 'web-02',
              resourceGroup: 'rg-web',
              containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-web;web-02',
              protectedItemName: 'VM;iaasvmcontainerv2;rg-web;web-02',
            },
          } as PlannedAction,
        ],
      }),
    },
  ])('is refused with --allow-data-deletion when $reason, and nothing is changed', async ({ forge }) => {
    await writeFile(join(dir, 'forged.json'), JSON.stringify(forge(plan), null, 2));
    const refused = await cli('apply', '-f', 'retain.yaml', '--plan', 'forged.json', '--allow-data-deletion', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^forged\.json deletes backup data retain\.yaml does not ask to delete \(\/subscriptions\/.*\/virtualMachines\/web-0[12]\): only a stopProtection entry with retainData: false does; nothing was applied\./);
    expect(await items()).toEqual({ 'web-01': { state: 'IRPending', softDeleted: false }, 'web-02': { state: 'IRPending', softDeleted: false } });
  });

  it('the plan as saved applies: web-01 stops and keeps its data', async () => {
    const r = await cli('apply', '-f', 'retain.yaml', '--plan', 'plan.json', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(await items()).toEqual({ 'web-01': { state: 'ProtectionStopped', softDeleted: false }, 'web-02': { state: 'IRPending', softDeleted: false } });
  });
});
