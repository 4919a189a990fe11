// The fleet file: schema validation with FILE:LINE:COL, the demo fleet, and the large-fleet generator.
import { afterEach, describe, expect, test } from 'vitest';
import { FleetError, generateFleet, loadFleetFile, parseFleetText } from '../../emulator/index.js';
import { checkFleetObject } from '../../emulator/fleet.js';
import { FLEET_FILE, raw, startTestEmulator, type TestEmulator } from './helpers.js';

let em: TestEmulator | undefined;
afterEach(async () => {
  await em?.dispose();
  em = undefined;
});

function problems(text: string): string[] {
  try {
    parseFleetText(text, 'fleet.yaml');
  } catch (e) {
    if (e instanceof FleetError) return e.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    throw e;
  }
  return [];
}

const HEAD = `subscriptionId: 6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f
vaults:
  - { name: v1, resourceGroup: rg, location: westeurope }
vms:
`;

describe('fleet file', () => {
  test('examples/fleet.yaml: two regions, 20 VMs, one name in two resource groups, every failure mode', () => {
    const fleet = loadFleetFile(FLEET_FILE);
    expect(new Set(fleet.vaults.map((v) => v.location))).toEqual(new Set(['westeurope', 'northeurope']));
    expect(fleet.vms).toHaveLength(20);
    expect(fleet.vms.filter((v) => v.name === 'db-01').map((v) => v.resourceGroup).sort()).toEqual(['rg-data', 'rg-data-dr']);
    const has = (f: (v: (typeof fleet.vms)[number]) => boolean) => fleet.vms.some(f);
    expect(has((v) => v.powerState === 'deallocated') && has((v) => v.powerState === 'stopped')).toBe(true);
    expect(has((v) => v.agentVersion === null) && has((v) => typeof v.agentVersion === 'string')).toBe(true);
    expect(has((v) => (v.dataDisks ?? 0) > 5) && has((v) => v.storageSku === 'Premium_LRS') && has((v) => (v.nics ?? 1) > 1) && has((v) => !!v.loadBalancer)).toBe(true);
    expect(has((v) => /freebsd/i.test(v.image ?? ''))).toBe(true);
  });

  test.each([
    { reason: 'unknown key', vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux, colour: red }', want: 'fleet.yaml:5:5: vms.0: unknown key \'colour\'' },
    { reason: 'bad enum', vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux, powerState: sleeping }', want: 'fleet.yaml:5:80: vms.0.powerState: must be one of "running", "stopped", "deallocated"' },
    { reason: 'missing os', vm: '  - { name: a, resourceGroup: rg, location: westeurope }', want: "fleet.yaml:5:5: vms.0: must have required property 'os'" },
    { reason: 'too many NICs', vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux, nics: 9 }', want: 'fleet.yaml:5:74: vms.0.nics: must be <= 8' },
    {
      reason: 'the same VM twice',
      vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux }\n  - { name: A, resourceGroup: RG, location: westeurope, os: Linux }',
      want: "fleet.yaml:6:5: vms.1: VM 'A' in resource group 'RG' is already listed (vms.0)",
    },
    { reason: 'YAML syntax', vm: '  - { name: a, resourceGroup: rg', want: 'fleet.yaml:6:1: Flow map' },
    {
      reason: 'an unknown backup failure',
      vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux, backupFailure: meteor }',
      want: 'fleet.yaml:5:83: vms.0.backupFailure: must be one of "snapshotTimeout", "snapshotNoNetwork", "vhdCopyTimeout", "vssFailure", "agentBroken"',
    },
    {
      reason: 'a VSS failure on Linux',
      vm: '  - { name: a, resourceGroup: rg, location: westeurope, os: Linux, backupFailure: vssFailure }',
      want: "fleet.yaml:5:83: vms.0.backupFailure: vssFailure needs a Windows VM (VSS is Windows only); 'a' runs Linux",
    },
  ])('$reason is reported at its position', ({ vm, want }) => {
    const found = problems(HEAD + vm + '\n');
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0].startsWith(want)).toBe(true);
  });

  test('every problem is listed at once', () => {
    const found = problems(`${HEAD}  - { name: a, resourceGroup: rg, location: westeurope, os: Solaris }\n  - { name: b, resourceGroup: rg, location: westeurope, os: Linux, dataDisks: -1 }\n`);
    expect(found.map((f) => f.split(': ')[1])).toEqual(['vms.0.os', 'vms.1.dataDisks']);
  });
});

describe('fleet generator', () => {
  test('the same seed gives the same fleet; a valid, realistic mix with names reused across resource groups', () => {
    const a = generateFleet({ vms: 1000, seed: 42 });
    expect(generateFleet({ vms: 1000, seed: 42 })).toEqual(a);
    expect(generateFleet({ vms: 1000, seed: 43 })).not.toEqual(a);
    expect(() => checkFleetObject(a)).not.toThrow();
    const count = (f: (v: (typeof a.vms)[number]) => boolean) => a.vms.filter(f).length;
    const healthy = count((v) => !v.powerState && v.agentVersion === undefined && !v.storageSku && !v.nics && !v.loadBalancer && (v.dataDisks ?? 0) <= 5 && !/freebsd/.test(v.image ?? ''));
    expect(healthy).toBeGreaterThan(850);
    for (const [reason, n] of [
      ['stopped', count((v) => v.powerState === 'stopped')],
      ['deallocated', count((v) => v.powerState === 'deallocated')],
      ['no agent', count((v) => v.agentVersion === null)],
      ['old agent', count((v) => typeof v.agentVersion === 'string')],
      ['disks', count((v) => (v.dataDisks ?? 0) > 5)],
      ['premium', count((v) => v.storageSku === 'Premium_LRS')],
      ['nics', count((v) => (v.nics ?? 1) > 1)],
      ['load balancer', count((v) => !!v.loadBalancer)],
      ['unsupported OS', count((v) => /freebsd/.test(v.image ?? ''))],
    ] as const) {
      expect({ reason, some: n > 0 }).toEqual({ reason, some: true });
    }
    const names = new Map<string, Set<string>>();
    for (const v of a.vms) names.set(v.name, (names.get(v.name) ?? new Set()).add(v.resourceGroup));
    expect([...names.values()].filter((s) => s.size > 1).length).toBeGreaterThanOrEqual(10);
  });

  test('a 2,000-VM world seeds and lists through the server in seconds', async () => {
    const started = Date.now();
    em = await startTestEmulator({ fleet: generateFleet({ vms: 2000, seed: 1 }), fleetFile: undefined });
    let n = 0;
    for await (const page of em.clients.compute.virtualMachines.listAll().byPage()) n += page.length;
    expect(n).toBe(2000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await raw(em, 'GET', '/admin/clock')).status).toBe(200);
  });
});
