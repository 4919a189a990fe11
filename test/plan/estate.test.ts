// The estate planner, pure: routing by subscription and region, a rule's pinned vault, ambiguity, Azure's
// per-vault limits as blocked actions, policy copies per vault, and the split apply runs vault by vault.
import { describe, expect, it } from 'vitest';
import { vaultArmId, vmArmId, type EstateObservation, type ObservedVm, type ResolvedSpec, type VaultSpec } from '../../provider/core/index.js';
import { planEstate, resolveEstate, splitEstatePlan, VAULT_LIMITS } from '../../provider/plan/index.js';
import { detectEstateDrift } from '../../provider/drift/index.js';
import { makeObservation, makeObservedPolicy, makePolicy, makeProtectedItem, makeRule, makeSpec, makeVault, makeVm, selector } from './fixtures.js';

const SUB_A = '00000000-0000-0000-0000-00000000000a';
const SUB_B = '00000000-0000-0000-0000-00000000000b';

function vault(sub: string, rg: string, name: string): VaultSpec {
  return { subscriptionId: sub, resourceGroup: rg, name };
}

function vm(sub: string, name: string, location: string, tags: Record<string, string> = { env: 'prod' }): ObservedVm {
  return { ...makeVm({ name, resourceGroup: 'rg-app', tags, location }), id: vmArmId(sub, 'rg-app', name) };
}

function estateSpec(vaults: VaultSpec[], o: Partial<ResolvedSpec> = {}): ResolvedSpec {
  const first = vaults[0];
  return makeSpec({
    form: 'estate',
    target: { subscriptionId: first.subscriptionId, vault: { resourceGroup: first.resourceGroup, name: first.name } },
    vaults,
    scope: { subscriptions: [SUB_A, SUB_B], resourceGroups: [] },
    rules: [makeRule('prod', 'daily', { selector: selector({ tags: { env: 'prod' } }) })],
    policies: [makePolicy('daily')],
    ...o,
  });
}

/** Each vault observed with the VMs of its subscription, and the estate's VMs. */
function estateObs(vaults: { spec: VaultSpec; location: string; items?: ObservedVm[]; policies?: number }[], vms: ObservedVm[]): EstateObservation {
  return {
    observedAt: '2025-03-10T12:00:00.000Z',
    profile: 'modern',
    vms,
    apiCalls: {},
    vaults: vaults.map((v) => ({
      vault: v.spec,
      observation: makeObservation({
        profile: 'modern',
        vault: makeVault({ id: vaultArmId(v.spec.subscriptionId, v.spec.resourceGroup, v.spec.name), name: v.spec.name, resourceGroup: v.spec.resourceGroup, subscriptionId: v.spec.subscriptionId, location: v.location }),
        vms: vms.filter((x) => x.id.includes(v.spec.subscriptionId)),
        protectedItems: (v.items ?? []).map((x) => makeProtectedItem(x, { policyName: 'daily' })),
        policies: Array.from({ length: v.policies ?? 0 }, (_, i) => makeObservedPolicy(`other-${i}`)),
      }),
    })),
  };
}

const WEU_A = vault(SUB_A, 'rg-backup', 'vault-a-weu');
const NEU_A = vault(SUB_A, 'rg-backup', 'vault-a-neu');
const WEU_B = vault(SUB_B, 'rg-backup', 'vault-b-weu');

describe('routing', () => {
  it('sends each VM to the vault of its subscription and region, and gives each vault its own copy of the policy', () => {
    const vms = [vm(SUB_A, 'a1', 'westeurope'), vm(SUB_A, 'a2', 'northeurope'), vm(SUB_B, 'b1', 'westeurope')];
    const plan = planEstate(estateSpec([WEU_A, NEU_A, WEU_B]), estateObs([{ spec: WEU_A, location: 'westeurope' }, { spec: NEU_A, location: 'northeurope' }, { spec: WEU_B, location: 'westeurope' }], vms));
    const protectIn = (name: string) => plan.actions.find((a) => a.kind === 'protect' && a.target.vmName === name)?.vault;
    expect(protectIn('a1')).toBe(plan.vaults![0].key);
    expect(protectIn('a2')).toBe(plan.vaults![1].key);
    expect(protectIn('b1')).toBe(plan.vaults![2].key);
    const creates = plan.actions.filter((a) => a.kind === 'createPolicy');
    expect(creates.map((a) => a.vault)).toEqual(plan.vaults!.map((v) => v.key));
    expect(new Set(creates.map((a) => a.id)).size).toBe(3);
    // Each vault's protect depends on the policy created in that vault.
    for (const p of plan.actions.filter((a) => a.kind === 'protect')) {
      expect(p.dependsOn.every((d) => d.endsWith(`@${p.vault}`))).toBe(true);
    }
    const parts = splitEstatePlan(plan);
    expect(parts.map((p) => p.plan.target.vaultName)).toEqual(['vault-a-weu', 'vault-a-neu', 'vault-b-weu']);
    expect(parts.reduce((n, p) => n + p.plan.actions.length, 0)).toBe(plan.actions.length);
  });

  it('blocks a VM whose subscription and region have no declared vault, naming the region', () => {
    const plan = planEstate(estateSpec([WEU_A]), estateObs([{ spec: WEU_A, location: 'westeurope' }], [vm(SUB_A, 'a2', 'westus3'), vm(SUB_B, 'b1', 'westeurope')]));
    const blocked = plan.actions.filter((a) => a.blockedBy.length > 0);
    expect(blocked.map((a) => [a.target.vmName, a.blockedBy[0].code, a.vault])).toEqual([
      ['a2', 'NoVaultInRegion', undefined],
      ['b1', 'NoVaultInRegion', undefined],
    ]);
    expect(blocked[0].blockedBy[0].message).toContain('declare a vault in westus3');
    expect(plan.summary.toApply).toBe(0);
  });

  it('two vaults in one subscription and region need a pin; a pin to a vault of another region is refused', () => {
    const second = vault(SUB_A, 'rg-backup', 'vault-a-weu-2');
    const vms = [vm(SUB_A, 'a1', 'westeurope'), vm(SUB_A, 'a2', 'westeurope', { env: 'pinned' }), vm(SUB_A, 'a3', 'westeurope', { env: 'wrong' })];
    const rules = [
      makeRule('prod', 'daily', { selector: selector({ tags: { env: 'prod' } }) }),
      { ...makeRule('pinned', 'daily', { selector: selector({ tags: { env: 'pinned' } }) }), vault: second },
      { ...makeRule('wrong', 'daily', { selector: selector({ tags: { env: 'wrong' } }) }), vault: NEU_A },
    ];
    const obs = estateObs([{ spec: WEU_A, location: 'westeurope' }, { spec: second, location: 'westeurope' }, { spec: NEU_A, location: 'northeurope' }], vms);
    const plan = planEstate(estateSpec([WEU_A, second, NEU_A], { rules }), obs);
    const protect = (name: string) => plan.actions.find((a) => a.kind === 'protect' && a.target.vmName === name)!;
    expect(protect('a1').blockedBy.map((f) => f.code)).toEqual(['AmbiguousVault']);
    expect(protect('a2').vault).toBe(plan.vaults![1].key);
    expect(protect('a2').blockedBy).toEqual([]);
    expect(protect('a3').blockedBy.map((f) => f.code)).toEqual(['NoVaultInRegion']);
    expect(protect('a3').blockedBy[0].message).toContain('pins vault rg-backup/vault-a-neu (northeurope)');
  });
});

describe("Azure's per-vault limits", () => {
  it(`blocks new protections past ${VAULT_LIMITS.protectedVms} VMs in a vault, counting those already protected`, () => {
    const existing = Array.from({ length: VAULT_LIMITS.protectedVms - 2 }, (_, i) => vm(SUB_A, `old-${i}`, 'westeurope', {}));
    const fresh = Array.from({ length: 5 }, (_, i) => vm(SUB_A, `new-${i}`, 'westeurope'));
    const plan = planEstate(estateSpec([WEU_A]), estateObs([{ spec: WEU_A, location: 'westeurope', items: existing }], [...existing, ...fresh]));
    const protects = plan.actions.filter((a) => a.kind === 'protect');
    expect(protects.filter((a) => a.blockedBy.length === 0)).toHaveLength(2);
    const over = protects.filter((a) => a.blockedBy.some((f) => f.code === 'VaultItemLimit'));
    expect(over).toHaveLength(3);
    expect(over[0].blockedBy[0].message).toContain('would protect 1001 VMs; Azure allows 1000 per vault');
  });

  it(`blocks a policy creation past ${VAULT_LIMITS.policies} policies, and policy writes past ${VAULT_LIMITS.policyWritesPerDay} in one plan`, () => {
    const full = estateObs([{ spec: WEU_A, location: 'westeurope', policies: VAULT_LIMITS.policies }], [vm(SUB_A, 'a1', 'westeurope')]);
    const plan = planEstate(estateSpec([WEU_A]), full);
    expect(plan.actions.find((a) => a.kind === 'createPolicy')?.blockedBy.map((f) => f.code)).toEqual(['VaultPolicyLimit']);

    const many = Array.from({ length: VAULT_LIMITS.policyWritesPerDay + 2 }, (_, i) => makePolicy(`p-${String(i).padStart(2, '0')}`));
    const vms = many.map((p, i) => vm(SUB_A, `v${i}`, 'westeurope', { p: p.name }));
    const rules = many.map((p) => makeRule(p.name, p.name, { selector: selector({ tags: { p: p.name } }) }));
    const busy = planEstate(estateSpec([WEU_A], { policies: many, rules }), estateObs([{ spec: WEU_A, location: 'westeurope' }], vms));
    const writes = busy.actions.filter((a) => a.kind === 'createPolicy');
    expect(writes.filter((a) => a.blockedBy.some((f) => f.code === 'PolicyWriteLimit'))).toHaveLength(2);
  });
});

describe('coverage', () => {
  it('counts every VM in scope once: protected, declared, exempt or uncovered, and an exemption matching nothing is a finding', () => {
    const prod = vm(SUB_A, 'prod-1', 'westeurope');
    const covered = vm(SUB_A, 'old-1', 'westeurope', {});
    const dev = vm(SUB_A, 'dev-1', 'westeurope', { env: 'dev' });
    const stray = vm(SUB_B, 'stray-1', 'westeurope', {});
    const spec = estateSpec([WEU_A], {
      exempt: [
        { reason: 'rebuilt from images', vms: [], selector: selector({ tags: { env: 'dev' } }) },
        { reason: 'gone', vms: [{ resourceGroup: 'rg-old', name: 'x' }] },
      ],
    });
    const obs = estateObs([{ spec: WEU_A, location: 'westeurope', items: [covered] }], [prod, covered, dev, stray]);
    expect(resolveEstate(spec, obs).scopeVms).toHaveLength(4);
    const report = detectEstateDrift(spec, obs);
    expect(report.coverage).toMatchObject({ inScope: 4, protected: 1, declaredUnprotected: 1, exempt: 1, uncovered: 1 });
    expect(report.coverage!.exemptions).toEqual([expect.objectContaining({ name: 'dev-1', reason: 'rebuilt from images' })]);
    const categories = report.findings.map((f) => `${f.category}:${f.subject.name}`);
    expect(categories).toContain('uncovered:stray-1');
    expect(categories).toContain('exemptionUnused:exemption "gone"');
    // old-1 is protected by the vault but declared by no rule: the vault's own drift says so, tagged with its vault.
    expect(report.findings.find((f) => f.category === 'undeclaredProtected')?.vault).toBe('rg-backup/vault-a-weu');
  });
});
