// Provider functions (invokes): read-only views of the target, computed by the same layers as the CLI.
import path from 'node:path';
import { discoverEstateForDrift, observeEstate, observeVaultForDrift } from '../discovery/index.js';
import { detectDrift, detectEstateDrift, judgesConsistency, needsRecoveryPoints } from '../drift/index.js';
import { findItem, isActive, itemPolicyName, preflight, preflightFinding, selectorMatches, subscriptionOf } from '../plan/index.js';
import { resolveSpecFile, resolveSpecText } from '../spec/index.js';
import {
  compileNameGlob,
  formatDiagnostic,
  isGlobError,
  parseArmId,
  sameArmId,
  type DriftCoverage,
  type EstateObservation,
  type Observation,
  type ObservedVm,
  type PreflightFinding,
  type VaultSpec,
  type VmSelector,
} from '../core/index.js';
import type { ProviderContext } from './context.js';
import { ProviderError, type PropertyMap } from './protocol.js';
import { describeFinding, uniqueFindings } from './remedies.js';
import { checkVaultInputs, type CheckFailure } from './resource.js';

export interface InvokeResult {
  readonly outputs: PropertyMap;
  readonly failures: CheckFailure[];
}

type Invoke = (ctx: ProviderContext, args: PropertyMap) => Promise<InvokeResult>;

function strings(v: unknown, property: string, failures: CheckFailure[]): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  failures.push({ property, reason: `${property} must be a list of strings` });
  return [];
}

/** Name globs in the spec's grammar; a pattern that does not compile is a failure, not a selector matching nothing. */
function globs(v: unknown, property: string, failures: CheckFailure[]): string[] {
  const patterns = strings(v, property, failures);
  patterns.forEach((p, i) => {
    const m = compileNameGlob(p);
    if (isGlobError(m)) failures.push({ property: `${property}[${i}]`, reason: `name pattern "${p}": ${m.message}` });
  });
  return patterns;
}

function tags(v: unknown, property: string, failures: CheckFailure[]): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
  failures.push({ property, reason: `${property} must map tag names to strings` });
  return {};
}

/** The selector input in the core's shape (the same matching as a spec rule's `select`). */
export function toSelector(raw: unknown, failures: CheckFailure[]): VmSelector {
  const sel = (raw ?? {}) as PropertyMap;
  const exclude = (sel.exclude ?? {}) as PropertyMap;
  const known = new Set(['resourceGroups', 'names', 'tags', 'exclude']);
  for (const k of Object.keys(sel)) if (!known.has(k)) failures.push({ property: `selector.${k}`, reason: `unknown selector key "${k}"` });
  return {
    resourceGroups: strings(sel.resourceGroups, 'selector.resourceGroups', failures),
    names: globs(sel.names, 'selector.names', failures),
    tags: tags(sel.tags, 'selector.tags', failures),
    exclude: {
      resourceGroups: strings(exclude.resourceGroups, 'selector.exclude.resourceGroups', failures),
      names: globs(exclude.names, 'selector.exclude.names', failures),
      tags: tags(exclude.tags, 'selector.exclude.tags', failures),
      vms: [],
    },
  };
}

/** The estate inputs `vaults` (each in the provider's subscription unless it names one); failures name the entry. */
function toVaults(raw: unknown, subscriptionId: string, failures: CheckFailure[]): VaultSpec[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    failures.push({ property: 'vaults', reason: 'vaults must list at least one vault: { resourceGroup, name, subscriptionId? }' });
    return [];
  }
  return raw.flatMap((v: unknown, i): VaultSpec[] => {
    const entry = (v ?? {}) as PropertyMap;
    const errors = checkVaultInputs({ vaultResourceGroup: entry.resourceGroup, vaultName: entry.name });
    for (const f of errors) failures.push({ property: `vaults[${i}].${f.property === 'vaultName' ? 'name' : 'resourceGroup'}`, reason: f.reason });
    if (entry.subscriptionId !== undefined && typeof entry.subscriptionId !== 'string') failures.push({ property: `vaults[${i}].subscriptionId`, reason: 'subscriptionId must be a subscription id' });
    if (errors.length > 0) return [];
    return [{ subscriptionId: typeof entry.subscriptionId === 'string' ? entry.subscriptionId : subscriptionId, resourceGroup: String(entry.resourceGroup), name: String(entry.name) }];
  });
}

const sameRegion = (a: string, b: string): boolean => a.replace(/\s/g, '').toLowerCase() === b.replace(/\s/g, '').toLowerCase();

/** The VMs of the vault's region the selector picks: a vault protects only VMs of its own region. */
export function vaultVms(obs: Observation, selector: VmSelector): ObservedVm[] {
  return obs.vms.filter((vm) => sameRegion(vm.location, obs.vault.location) && selectorMatches(selector, vm));
}

const getVirtualMachines: Invoke = async (ctx, args) => {
  const estate = args.vaults !== undefined || args.subscriptions !== undefined;
  const failures = estate && args.vaults !== undefined ? [] : checkVaultInputs(args);
  const selector = toSelector(args.selector, failures);
  const subscriptions = strings(args.subscriptions, 'subscriptions', failures);
  if (args.protectableOnly !== undefined && typeof args.protectableOnly !== 'boolean') failures.push({ property: 'protectableOnly', reason: 'protectableOnly must be true or false' });
  if (failures.length > 0) return { outputs: {}, failures };
  if (estate) {
    const target = await ctx.target();
    const vaults = args.vaults !== undefined ? toVaults(args.vaults, target.subscriptionId, failures) : [{ subscriptionId: target.subscriptionId, resourceGroup: String(args.vaultResourceGroup), name: String(args.vaultName) }];
    if (failures.length > 0) return { outputs: {}, failures };
    const scope = { subscriptions: subscriptions.length > 0 ? subscriptions : [target.subscriptionId], resourceGroups: [] };
    // Resource Manager lists, read-only: a listing of VMs needs their agent facts, which Resource Graph does not carry.
    const obs = await observeEstate(target, { scope, vaults }, { source: 'arm', refresh: false });
    // A vault's subscription is read for its VMs too; only those of the scope are listed.
    const inScope = new Set(scope.subscriptions.map((s) => s.toLowerCase()));
    const vms = obs.vms.filter((vm) => inScope.has(subscriptionOf(vm.id)) && selectorMatches(selector, vm));
    return vmsOutputs(vms.map((vm) => estateVm(vm, obs)), args.protectableOnly === true);
  }
  const vault = { resourceGroup: String(args.vaultResourceGroup), name: String(args.vaultName) };
  // Read-only, like everything a preview runs: the VMs come from Compute, not from a discovery.
  const obs = await ctx.observation(vault);
  const vms = vaultVms(obs, selector).map((vm) => {
    const item = findItem(obs.protectedItems, vm.id);
    return vmOutput(vm, item && isActive(item) ? itemPolicyName(item) : undefined, uniqueFindings(preflight(vm, obs)));
  });
  return vmsOutputs(vms, args.protectableOnly === true);
};

type VmOutput = ReturnType<typeof vmOutput>;

function vmOutput(vm: ObservedVm, policyName: string | undefined, findings: readonly PreflightFinding[], where?: { subscriptionId: string; vault?: string }) {
  return {
    id: vm.id,
    name: vm.name,
    resourceGroup: vm.resourceGroup,
    location: vm.location,
    osType: vm.osType,
    powerState: vm.powerState,
    tags: { ...vm.tags },
    registered: vm.registered,
    protectable: vm.protectable,
    protected: policyName !== undefined,
    ...(policyName !== undefined ? { policyName } : {}),
    preflight: findings.map((f) => `${f.code}: ${describeFinding(f)}`),
    ...(where ?? {}),
  };
}

function vmsOutputs(vms: VmOutput[], protectableOnly: boolean): InvokeResult {
  const out = vms
    .filter((vm) => !protectableOnly || vm.preflight.length === 0)
    .sort((a, b) => a.resourceGroup.localeCompare(b.resourceGroup) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { outputs: { vms: out, ids: out.map((v) => v.id) }, failures: [] };
}

/**
 * A VM of the estate: protected where a declared vault holds it actively, and otherwise checked against the declared
 * vault of its subscription and region, the one that would take it (as the estate routes a rule's VMs).
 */
function estateVm(vm: ObservedVm, obs: EstateObservation): VmOutput {
  const sub = parseArmId(vm.id).subscriptions ?? '';
  const label = (v: { resourceGroup: string; name: string }) => `${v.resourceGroup}/${v.name}`;
  for (const { vault, observation } of obs.vaults) {
    const item = findItem(observation.protectedItems, vm.id);
    if (item && isActive(item)) return vmOutput(vm, itemPolicyName(item), [], { subscriptionId: sub, vault: label(vault) });
  }
  const candidates = obs.vaults.filter((v) => v.vault.subscriptionId.toLowerCase() === sub.toLowerCase() && sameRegion(v.observation.vault.location, vm.location));
  if (candidates.length === 1) {
    const { vault, observation } = candidates[0];
    const seen = observation.vms.find((v) => sameArmId(v.id, vm.id)) ?? vm;
    return vmOutput(seen, undefined, uniqueFindings(preflight(seen, observation)), { subscriptionId: sub, vault: label(vault) });
  }
  const finding =
    candidates.length === 0
      ? preflightFinding('NoVaultInRegion', `no declared vault is in ${vm.location} of subscription ${sub}: declare a vault in ${vm.location}`)
      : preflightFinding('AmbiguousVault', `vaults ${candidates.map((v) => label(v.vault)).join(', ')} are all in ${vm.location} of subscription ${sub}`);
  return vmOutput(vm, undefined, [finding], { subscriptionId: sub });
}

const getDrift: Invoke = async (ctx, args) => {
  const failures: CheckFailure[] = [];
  const { specFile, spec: text, graceHours, scope, vaults, allRecoveryPoints, consistent } = args;
  const given = [specFile, text].filter((x) => x !== undefined).length + (scope !== undefined || vaults !== undefined ? 1 : 0);
  if (given !== 1) failures.push({ property: 'specFile', reason: 'give exactly one of specFile (a path), spec (YAML text), or scope and vaults (an estate to audit)' });
  if (specFile !== undefined && typeof specFile !== 'string') failures.push({ property: 'specFile', reason: 'specFile must be a path' });
  if (text !== undefined && typeof text !== 'string') failures.push({ property: 'spec', reason: 'spec must be YAML text' });
  if ((scope === undefined) !== (vaults === undefined)) failures.push({ property: scope === undefined ? 'scope' : 'vaults', reason: 'an estate needs both scope and vaults' });
  if (graceHours !== undefined && (typeof graceHours !== 'number' || graceHours < 0)) failures.push({ property: 'graceHours', reason: 'graceHours must be a number of hours, 0 or more' });
  if (allRecoveryPoints !== undefined && typeof allRecoveryPoints !== 'boolean') failures.push({ property: 'allRecoveryPoints', reason: 'allRecoveryPoints must be true or false' });
  if (consistent !== undefined && typeof consistent !== 'boolean') failures.push({ property: 'consistent', reason: 'consistent must be true or false' });
  if (failures.length > 0) return { outputs: {}, failures };
  const target = await ctx.target();
  const resolved =
    typeof specFile === 'string'
      ? await resolveSpecFile(path.resolve(ctx.programDir, specFile), { profile: target.profile })
      : typeof text === 'string'
        ? resolveSpecText(text, '<inline spec>', { profile: target.profile })
        : // scope and vaults alone are an estate spec that declares nothing: its drift is the coverage audit. JSON is YAML.
          resolveSpecText(JSON.stringify({ apiVersion: 'vmbackup/v1', scope, vaults: estateVaults(vaults, target.subscriptionId) }), '<inputs scope and vaults>', { profile: target.profile });
  if (!resolved.spec) {
    throw new ProviderError(`the spec is invalid:\n${resolved.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
  }
  const spec = resolved.spec;
  const options = typeof graceHours === 'number' ? { graceHours } : {};
  // As `vmbackup drift`: a point is read where the day's jobs do not vouch for it, every running VM's when asked.
  const recoveryPoints = allRecoveryPoints === true ? judgesConsistency : needsRecoveryPoints;
  // As `vmbackup drift`, which writes nothing: Resource Graph for the VMs (and an estate's backup state) unless
  // `consistent`, Compute for the agents of the VMs it explains; each vault through its own subscription, so one
  // provider configuration serves specs of any subscription.
  const reads = { recoveryPoints, consistent: consistent === true };
  const report =
    spec.form === 'estate'
      ? detectEstateDrift(spec, await discoverEstateForDrift(target, spec, reads), options)
      : detectDrift(spec, await observeVaultForDrift(target.forSubscription(spec.target.subscriptionId), spec, reads), options);
  return {
    outputs: {
      inSync: report.summary.inSync,
      byCategory: { ...report.summary.byCategory },
      ...(report.coverage ? { coverage: coverageOutput(report.coverage) } : {}),
      findings: report.findings.map((f) => ({
        category: f.category,
        subjectKind: f.subject.kind,
        subjectName: f.subject.name,
        ...(f.subject.id ? { subjectId: f.subject.id } : {}),
        ...(f.subject.resourceGroup ? { subjectResourceGroup: f.subject.resourceGroup } : {}),
        ...(f.vault ? { vault: f.vault } : {}),
        message: f.message,
        remedy: f.remedy,
        ...(f.expected !== undefined ? { expected: f.expected } : {}),
        ...(f.actual !== undefined ? { actual: f.actual } : {}),
        ...(f.azureErrorCode ? { azureErrorCode: f.azureErrorCode } : {}),
      })),
    },
    failures: [],
  };
};

/** The `vaults` input as a spec writes it: a vault without a subscription is in the provider's. */
function estateVaults(raw: unknown, subscriptionId: string): unknown {
  return Array.isArray(raw) ? raw.map((v: unknown) => (v && typeof v === 'object' && !('subscriptionId' in v) ? { subscriptionId, ...v } : v)) : raw;
}

function coverageOutput(c: DriftCoverage): PropertyMap {
  return {
    inScope: c.inScope,
    protected: c.protected,
    declaredUnprotected: c.declaredUnprotected,
    exempt: c.exempt,
    uncovered: c.uncovered,
    exemptions: c.exemptions.map((e) => ({ id: e.id, name: e.name, resourceGroup: e.resourceGroup, reason: e.reason })),
  };
}

export const FUNCTIONS: Readonly<Record<string, Invoke>> = {
  'vmbackup:index:getVirtualMachines': getVirtualMachines,
  'vmbackup:index:getDrift': getDrift,
};
