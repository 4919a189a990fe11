// Written -> resolved: defaults filled in, days in calendar order, VM picks with id, resource group and name,
// a source location on every element. Runs only on a spec with no errors.
import type {
  ExemptEntry,
  Month,
  PolicyRetention,
  PolicySchedule,
  PolicySettings,
  ProtectionRule,
  ResolvedPolicy,
  ResolvedSpec,
  SourceLocation,
  StopProtectionEntry,
  VaultSettingName,
  VaultSettings,
  VaultSpec,
  VmPick,
  VmSelector,
  WeekDay,
  WeekOfMonth,
} from '../core/index.js';
import { DEFAULT_INSTANT_RESTORE_DAYS, policyTypeOf } from './policyRules.js';
import { resolvePick } from './vmPick.js';
import { disksFromWritten } from '../core/index.js';
import type { WrittenDisks, WrittenPolicy, WrittenSchedule, WrittenSelector, WrittenSpec, WrittenVaultSettings, WrittenVmPick } from './writtenSpec.js';
import type { Locator, Path } from './yamlSource.js';

const WEEK_DAYS: readonly WeekDay[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEKS: readonly WeekOfMonth[] = ['First', 'Second', 'Third', 'Fourth', 'Last'];
const MONTHS: readonly Month[] = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** Sorts into calendar order, so that two policies written in a different order compare equal. */
function ordered<T>(values: readonly T[], order: readonly T[]): T[] {
  return [...values].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function scheduleFrom(schedule: WrittenSchedule): PolicySchedule {
  switch (schedule.frequency) {
    case 'Daily':
      return { frequency: 'Daily', time: schedule.time! };
    case 'Weekly':
      return { frequency: 'Weekly', time: schedule.time!, weekDays: ordered(schedule.days!, WEEK_DAYS) };
    case 'Hourly':
      return {
        frequency: 'Hourly',
        intervalHours: schedule.intervalHours!,
        windowStart: schedule.windowStart!,
        windowHours: schedule.windowHours!,
      };
  }
}

function retentionFrom(written: WrittenPolicy['retention']): PolicyRetention {
  const { daily, weekly, monthly, yearly } = written;
  return {
    ...(daily !== undefined ? { dailyDays: daily } : {}),
    ...(weekly ? { weekly: { weeks: weekly.count, days: ordered(weekly.days, WEEK_DAYS) } } : {}),
    ...(monthly
      ? { monthly: { months: monthly.count, weeksOfMonth: ordered(monthly.weeks, WEEKS), days: ordered(monthly.days, WEEK_DAYS) } }
      : {}),
    ...(yearly
      ? {
          yearly: {
            years: yearly.count,
            months: ordered(yearly.months, MONTHS),
            weeksOfMonth: ordered(yearly.weeks, WEEKS),
            days: ordered(yearly.days, WEEK_DAYS),
          },
        }
      : {}),
  };
}

/** The settings of a policy as written (already validated), with defaults: time zone UTC, instant restore 2 days. */
export function policyFromWritten(policy: WrittenPolicy): PolicySettings {
  return {
    schedule: scheduleFrom(policy.schedule),
    retention: retentionFrom(policy.retention),
    instantRestoreDays: policy.instantRestoreDays ?? DEFAULT_INSTANT_RESTORE_DAYS,
    timeZone: policy.schedule.timeZone ?? 'UTC',
    policyType: policyTypeOf(policy),
  };
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Builds the ResolvedSpec of a written spec that passed the schema and every rule. */
export function normalizeSpec(written: WrittenSpec, file: string, digest: string, locate: Locator): ResolvedSpec {
  const source = (path: Path, part?: 'key' | 'value'): { source?: SourceLocation } => {
    const location = locate(path, part);
    return location ? { source: location } : {};
  };
  const estate = written.target === undefined;
  // An estate spans subscriptions: a pick by resource group and name matches in any subscription of the scope.
  const pick = (vm: WrittenVmPick, path: Path): VmPick => {
    if (estate && vm.id === undefined) return { resourceGroup: vm.resourceGroup!, name: vm.name!, ...source(path) };
    return { ...resolvePick(vm, written.target?.subscriptionId ?? '')!, ...source(path) };
  };
  // Each setting keeps its own line: drift points at the setting that differs, not at the vault.
  const settingsFrom = (settings: WrittenVaultSettings | undefined, path: Path): { settings?: VaultSettings } => {
    if (settings === undefined) return {};
    const sources: Partial<Record<VaultSettingName, SourceLocation>> = {};
    for (const name of Object.keys(settings) as VaultSettingName[]) {
      const location = locate([...path, name]);
      if (location) sources[name] = location;
    }
    return { settings: { ...settings, sources } };
  };
  const vaults: VaultSpec[] = written.target
    ? [{ subscriptionId: written.target.subscriptionId, ...written.target.vault, ...settingsFrom(written.target.settings, ['target', 'settings']), ...source(['target'], 'key') }]
    : (written.vaults ?? []).map((v, i) => ({
        subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, name: v.name, ...settingsFrom(v.settings, ['vaults', i, 'settings']), ...source(['vaults', i]),
      }));

  const policies: ResolvedPolicy[] = (written.policies ?? []).map((p, i) => ({
    name: p.name!,
    ...policyFromWritten(p),
    ...source(['policies', i]),
  }));

  const selectorFrom = (select: WrittenSelector, path: Path): VmSelector => ({
    resourceGroups: select.resourceGroups ?? [],
    names: select.names ?? [],
    tags: select.tags ?? {},
    exclude: {
      resourceGroups: select.exclude?.resourceGroups ?? [],
      names: select.exclude?.names ?? [],
      tags: select.exclude?.tags ?? {},
      vms: (select.exclude?.vms ?? []).map((vm, j) => pick(vm, [...path, 'exclude', 'vms', j])),
    },
  });

  const rules: ProtectionRule[] = (written.protect ?? []).map((r, i) => ({
    name: r.name,
    policy: canonicalPolicyName(r.policy, policies),
    vms: (r.vms ?? []).map((vm, j) => pick(vm, ['protect', i, 'vms', j])),
    ...(r.select ? { selector: selectorFrom(r.select, ['protect', i, 'select']) } : {}),
    ...(r.vault !== undefined ? { vault: findVault(r.vault, vaults)! } : {}),
    ...disksOf(r.disks, locate(['protect', i, 'disks'])),
    ...source(['protect', i]),
  }));

  const exempt: ExemptEntry[] = (written.exempt ?? []).map((e, i) => ({
    reason: e.reason,
    vms: (e.vms ?? []).map((vm, j) => pick(vm, ['exempt', i, 'vms', j])),
    ...(e.select ? { selector: selectorFrom(e.select, ['exempt', i, 'select']) } : {}),
    ...source(['exempt', i]),
  }));

  const stopProtection: StopProtectionEntry[] = (written.stopProtection ?? []).map((s, i) => ({
    vm: pick(s.vm, ['stopProtection', i, 'vm']),
    retainData: s.retainData ?? true,
    ...source(['stopProtection', i]),
  }));

  const undeclaredSource = written.undeclared !== undefined ? locate(['undeclared']) : undefined;
  return deepFreeze({
    apiVersion: written.apiVersion,
    file,
    digest,
    target: {
      subscriptionId: vaults[0].subscriptionId,
      vault: { resourceGroup: vaults[0].resourceGroup, name: vaults[0].name },
      ...(vaults[0].settings ? { settings: vaults[0].settings } : {}),
      ...(vaults[0].source ? { source: vaults[0].source } : {}),
    },
    form: estate ? 'estate' : 'vault',
    vaults,
    scope: written.scope
      ? { subscriptions: written.scope.subscriptions, resourceGroups: written.scope.resourceGroups ?? [], ...source(['scope'], 'key') }
      : { subscriptions: [vaults[0].subscriptionId], resourceGroups: [] },
    exempt,
    policies,
    rules,
    stopProtection,
    undeclared: written.undeclared ?? 'report',
    ...(undeclaredSource ? { undeclaredSource } : {}),
  });
}

/** The declared vault a rule's `vault:` names ("RG/NAME" or "SUBSCRIPTION/RG/NAME", case-insensitive); undefined when none or several match. */
export function findVault(ref: string, vaults: readonly Omit<VaultSpec, 'source'>[]): VaultSpec | undefined {
  const parts = ref.toLowerCase().split('/');
  const [sub, rg, name] = parts.length === 3 ? parts : [undefined, ...parts];
  const found = vaults.filter(
    (v) => v.resourceGroup.toLowerCase() === rg && v.name.toLowerCase() === name && (sub === undefined || v.subscriptionId.toLowerCase() === sub),
  );
  return found.length === 1 ? found[0] : undefined;
}

/** A rule's `disks:` (the rules checked it writes exactly one selection), LUNs sorted, and where it is written. */
function disksOf(written: WrittenDisks | undefined, at: SourceLocation | undefined): Pick<ProtectionRule, 'disks' | 'disksSource'> {
  if (written === undefined) return {};
  return { disks: disksFromWritten(written), ...(at ? { disksSource: at } : {}) };
}

/** Policy names are case-insensitive in Azure; a rule refers to its policy by the name as declared. */
function canonicalPolicyName(name: string, policies: readonly ResolvedPolicy[]): string {
  return policies.find((p) => p.name.toLowerCase() === name.toLowerCase())?.name ?? name;
}
