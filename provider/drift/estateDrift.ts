// Drift of an estate: each vault's drift as the one-vault report gives it, tagged with the vault, then what only
// the estate can see: declared VMs no vault can take, and the coverage audit over every VM in scope.
import {
  DRIFT_FORMAT_VERSION,
  type DriftCategory,
  type DriftCoverage,
  type DriftFinding,
  type DriftReport,
  type EstateObservation,
  type ResolvedSpec,
} from '../core/index.js';
import { exemptionMatches, isActive, itemVm, resolveEstate } from '../plan/index.js';
import { detectDrift, type DriftOptions } from './detectDrift.js';
import { DRIFT_REMEDIES } from './remedies.js';

export function detectEstateDrift(spec: ResolvedSpec, obs: EstateObservation, opts: DriftOptions = {}): DriftReport {
  const resolution = resolveEstate(spec, obs);
  const reports = resolution.slices.map((slice) => ({ slice, report: detectDrift(slice.spec, slice.observation, { ...opts, ...(opts.now ? {} : { now: new Date(obs.observedAt) }) }) }));
  const findings: DriftFinding[] = reports.flatMap(({ slice, report }) =>
    report.findings.map((f) => ({ ...f, vault: `${slice.vault.resourceGroup}/${slice.vault.name}` })),
  );

  for (const u of resolution.unrouted) {
    const category: DriftCategory = u.finding.code === 'VmNotFound' ? 'declaredUnprotected' : 'noVault';
    findings.push({
      category,
      subject: { kind: 'vm', id: u.vm.id, name: u.vm.name, resourceGroup: u.vm.resourceGroup },
      message: u.finding.message,
      remedy: u.finding.remedy,
      expected: `protected with policy ${u.rule.policy}`,
      actual: u.finding.code === 'VmNotFound' ? 'no such VM' : 'no vault can take it',
      ...(u.source ? { source: u.source } : {}),
    });
  }

  const coverage = coverageOf(spec, obs, resolution);
  findings.push(...coverage.findings);

  const byCategory: Partial<Record<DriftCategory, number>> = {};
  for (const f of findings) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  const first = spec.vaults[0];
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    generatedAt: (opts.now ?? new Date(obs.observedAt)).toISOString(),
    spec: { file: spec.file, digest: spec.digest },
    target: { subscriptionId: first.subscriptionId, vaultResourceGroup: first.resourceGroup, vaultName: first.name },
    checked: {
      vms: reports.flatMap(({ report }) => report.checked.vms),
      policies: spec.policies.map((p) => ({ name: p.name, ...(p.source ? { source: p.source } : {}) })),
    },
    vaults: obs.vaults.map((v) => ({
      subscriptionId: v.vault.subscriptionId,
      vaultResourceGroup: v.vault.resourceGroup,
      vaultName: v.vault.name,
      location: v.observation.vault.location,
    })),
    coverage: coverage.numbers,
    findings,
    summary: { inSync: findings.length === 0, byCategory },
  };
}

/**
 * Every VM in scope is protected (an active item in any vault, or another vault by its backup status), declared,
 * exempt, or uncovered; an exemption that matches no VM in scope is a finding of its own.
 */
function coverageOf(
  spec: ResolvedSpec,
  obs: EstateObservation,
  resolution: ReturnType<typeof resolveEstate>,
): { numbers: DriftCoverage; findings: DriftFinding[] } {
  const protectedIds = new Set(
    obs.vaults.flatMap((v) => v.observation.protectedItems.filter(isActive).map((i) => itemVm(i).id.toLowerCase())),
  );
  const declaredIds = new Set([
    ...resolution.declarations.declared.map((d) => d.vm.id.toLowerCase()),
    ...resolution.declarations.conflicted.map((vm) => vm.id.toLowerCase()),
  ]);
  const findings: DriftFinding[] = [];
  const exemptions: DriftCoverage['exemptions'][number][] = [];
  const used = new Set<number>();
  let isProtected = 0;
  let declaredUnprotected = 0;
  let uncovered = 0;
  for (const vm of resolution.scopeVms) {
    const id = vm.id.toLowerCase();
    const covered = protectedIds.has(id) || (vm.otherVault !== undefined && /^protect(ed|ing)$/i.test(vm.otherVault.protectionStatus));
    const exemptBy = spec.exempt.findIndex((e) => exemptionMatches(e, vm));
    if (exemptBy >= 0) used.add(exemptBy);
    if (covered) {
      isProtected++;
    } else if (declaredIds.has(id)) {
      declaredUnprotected++;
    } else if (exemptBy >= 0) {
      const e = spec.exempt[exemptBy];
      exemptions.push({ id: vm.id, name: vm.name, resourceGroup: vm.resourceGroup, reason: e.reason, ...(e.source ? { source: e.source } : {}) });
    } else {
      uncovered++;
      findings.push({
        category: 'uncovered',
        subject: { kind: 'vm', id: vm.id, name: vm.name, resourceGroup: vm.resourceGroup },
        message: `VM ${vm.resourceGroup}/${vm.name} (${vm.location}, subscription ${vm.id.split('/')[2]}) has no backup: no vault protects it, no rule declares it, and no exemption names it`,
        remedy: DRIFT_REMEDIES.uncovered,
        expected: 'protected, or exempt with a reason',
        actual: 'no backup',
        ...(spec.scope.source ? { source: spec.scope.source } : {}),
      });
    }
  }
  spec.exempt.forEach((e, i) => {
    if (used.has(i)) return;
    findings.push({
      category: 'exemptionUnused',
      subject: { kind: 'exemption', name: `exemption "${e.reason.length > 60 ? `${e.reason.slice(0, 60)}...` : e.reason}"` },
      message: 'the exemption matches no VM in scope',
      remedy: DRIFT_REMEDIES.exemptionUnused,
      ...(e.source ? { source: e.source } : {}),
    });
  });
  return {
    numbers: { inScope: resolution.scopeVms.length, protected: isProtected, declaredUnprotected, exempt: exemptions.length, uncovered, exemptions },
    findings,
  };
}
