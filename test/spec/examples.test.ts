// The schema itself, and the two example specs users copy: both must stay valid and mean what they say.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { resolveSpecFile, loadSpecSchema, TIME_ZONES } from '../../provider/spec/index.js';

const EXAMPLES = ['examples/spec.yaml', 'examples/spec-selectors.yaml'] as const;

interface FleetVm {
  name: string;
  resourceGroup: string;
  powerState?: string;
  agentVersion?: string | null;
  dataDisks?: number;
  tags?: Record<string, string>;
}
const fleet = parse(readFileSync('examples/fleet.yaml', 'utf8')) as { subscriptionId: string; vaults: { name: string; resourceGroup: string }[]; vms: FleetVm[] };

describe('schemas/spec.schema.json', () => {
  test('compiles under every ajv strict option and is a valid draft 2020-12 schema', () => {
    const ajv = new Ajv2020({
      strict: true,
      strictSchema: true,
      strictNumbers: true,
      strictTypes: true,
      strictTuples: true,
      strictRequired: true,
      allErrors: true,
    });
    addFormatsModule.default(ajv);
    const schema = loadSpecSchema();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  test.each(EXAMPLES)('%s validates against the raw schema, as an editor sees it', (file) => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormatsModule.default(ajv);
    const validate = ajv.compile(loadSpecSchema());
    expect(validate(parse(readFileSync(file, 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });

  test('editors find the schema through the yaml-language-server line of each example', () => {
    for (const file of EXAMPLES) expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/spec.schema.json');
  });

  test('the time zone table holds the Windows ids Azure Backup uses, each once', () => {
    expect(new Set(TIME_ZONES).size).toBe(TIME_ZONES.length);
    for (const id of ['UTC', 'W. Europe Standard Time', 'Pacific Standard Time', 'India Standard Time', 'AUS Eastern Standard Time']) {
      expect(TIME_ZONES).toContain(id);
    }
  });
});

describe.each(EXAMPLES)('%s', (file) => {
  test.each([{ profile: 'classic' as const }, { profile: 'modern' as const }, {}])('resolves with no diagnostics (%o)', async (opts) => {
    const { spec, diagnostics } = await resolveSpecFile(file, opts);
    expect(diagnostics).toEqual([]);
    expect(spec).toBeDefined();
  });

  test('targets vault-weu of the demo fleet, and every VM it names exists there', async () => {
    const { spec } = await resolveSpecFile(file);
    expect(spec!.target.subscriptionId).toBe(fleet.subscriptionId);
    expect(fleet.vaults).toContainEqual(expect.objectContaining(spec!.target.vault));
    const picks = [...spec!.rules.flatMap((r) => [...r.vms, ...(r.selector?.exclude.vms ?? [])]), ...spec!.stopProtection.map((s) => s.vm)];
    for (const pick of picks) {
      expect(fleet.vms.some((vm) => vm.resourceGroup === pick.resourceGroup && vm.name === pick.name), `${pick.resourceGroup}/${pick.name}`).toBe(true);
    }
  });

  test('is frozen and carries the sha256 of its bytes', async () => {
    const { spec } = await resolveSpecFile(file);
    expect(spec!.digest).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec!.policies[0].schedule)).toBe(true);
  });
});

describe('examples/spec.yaml resolves to', () => {
  const resolved = resolveSpecFile('examples/spec.yaml', { profile: 'classic' }).then((r) => r.spec!);

  test('a daily policy at 10:00 and a weekly one at 06:00, with the defaults filled in', async () => {
    const spec = await resolved;
    expect(spec.policies.map(({ source, ...p }) => p)).toEqual([
      {
        name: 'daily-1000',
        schedule: { frequency: 'Daily', time: '10:00' },
        retention: { dailyDays: 30 },
        instantRestoreDays: 2,
        timeZone: 'UTC',
        policyType: 'V1',
      },
      {
        name: 'weekly-0600',
        schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday'] },
        retention: { weekly: { weeks: 4, days: ['Sunday'] } },
        instantRestoreDays: 2,
        timeZone: 'UTC',
        policyType: 'V1',
      },
    ]);
  });

  test('the two db-01 VMs told apart by resource group and by ARM id', async () => {
    const spec = await resolved;
    const databases = spec.rules.find((r) => r.name === 'databases')!;
    expect(databases.vms.map(({ id, resourceGroup, name }) => ({ id, resourceGroup, name }))).toEqual([
      {
        id: `/subscriptions/${fleet.subscriptionId}/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachines/db-01`,
        resourceGroup: 'rg-data',
        name: 'db-01',
      },
      {
        id: `/subscriptions/${fleet.subscriptionId}/resourceGroups/rg-data-dr/providers/Microsoft.Compute/virtualMachines/db-01`,
        resourceGroup: 'rg-data-dr',
        name: 'db-01',
      },
    ]);
  });

  test('a rule of VMs that the planner blocks: not running, no agent, more than 5 data disks', async () => {
    const spec = await resolved;
    const blocked = spec.rules.find((r) => r.name === 'blocked')!.vms.map((p) => fleet.vms.find((vm) => vm.resourceGroup === p.resourceGroup && vm.name === p.name)!);
    expect(blocked.map((vm) => vm.name)).toEqual(['batch-01', 'legacy-01', 'bigdata-01']);
    expect(blocked[0].powerState).toBe('deallocated');
    expect(blocked[1].agentVersion).toBeNull();
    expect(blocked[2].dataDisks).toBeGreaterThan(5);
  });

  test('source locations on the target, every policy, rule and pick', async () => {
    const spec = await resolved;
    const at = (s?: { line: number; col: number }) => (s ? `${s.line}:${s.col}` : 'none');
    expect(at(spec.target.source)).toBe('5:1');
    expect(spec.policies.map((p) => at(p.source))).toEqual(['10:5', '14:5']);
    expect(spec.rules.map((r) => at(r.source))).toEqual(['19:5', '24:5', '30:5', '35:5', '41:5']);
    expect(spec.rules[2].vms.map((p) => at(p.source))).toEqual(['33:9', '34:9']);
    expect(at(spec.undeclaredSource)).toBe('49:13');
    expect(spec.undeclared).toBe('report');
    for (const rule of spec.rules) for (const pick of rule.vms) expect(pick.source?.file).toBe('examples/spec.yaml');
  });
});

describe('examples/spec-selectors.yaml resolves to', () => {
  test('selectors with their exclusions, empty criteria as empty lists, and a stop entry that retains data', async () => {
    const { spec } = await resolveSpecFile('examples/spec-selectors.yaml', { profile: 'classic' });
    const [production, development] = spec!.rules;
    expect(production.vms).toEqual([]);
    expect(production.selector).toEqual({
      resourceGroups: [],
      names: [],
      tags: { env: 'prod' },
      exclude: {
        resourceGroups: ['rg-legacy', 'rg-batch'],
        names: [],
        tags: {},
        vms: [expect.objectContaining({ resourceGroup: 'rg-data', name: 'bigdata-01' })],
      },
    });
    expect(development.selector).toMatchObject({ resourceGroups: ['rg-dev'], names: ['dev-*'], exclude: { names: ['dev-02'] } });
    expect(spec!.stopProtection).toEqual([
      expect.objectContaining({ vm: expect.objectContaining({ resourceGroup: 'rg-dev', name: 'dev-02' }), retainData: true }),
    ]);
    expect(spec!.policies[0]).toMatchObject({ timeZone: 'W. Europe Standard Time', instantRestoreDays: 3, retention: { dailyDays: 14 } });
  });
});
