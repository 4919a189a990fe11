// The fleet file: what is read as a fleet, schema validation with FILE:LINE:COL, the demo fleet, and the
// large-fleet generator.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { FleetError, fleetSubscriptions, generateFleet, loadFleetFile, openEmulatorState, parseFleetText } from '../../emulator/index.js';
import { checkFleetObject, MAX_FLEET_BYTES, MAX_FLEET_PROBLEMS } from '../../emulator/fleet.js';
import { MAX_FLEET_VALUES } from '../../emulator/fleetYaml.js';
import { FLEET_FILE, raw, startTestEmulator, type TestEmulator } from './helpers.js';

const LAUGHS_FLEET = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'billion-laughs-fleet.yaml');

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
    const [fleet] = fleetSubscriptions(loadFleetFile(FLEET_FILE));
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

describe('what is read as a fleet file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmbackup-fleet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const loadProblems = (path: string): string[] => {
    try {
      loadFleetFile(path);
    } catch (e) {
      if (e instanceof FleetError) return e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
      throw e;
    }
    return [];
  };
  const valid = `${HEAD}  - { name: a, resourceGroup: rg, location: westeurope, os: Linux }\n`;

  test.each([
    { reason: 'a pipe nobody writes to is refused at once, not waited on', path: () => (execFileSync('mkfifo', [join(dir, 'pipe')]), join(dir, 'pipe')), want: /^1:1: .*pipe is a pipe, not a fleet file/ },
    { reason: 'a device that never ends', path: () => '/dev/zero', want: /^1:1: \/dev\/zero is a device, not a fleet file/ },
    { reason: 'a directory', path: () => dir, want: /is a directory, not a fleet file/ },
    { reason: 'a missing file', path: () => join(dir, 'missing.yaml'), want: /cannot read fleet .*missing\.yaml: no such file/ },
    {
      reason: 'a file past the size cap, before any of it is read',
      path: () => {
        const big = file('big.yaml', '');
        truncateSync(big, MAX_FLEET_BYTES + 1);
        return big;
      },
      want: /big\.yaml is 8\.0 MiB; a fleet is at most 8 MiB/,
    },
    { reason: 'Latin-1 text, at the bad byte', path: () => file('latin1.yaml', Buffer.concat([Buffer.from(`${HEAD}  - { name: caf`), Buffer.from([0xe9]), Buffer.from(' }\n')])), want: /^5:16: .*is not UTF-8: byte 0xe9/ },
    {
      reason: 'a sequence cut short after valid multi-byte characters, at its first byte',
      path: () => file('cut.yaml', Buffer.concat([Buffer.from('# héllo wörld\n# ab'), Buffer.from([0xef, 0x41]), Buffer.from(`\n${valid}`)])),
      want: /^2:5: .*is not UTF-8: byte 0xef/,
    },
    { reason: 'a NUL byte', path: () => file('nul.yaml', Buffer.from(`${HEAD}\0`)), want: /^5:1: .*holds a NUL byte/ },
    { reason: 'UTF-16', path: () => file('utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')])), want: /^1:1: .*is UTF-16 text; a fleet is UTF-8/ },
    { reason: 'two YAML documents, in our words', path: () => file('two.yaml', `${valid}---\n${valid}`), want: /^6:1: a second YAML document starts here; a fleet is one document/ },
    { reason: 'a billion laughs, at the alias that passes the cap', path: () => LAUGHS_FLEET, want: /^7:\d+: alias \*a4 makes the fleet expand past 1,000,000 values/ },
  ])('$reason', ({ path, want }) => {
    const found = loadProblems(path());
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(want);
    expect(found[0]).not.toMatch(/parseAllDocuments|resource exhaustion/);
  });

  test('more values than a fleet of 10,000 VMs holds are refused before the YAML is parsed, where the count passes the cap', () => {
    const flood = `vms: [${'1,'.repeat(MAX_FLEET_VALUES)}1]\n`;
    const found = loadProblems(file('flood.yaml', flood));
    expect(found).toEqual([expect.stringMatching(/^1:\d+: the fleet holds more than 400,000 values by this line/)]);
  });

  test('brackets nested past any fleet are refused before the YAML is parsed, where they pass the cap', () => {
    expect(loadProblems(file('deep.yaml', `vms: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`))).toEqual([
      expect.stringMatching(/^1:70: brackets nest more than 64 deep here/),
    ]);
  });

  test('a duplicate key in a mapping of 80,000 keys is found at its place, in one pass', () => {
    const keys = Array.from({ length: 80_000 }, (_, i) => `k${i}: 1`);
    keys.push('k7: 2');
    expect(loadProblems(file('dup.yaml', `${keys.join('\n')}\n`))).toEqual(["80001:1: duplicate key 'k7': keep one of them"]);
  });

  test('a list of 100,000 bad items lists the first 100 problems and says so', () => {
    const found = loadProblems(file('bad-items.yaml', `${HEAD}${'  - 1\n'.repeat(100_000)}`));
    expect(found).toHaveLength(MAX_FLEET_PROBLEMS + 1);
    expect(found[0]).toMatch(/^5:5: vms\.0: must be object/);
    expect(found[MAX_FLEET_PROBLEMS]).toMatch(/the first 100 problems are listed/);
  });

  test('UTF-8 with a byte order mark, a U+FFFD the file really holds, and one anchor shared by 2,000 VMs are all a fleet', () => {
    const shared = Array.from({ length: 2000 }, (_, i) => `  - { name: vm-${i}, resourceGroup: rg, location: westeurope, os: Linux, tags: ${i === 0 ? '&prod { env: prod }' : '*prod'} }`).join('\n');
    const text = `# the replacement character \uFFFD is text like any other\n${HEAD}${shared}\n`;
    const [fleet] = fleetSubscriptions(loadFleetFile(file('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))));
    expect(fleet.vms).toHaveLength(2000);
    expect(fleet.vms[1999].tags).toEqual({ env: 'prod' });
  });

  test('a broken fleet given to a new state directory leaves no directory behind', () => {
    const stateDir = join(dir, 'never-made');
    const broken = file('broken.yaml', Buffer.concat([Buffer.from(HEAD), Buffer.from([0xe9])]));
    expect(() => openEmulatorState(stateDir, { fleetFile: broken })).toThrow(FleetError);
    expect(existsSync(stateDir)).toBe(false);
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
