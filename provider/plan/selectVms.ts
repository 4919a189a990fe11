// Which observed VMs each rule declares, and which declarations contradict each other.
import {
  memoByIdentity,
  compileNameGlob,
  groupBy,
  isGlobError,
  parseArmId,
  sameArmId,
  vmArmId,
  vmLabel,
  type Diagnostic,
  type ObservedProtectedItem,
  type ObservedVm,
  type ProtectionRule,
  type NameMatcher,
  type ResolvedSpec,
  type SourceLocation,
  type StopProtectionEntry,
  type VmPick,
  type VmSelector,
} from '../core/index.js';
import { isActive, itemVm } from './observed.js';

export interface SelectOptions {
  /**
   * The vault's region. Selectors only pick VMs of this region, as Azure only offers those to the vault;
   * explicit picks match anywhere, so a VM of another region is reported rather than ignored. Default: no filter.
   */
  readonly location?: string;
}

/** A VM that a rule declares, with the spec line responsible: the pick, or the rule for selectors. */
export interface DeclaredVm {
  readonly vm: ObservedVm;
  readonly rule: ProtectionRule;
  readonly policy: string;
  readonly source?: SourceLocation;
}

/** An explicit pick that matches no VM. `id` is the pick's ARM id, or the id the VM would have. */
export interface MissingPick {
  readonly rule: ProtectionRule;
  readonly pick: VmPick;
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
}

/** The spec's intent resolved against the observed VMs and protected items. */
export interface Declarations {
  /** One entry per declared VM, in resourceGroup/name order; VMs in conflict are left out. */
  readonly declared: readonly DeclaredVm[];
  readonly missing: readonly MissingPick[];
  /** VMs whose declarations contradict each other: no action is planned for them. */
  readonly conflicted: readonly ObservedVm[];
  readonly conflicts: readonly Diagnostic[];
  /** Protected items each stop-protection entry names (the VM may be gone, its backups are not). */
  readonly stops: readonly { readonly entry: StopProtectionEntry; readonly items: readonly ObservedProtectedItem[] }[];
}

const lower = (s: string): string => s.toLowerCase();

/** Code-point order, so plans come out the same whatever the machine's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Resource group, then name, then id, all case-insensitive. */
export function vmOrder(a: { resourceGroup: string; name: string; id: string }, b: { resourceGroup: string; name: string; id: string }): number {
  return compareText(lower(a.resourceGroup), lower(b.resourceGroup)) || compareText(lower(a.name), lower(b.name)) || compareText(lower(a.id), lower(b.id));
}

/** An explicit pick: by ARM id, or by resource group and name (both case-insensitive; no group = any group). */
export function pickMatches(pick: VmPick, vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup'>): boolean {
  if (pick.id !== undefined) return sameArmId(pick.id, vm.id);
  if (pick.name === undefined || lower(pick.name) !== lower(vm.name)) return false;
  return pick.resourceGroup === undefined || lower(pick.resourceGroup) === lower(vm.resourceGroup);
}

/** A VM's tags by lower-cased name (the first of names that differ only in case), built once per tag set. */
const tagsByName = memoByIdentity((tags: Readonly<Record<string, string>>): ReadonlyMap<string, string> => {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tags)) if (!out.has(lower(k))) out.set(lower(k), v);
  return out;
});

/** Tag names are case-insensitive in Azure, values are not; "*" matches any value. */
function tagMatches(tags: Readonly<Record<string, string>>, key: string, value: string): boolean {
  const found = tagsByName(tags).get(lower(key));
  return found !== undefined && (value === '*' || found === value);
}

// Each list of globs is compiled once, not once per VM; a spec that passed validation has only valid globs,
// and a pattern that does not compile matches nothing.
const compiledGlobs = memoByIdentity((globs: readonly string[]): readonly NameMatcher[] => globs.map(compileNameGlob).map((m) => (isGlobError(m) ? () => false : m)));
function globMatches(globs: readonly string[], name: string): boolean {
  return compiledGlobs(globs).some((m) => m(name));
}
const groupIn = (groups: readonly string[], rg: string): boolean => groups.some((g) => lower(g) === lower(rg));

/** Includes are all required (AND); any one exclusion drops the VM. */
export function selectorMatches(sel: VmSelector, vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup' | 'tags'>): boolean {
  if (sel.resourceGroups.length > 0 && !groupIn(sel.resourceGroups, vm.resourceGroup)) return false;
  if (sel.names.length > 0 && !globMatches(sel.names, vm.name)) return false;
  if (!Object.entries(sel.tags).every(([k, v]) => tagMatches(vm.tags, k, v))) return false;
  const ex = sel.exclude;
  if (groupIn(ex.resourceGroups, vm.resourceGroup)) return false;
  if (globMatches(ex.names, vm.name)) return false;
  if (Object.entries(ex.tags).some(([k, v]) => tagMatches(vm.tags, k, v))) return false;
  return !anyPickMatches(ex.vms, vm);
}

// A list of picks indexed once, by ARM id and by VM name: a long exclusion or exemption list (an estate's names
// thousands of VMs) is looked up, not compared with every VM.
const pickIndex = memoByIdentity((picks: readonly VmPick[]) => ({
  ids: new Set(picks.filter((p) => p.id !== undefined).map((p) => p.id!.toLowerCase())) as ReadonlySet<string>,
  byName: groupBy(
    picks.filter((p) => p.id === undefined && p.name !== undefined),
    (p) => p.name!,
  ) as ReadonlyMap<string, readonly VmPick[]>,
}));

/** Whether any of the picks matches the VM. */
export function anyPickMatches(picks: readonly VmPick[], vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup'>): boolean {
  if (picks.length === 0) return false;
  const index = pickIndex(picks);
  return index.ids.has(vm.id.toLowerCase()) || (index.byName.get(lower(vm.name)) ?? []).some((p) => pickMatches(p, vm));
}

/** Whether a rule of the spec declares the VM: a pick names it or a selector matches it, in whatever region. */
export function declaresVm(spec: Pick<ResolvedSpec, 'rules'>): (vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup' | 'tags'>) => boolean {
  return (vm) => spec.rules.some((rule) => anyPickMatches(rule.vms, vm) || (rule.selector !== undefined && selectorMatches(rule.selector, vm)));
}

function inRegion(vm: ObservedVm, opts: SelectOptions): boolean {
  return opts.location === undefined || lower(vm.location) === lower(opts.location);
}

/** The VMs each rule declares, keyed by rule name, each list in resourceGroup/name order. */
export function selectVms(spec: ResolvedSpec, vms: readonly ObservedVm[], opts: SelectOptions = {}): Map<string, ObservedVm[]> {
  const out = new Map<string, ObservedVm[]>();
  for (const rule of spec.rules) out.set(rule.name, ruleSelection(rule, vms, opts).map((s) => s.vm));
  return out;
}

/** What names a VM: a pick matches it by these. */
type VmName = Pick<ObservedVm, 'id' | 'name' | 'resourceGroup'>;

/** VMs by lower-cased ARM id and by lower-cased name, built once per list: explicit picks are looked up, not compared with every VM. */
const vmIndex = memoByIdentity((vms: readonly VmName[]) => ({
  byId: new Map(vms.map((vm) => [vm.id.toLowerCase(), vm])) as ReadonlyMap<string, VmName>,
  byName: groupBy(vms, (vm) => vm.name) as ReadonlyMap<string, readonly VmName[]>,
}));

/** The VMs an explicit pick names, in the list's order. */
function picked<V extends VmName>(pick: VmPick, vms: readonly V[]): V[] {
  // Indexed from `vms`: every VM in it is a V.
  const index = vmIndex(vms) as { byId: ReadonlyMap<string, V>; byName: ReadonlyMap<string, readonly V[]> };
  if (pick.id !== undefined) {
    const vm = index.byId.get(pick.id.toLowerCase());
    return vm ? [vm] : [];
  }
  // A pick with neither id nor name matches no VM, as pickMatches says.
  return (index.byName.get(lower(pick.name ?? '')) ?? []).filter((vm) => pickMatches(pick, vm));
}

/** Whether every explicit pick of the spec names a VM of `vms` (resolveDeclarations reports the others missing). */
export function everyPickFound(spec: Pick<ResolvedSpec, 'rules'>, vms: readonly VmName[]): boolean {
  return spec.rules.every((rule) => rule.vms.every((pick) => picked(pick, vms).length > 0));
}

function ruleSelection(rule: ProtectionRule, vms: readonly ObservedVm[], opts: SelectOptions): { vm: ObservedVm; source?: SourceLocation }[] {
  const chosen = new Map<ObservedVm, SourceLocation | undefined>();
  for (const pick of rule.vms) {
    for (const vm of picked(pick, vms)) if (!chosen.has(vm)) chosen.set(vm, pick.source ?? rule.source);
  }
  if (rule.selector) {
    for (const vm of vms) if (!chosen.has(vm) && inRegion(vm, opts) && selectorMatches(rule.selector, vm)) chosen.set(vm, rule.source);
  }
  return [...chosen].map(([vm, source]) => ({ vm, source })).sort((a, b) => vmOrder(a.vm, b.vm));
}

function missingPick(spec: ResolvedSpec, rule: ProtectionRule, pick: VmPick): MissingPick {
  if (pick.id !== undefined) {
    const parts = parseArmId(pick.id);
    return { rule, pick, id: pick.id, name: parts.virtualmachines ?? pick.id, resourceGroup: parts.resourcegroups ?? '' };
  }
  const resourceGroup = pick.resourceGroup ?? '';
  const name = pick.name ?? '';
  return { rule, pick, id: vmArmId(spec.target.subscriptionId, resourceGroup, name), name, resourceGroup };
}

const where = (s?: SourceLocation): string => (s ? ` (${s.file}:${s.line})` : '');

const REMEDY_TWO_POLICIES = 'Exclude the VM from all rules but one, or give those rules the same policy.';
const REMEDY_PROTECTED_AND_STOPPED = 'Remove the VM from the rule or from stopProtection.';

/** Resolves every rule, pick and stop-protection entry of the spec against what was observed. */
export function resolveDeclarations(
  spec: ResolvedSpec,
  obs: { readonly vms: readonly ObservedVm[]; readonly protectedItems: readonly ObservedProtectedItem[] },
  opts: SelectOptions = {},
): Declarations {
  const byVm = new Map<ObservedVm, DeclaredVm[]>();
  const missing: MissingPick[] = [];
  for (const rule of spec.rules) {
    for (const { vm, source } of ruleSelection(rule, obs.vms, opts)) {
      const list = byVm.get(vm) ?? [];
      list.push({ vm, rule, policy: rule.policy, source });
      byVm.set(vm, list);
    }
    for (const pick of rule.vms) if (picked(pick, obs.vms).length === 0) missing.push(missingPick(spec, rule, pick));
  }
  const stops = spec.stopProtection.map((entry) => ({
    entry,
    items: obs.protectedItems.filter((item) => !item.softDeleted && pickMatches(entry.vm, itemVm(item))),
  }));

  const declared: DeclaredVm[] = [];
  const conflicted: ObservedVm[] = [];
  // One diagnostic per contradiction, not one per rule in it: VMs caught between the same rules are listed together.
  const twoPolicies = new Map<string, { decls: DeclaredVm[]; vms: string[] }>();
  const protectedAndStopped = new Map<string, { rule: ProtectionRule; stops: StopProtectionEntry[]; vms: string[] }>();
  for (const [vm, decls] of byVm) {
    const label = vmLabel(vm.resourceGroup, vm.name);
    const policies = new Set(decls.map((d) => d.policy));
    const stoppedBy = spec.stopProtection.filter((e) => pickMatches(e.vm, vm));
    if (policies.size > 1) {
      conflicted.push(vm);
      const key = decls.map((d) => d.rule.name).join('\0');
      const group = twoPolicies.get(key) ?? { decls, vms: [] };
      group.vms.push(label);
      twoPolicies.set(key, group);
    } else if (stoppedBy.length > 0) {
      conflicted.push(vm);
      const rule = decls[0].rule;
      const key = `${rule.name}\0${stoppedBy.map((e) => where(e.source)).join('\0')}`;
      const group = protectedAndStopped.get(key) ?? { rule, stops: stoppedBy, vms: [] };
      group.vms.push(label);
      protectedAndStopped.set(key, group);
    } else {
      declared.push(decls[0]);
    }
  }
  const vmsAre = (vms: string[]) => (vms.length === 1 ? `VM ${vms[0]} is` : `VMs ${vms.join(', ')} are`);
  const conflicts: Diagnostic[] = [];
  for (const { decls, vms: names } of twoPolicies.values()) {
    const [first, ...others] = decls;
    const rules = others.map((o) => `rule "${o.rule.name}" (policy ${o.policy})${where(o.rule.source)}`);
    conflicts.push({
      severity: 'error',
      code: 'ConflictingRules',
      message: `${vmsAre(names)} picked by rule "${first.rule.name}" with policy ${first.policy} and by ${rules.join(', ')}; a VM has exactly one policy`,
      location: first.rule.source,
      remedy: REMEDY_TWO_POLICIES,
    });
  }
  for (const { rule, stops, vms: names } of protectedAndStopped.values()) {
    conflicts.push({
      severity: 'error',
      code: 'ConflictingStopProtection',
      message: `${vmsAre(names)} declared protected by rule "${rule.name}" and listed under stopProtection${stops.map((e) => where(e.source)).join('')}`,
      location: rule.source,
      remedy: REMEDY_PROTECTED_AND_STOPPED,
    });
  }
  declared.sort((a, b) => vmOrder(a.vm, b.vm));
  conflicted.sort(vmOrder);
  return { declared, missing, conflicted, conflicts, stops };
}

/** Declarations that contradict each other. The CLI treats them as errors and applies nothing. */
export function findConflicts(
  spec: ResolvedSpec,
  obs: { readonly vms: readonly ObservedVm[]; readonly protectedItems: readonly ObservedProtectedItem[]; readonly vault?: { readonly location: string } },
): Diagnostic[] {
  return [...resolveDeclarations(spec, obs, { location: obs.vault?.location }).conflicts];
}

/**
 * Rules whose selector, with their picks, chooses no VM: a warning, because a misspelt tag or glob would
 * otherwise protect nothing without a word. Picks that match no VM are reported on their own, as missing.
 */
export function rulesSelectingNothing(spec: ResolvedSpec, obs: { readonly vms: readonly ObservedVm[]; readonly vault?: { readonly location: string } }): Diagnostic[] {
  const location = obs.vault?.location;
  return spec.rules
    .filter((rule) => rule.selector && ruleSelection(rule, obs.vms, { location }).length === 0)
    .map((rule): Diagnostic => {
      const elsewhere = location !== undefined && ruleSelection(rule, obs.vms, {}).length > 0;
      return {
        severity: 'warning',
        code: 'RuleSelectsNoVm',
        message:
          `rule "${rule.name}" selects no VM` +
          (elsewhere ? `: the VMs it matches are all outside the vault's region ${location}` : location ? ` in the vault's region ${location}` : ''),
        ...(rule.source ? { location: rule.source } : {}),
        remedy:
          elsewhere
            ? 'a vault protects VMs of its own region only: declare those VMs for a vault in their region'
            : 'compare its resource groups, names and tags with `vmbackup discover`; remove the rule if nothing should match',
      };
    });
}

/** Active protections whose VM no rule declares (VMs in conflict and missing picks count as declared). */
export function undeclaredItems(decls: Declarations, items: readonly ObservedProtectedItem[]): ObservedProtectedItem[] {
  const declaredIds = new Set([...decls.declared.map((d) => d.vm.id), ...decls.conflicted.map((v) => v.id)].map(lower));
  return items.filter((item) => {
    if (!isActive(item)) return false;
    const vm = itemVm(item);
    return !declaredIds.has(lower(vm.id)) && !decls.missing.some((m) => pickMatches(m.pick, vm));
  });
}
