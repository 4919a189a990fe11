// Provider functions (invokes): read-only views of the target, computed by the same layers as the CLI.
import path from 'node:path';
import { observe } from '../discovery/index.js';
import { detectDrift } from '../drift/index.js';
import { findItem, isActive, itemPolicyName, preflight, selectorMatches } from '../plan/index.js';
import { resolveSpecFile, resolveSpecText } from '../spec/index.js';
import { formatDiagnostic, type VmSelector } from '../core/index.js';
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
    names: strings(sel.names, 'selector.names', failures),
    tags: tags(sel.tags, 'selector.tags', failures),
    exclude: {
      resourceGroups: strings(exclude.resourceGroups, 'selector.exclude.resourceGroups', failures),
      names: strings(exclude.names, 'selector.exclude.names', failures),
      tags: tags(exclude.tags, 'selector.exclude.tags', failures),
      vms: [],
    },
  };
}

const getVirtualMachines: Invoke = async (ctx, args) => {
  const failures = checkVaultInputs(args);
  const selector = toSelector(args.selector, failures);
  if (args.protectableOnly !== undefined && typeof args.protectableOnly !== 'boolean') failures.push({ property: 'protectableOnly', reason: 'protectableOnly must be true or false' });
  if (failures.length > 0) return { outputs: {}, failures };
  const vault = { resourceGroup: String(args.vaultResourceGroup), name: String(args.vaultName) };
  // Read-only, like everything a preview runs: the VMs come from Compute, not from a discovery.
  const obs = await ctx.observation(vault);
  const region = obs.vault.location.replace(/\s/g, '').toLowerCase();
  // A vault protects only VMs of its own region.
  const vms = obs.vms
    .filter((vm) => vm.location.replace(/\s/g, '').toLowerCase() === region && selectorMatches(selector, vm))
    .map((vm) => {
      const item = findItem(obs.protectedItems, vm.id);
      const findings = uniqueFindings(preflight(vm, obs));
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
        protected: item !== undefined && isActive(item),
        ...(item && isActive(item) ? { policyName: itemPolicyName(item) } : {}),
        preflight: findings.map((f) => `${f.code}: ${describeFinding(f)}`),
      };
    })
    .filter((vm) => args.protectableOnly !== true || vm.preflight.length === 0)
    .sort((a, b) => a.resourceGroup.localeCompare(b.resourceGroup) || a.name.localeCompare(b.name));
  return { outputs: { vms, ids: vms.map((v) => v.id) }, failures: [] };
};

const getDrift: Invoke = async (ctx, args) => {
  const failures: CheckFailure[] = [];
  const { specFile, spec: text, graceHours } = args;
  if ((specFile === undefined) === (text === undefined)) failures.push({ property: 'specFile', reason: 'give exactly one of specFile (a path) and spec (YAML text)' });
  if (specFile !== undefined && typeof specFile !== 'string') failures.push({ property: 'specFile', reason: 'specFile must be a path' });
  if (text !== undefined && typeof text !== 'string') failures.push({ property: 'spec', reason: 'spec must be YAML text' });
  if (graceHours !== undefined && (typeof graceHours !== 'number' || graceHours < 0)) failures.push({ property: 'graceHours', reason: 'graceHours must be a number of hours, 0 or more' });
  if (failures.length > 0) return { outputs: {}, failures };
  const target = await ctx.target();
  const resolved =
    typeof specFile === 'string'
      ? await resolveSpecFile(path.resolve(ctx.programDir, specFile), { profile: target.profile })
      : resolveSpecText(String(text), '<inline spec>', { profile: target.profile });
  if (!resolved.spec) {
    throw new ProviderError(`the spec is invalid:\n${resolved.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
  }
  const spec = resolved.spec;
  const obs = await observe(target, spec.target.vault, { refresh: false, recoveryPoints: true });
  const report = detectDrift(spec, obs, typeof graceHours === 'number' ? { graceHours } : {});
  return {
    outputs: {
      inSync: report.summary.inSync,
      byCategory: { ...report.summary.byCategory },
      findings: report.findings.map((f) => ({
        category: f.category,
        subjectKind: f.subject.kind,
        subjectName: f.subject.name,
        ...(f.subject.id ? { subjectId: f.subject.id } : {}),
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

export const FUNCTIONS: Readonly<Record<string, Invoke>> = {
  'vmbackup:index:getVirtualMachines': getVirtualMachines,
  'vmbackup:index:getDrift': getDrift,
};
