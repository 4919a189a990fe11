// Rules across a whole spec, run after the schema. Each rule looks only at the parts that passed the schema,
// so one bad policy does not hide the problems of the others.
import { compileNameGlob, isGlobError } from '../core/index.js';
import { didYouMean } from './didYouMean.js';
import { parseVmId, VM_ID_SHAPE } from './armIdCheck.js';
import { checkPolicy } from './policyRules.js';
import { profileLimits, type Profile } from './limits.js';
import type { Reporter } from './reporter.js';
import { describePick, pickKey, resolvePick } from './vmPick.js';
import { findVault } from './normalize.js';
import type {
  WrittenExemption,
  WrittenPolicy,
  WrittenRule,
  WrittenSpec,
  WrittenStopEntry,
  WrittenVault,
  WrittenVaultSettings,
  WrittenVmPick,
} from './writtenSpec.js';
import type { Path } from './yamlSource.js';

interface Item<T> {
  readonly value: T;
  readonly path: Path;
}

interface SpecView {
  /** Policies, rules and stop entries with no schema error of their own. */
  readonly policies: readonly Item<WrittenPolicy>[];
  readonly rules: readonly Item<WrittenRule>[];
  readonly stops: readonly Item<WrittenStopEntry>[];
  /** Every policy name written as a string, valid or not: a rule naming it is not naming an unknown policy. */
  readonly policyNames: readonly string[];
  /** The target's subscription, when the target passed the schema. */
  readonly subscriptionId?: string;
  /** Estate form: the declared vaults that passed the schema, and the scope's subscriptions. */
  readonly estate?: { readonly vaults: readonly Item<WrittenVault>[]; readonly subscriptions: readonly string[] };
  readonly exemptions: readonly Item<WrittenExemption>[];
  /** The `settings:` of the target or of each declared vault, when they passed the schema. */
  readonly vaultSettings: readonly Item<WrittenVaultSettings>[];
}

interface SpecRuleContext {
  readonly reporter: Reporter;
  readonly profile?: Profile;
}

type SpecRule = (view: SpecView, ctx: SpecRuleContext) => void;

const policiesAreValid: SpecRule = ({ policies }, ctx) => {
  for (const { value, path } of policies) checkPolicy(value, path, ctx);
};

function namesAreUnique(kind: 'policy' | 'rule', code: string, items: readonly Item<{ name?: string }>[], reporter: Reporter): void {
  const first = new Map<string, Item<{ name?: string }>>();
  for (const item of items) {
    const name = item.value.name;
    if (name === undefined) continue;
    const earlier = first.get(name.toLowerCase());
    if (!earlier) {
      first.set(name.toLowerCase(), item);
      continue;
    }
    reporter.report({
      code,
      message: `${kind} name "${name}" is already used at ${reporter.where([...earlier.path, 'name'])}`,
      path: [...item.path, 'name'],
      remedy: `give each ${kind} its own name (names are case-insensitive)`,
    });
  }
}

const policyNamesAreUnique: SpecRule = ({ policies }, { reporter }) => namesAreUnique('policy', 'DuplicatePolicy', policies, reporter);

const ruleNamesAreUnique: SpecRule = ({ rules }, { reporter }) => namesAreUnique('rule', 'DuplicateRule', rules, reporter);

const rulesNameKnownPolicies: SpecRule = ({ rules, policyNames }, { reporter }) => {
  const known = new Set(policyNames.map((n) => n.toLowerCase()));
  for (const { value, path } of rules) {
    if (known.has(value.policy.toLowerCase())) continue;
    const hint = didYouMean(value.policy, policyNames);
    reporter.report({
      code: 'UnknownPolicy',
      message: `rule "${value.name}" names policy "${value.policy}", which the spec does not declare`,
      path: [...path, 'policy'],
      remedy: hint ?? 'declare it under policies:, or name a declared policy',
    });
  }
};

const rulesPickVms: SpecRule = ({ rules }, { reporter }) => {
  for (const { value, path } of rules) {
    const { vms, select } = value;
    if ((vms === undefined || vms.length === 0) && select === undefined) {
      reporter.report({
        code: 'EmptyRule',
        message: `rule "${value.name}" picks no VMs`,
        path,
        remedy: 'add vms: (explicit picks) or select: (resource groups, name globs, tags)',
      });
    }
    if (select && !select.resourceGroups?.length && !select.names?.length && Object.keys(select.tags ?? {}).length === 0) {
      reporter.report({
        code: 'EmptySelector',
        message: `rule "${value.name}" selects with no criteria`,
        path: [...path, 'select'],
        remedy: 'give resourceGroups, names or tags; to select every VM write names: ["*"]',
      });
    }
  }
};

/** Name globs follow the one grammar selectors match with (provider/core/nameGlob.ts). */
const namePatternsAreValid: SpecRule = ({ rules, exemptions }, { reporter }) => {
  for (const { value, path } of [...rules, ...exemptions]) {
    const lists: [readonly string[] | undefined, Path][] = [
      [value.select?.names, [...path, 'select', 'names']],
      [value.select?.exclude?.names, [...path, 'select', 'exclude', 'names']],
    ];
    for (const [names, at] of lists) {
      names?.forEach((pattern, i) => {
        const compiled = compileNameGlob(pattern);
        if (!isGlobError(compiled)) return;
        reporter.report({
          code: 'InvalidNamePattern',
          message: `name pattern "${pattern.length > 40 ? `${pattern.slice(0, 40)}...` : pattern}": ${compiled.message} (character ${compiled.offset + 1})`,
          path: [...at, i],
          remedy: 'name patterns use * ? [a-z] [!a-z] and {a,b}; fix the pattern or write the names out',
        });
      });
    }
  }
};

/** Every explicit pick in the spec, with its path. */
function allPicks(view: SpecView): Item<WrittenVmPick>[] {
  const picks: Item<WrittenVmPick>[] = [];
  for (const { value, path } of view.rules) {
    value.vms?.forEach((vm, i) => picks.push({ value: vm, path: [...path, 'vms', i] }));
    value.select?.exclude?.vms?.forEach((vm, i) => picks.push({ value: vm, path: [...path, 'select', 'exclude', 'vms', i] }));
  }
  for (const { value, path } of view.stops) picks.push({ value: value.vm, path: [...path, 'vm'] });
  for (const { value, path } of view.exemptions) {
    value.vms?.forEach((vm, i) => picks.push({ value: vm, path: [...path, 'vms', i] }));
    value.select?.exclude?.vms?.forEach((vm, i) => picks.push({ value: vm, path: [...path, 'select', 'exclude', 'vms', i] }));
  }
  return picks;
}

const picksAreWellFormed: SpecRule = (view, { reporter }) => {
  for (const { value: pick, path } of allPicks(view)) {
    const byName = pick.resourceGroup !== undefined || pick.name !== undefined;
    if (pick.id === undefined) {
      if (pick.resourceGroup === undefined || pick.name === undefined) {
        reporter.report({
          code: 'IncompleteVmPick',
          message: byName ? `a VM pick needs both resourceGroup and name` : 'a VM pick needs an id or resourceGroup + name',
          path,
          remedy: 'write { resourceGroup: RG, name: VM } or { id: /subscriptions/.../virtualMachines/VM }',
        });
      }
      continue;
    }
    if (byName) {
      reporter.report({
        code: 'AmbiguousVmPick',
        message: 'a VM pick gives both an id and resourceGroup/name',
        path,
        remedy: 'keep either the id or resourceGroup + name',
      });
      continue;
    }
    const parsed = parseVmId(pick.id);
    if ('problem' in parsed) {
      reporter.report({
        code: 'InvalidArmId',
        message: `"${pick.id}" is not a VM's ARM id: ${parsed.problem}`,
        path: [...path, 'id'],
        remedy: `write ${VM_ID_SHAPE}`,
      });
    } else if (view.subscriptionId !== undefined && parsed.parts.subscriptionId.toLowerCase() !== view.subscriptionId.toLowerCase()) {
      reporter.report({
        code: 'VmInOtherSubscription',
        message: `the VM is in subscription ${parsed.parts.subscriptionId}, the vault in ${view.subscriptionId}`,
        path: [...path, 'id'],
        remedy: "a vault protects VMs of its own subscription: use a vault in the VM's subscription",
      });
    } else if (view.estate && !inList(parsed.parts.subscriptionId, view.estate.subscriptions)) {
      reporter.report({
        code: 'VmOutsideScope',
        message: `the VM is in subscription ${parsed.parts.subscriptionId}, which scope.subscriptions does not list`,
        path: [...path, 'id'],
        remedy: 'add the subscription to scope.subscriptions, or remove the pick',
      });
    }
  }
};

/**
 * One policy per VM: an explicit pick appears once across all protection rules. Selectors can only be matched
 * against the VMs that exist, so their conflicts are found by the planner (provider/plan, same codes).
 */
const vmsArePickedOnce: SpecRule = (view, { reporter }) => {
  const subscription = view.subscriptionId ?? '';
  const first = new Map<string, { path: Path; rule: WrittenRule }>();
  for (const { value: rule, path } of view.rules) {
    rule.vms?.forEach((vm, i) => {
      const pick = resolvePick(vm, subscription);
      if (!pick) return;
      const here = [...path, 'vms', i];
      const earlier = first.get(pickKey(pick));
      if (!earlier) {
        first.set(pickKey(pick), { path: here, rule });
        return;
      }
      const conflict = earlier.rule.policy.toLowerCase() !== rule.policy.toLowerCase();
      reporter.report({
        code: conflict ? 'ConflictingRules' : 'DuplicateVm',
        message: conflict
          ? `VM ${describePick(pick)} gets policy "${rule.policy}" here and "${earlier.rule.policy}" from rule "${earlier.rule.name}" at ${reporter.where(earlier.path)}`
          : `VM ${describePick(pick)} is already picked at ${reporter.where(earlier.path)}`,
        path: here,
        remedy: conflict ? 'a VM has exactly one policy: keep it in one rule' : 'pick each VM once',
      });
    });
  }
};

const stopEntriesAreConsistent: SpecRule = (view, { reporter }) => {
  const subscription = view.subscriptionId ?? '';
  const protectedAt = new Map<string, Path>();
  for (const { value: rule, path } of view.rules) {
    rule.vms?.forEach((vm, i) => {
      const pick = resolvePick(vm, subscription);
      if (pick && !protectedAt.has(pickKey(pick))) protectedAt.set(pickKey(pick), [...path, 'vms', i]);
    });
  }
  const stoppedAt = new Map<string, Path>();
  for (const { value, path } of view.stops) {
    const pick = resolvePick(value.vm, subscription);
    if (!pick) continue;
    const key = pickKey(pick);
    const earlier = stoppedAt.get(key);
    if (earlier) {
      reporter.report({
        code: 'DuplicateVm',
        message: `VM ${describePick(pick)} already has a stopProtection entry at ${reporter.where(earlier)}`,
        path: [...path, 'vm'],
        remedy: 'keep one entry per VM',
      });
      continue;
    }
    stoppedAt.set(key, path);
    const protectedHere = protectedAt.get(key);
    if (protectedHere) {
      reporter.report({
        code: 'ConflictingStopProtection',
        message: `VM ${describePick(pick)} is to stop protection but is also protected at ${reporter.where(protectedHere)}`,
        path: [...path, 'vm'],
        remedy: 'remove it from one of the two places',
      });
    }
  }
};

const dataDeletionIsVisible: SpecRule = ({ stops }, { reporter }) => {
  for (const { value, path } of stops) {
    if (value.retainData !== false) continue;
    reporter.report({
      severity: 'warning',
      code: 'DataDeletion',
      message: 'retainData: false deletes the backup data of this VM when protection stops',
      path: [...path, 'retainData'],
      remedy: 'apply also needs --allow-data-deletion; remove the line to keep the data',
    });
  }
};

const policiesAreUsed: SpecRule = ({ policies, rules }, { reporter }) => {
  const used = new Set(rules.map((r) => r.value.policy.toLowerCase()));
  for (const { value, path } of policies) {
    if (value.name === undefined || used.has(value.name.toLowerCase())) continue;
    reporter.report({
      severity: 'warning',
      code: 'UnusedPolicy',
      message: `policy "${value.name}" is not used by any rule`,
      path: [...path, 'name'],
      remedy: 'the vault gets the policy anyway; remove it if it is not needed',
    });
  }
};

const inList = (value: string, list: readonly string[]): boolean => list.some((v) => v.toLowerCase() === value.toLowerCase());

/** Estate form: vaults declared once, each in a subscription of the scope; a rule's `vault:` names one of them. */
const vaultsAreDeclared: SpecRule = ({ estate, rules }, { reporter }) => {
  if (!estate) {
    for (const { value, path } of rules) {
      if (value.vault === undefined) continue;
      reporter.report({
        code: 'VaultPinWithoutEstate',
        message: `rule "${value.name}" pins vault "${value.vault}", but a spec with target: has one vault`,
        path: [...path, 'vault'],
        remedy: 'remove vault:, or declare scope: and vaults: instead of target: (the estate form)',
      });
    }
    return;
  }
  const seen = new Map<string, Path>();
  for (const { value, path } of estate.vaults) {
    const key = `${value.subscriptionId}/${value.resourceGroup}/${value.name}`.toLowerCase();
    const earlier = seen.get(key);
    if (earlier) {
      reporter.report({ code: 'DuplicateVault', message: `vault ${value.resourceGroup}/${value.name} is already declared at ${reporter.where(earlier)}`, path, remedy: 'declare each vault once' });
      continue;
    }
    seen.set(key, path);
    if (!inList(value.subscriptionId, estate.subscriptions)) {
      reporter.report({
        code: 'VaultOutsideScope',
        message: `vault ${value.resourceGroup}/${value.name} is in subscription ${value.subscriptionId}, which scope.subscriptions does not list`,
        path: [...path, 'subscriptionId'],
        remedy: 'a vault protects VMs of its own subscription: add the subscription to scope.subscriptions, or remove the vault',
      });
    }
  }
  const declared = estate.vaults.map((v) => v.value);
  for (const { value, path } of rules) {
    if (value.vault === undefined || findVault(value.vault, declared)) continue;
    const matches = declared.filter((v) => findVault(value.vault!.split('/').slice(-2).join('/'), [v]));
    reporter.report({
      code: 'UnknownVault',
      message:
        matches.length > 1
          ? `rule "${value.name}" pins vault "${value.vault}", which names ${matches.length} declared vaults`
          : `rule "${value.name}" pins vault "${value.vault}", which vaults: does not declare`,
      path: [...path, 'vault'],
      remedy:
        matches.length > 1
          ? 'write SUBSCRIPTION/RESOURCE_GROUP/NAME to say which'
          : (didYouMean(value.vault, declared.map((v) => `${v.resourceGroup}/${v.name}`)) ?? 'name a vault declared under vaults: as RESOURCE_GROUP/NAME'),
    });
  }
};

const exemptionsPickVms: SpecRule = ({ exemptions, estate }, { reporter }) => {
  for (const { value, path } of exemptions) {
    if (!estate) {
      reporter.report({
        code: 'ExemptionWithoutScope',
        message: 'exempt: applies to the coverage audit of the estate form, which this spec (target:) does not declare',
        path,
        remedy: 'declare scope: and vaults: instead of target:, or remove the exemption',
      });
      continue;
    }
    if ((value.vms?.length ?? 0) === 0 && value.select === undefined) {
      reporter.report({ code: 'EmptyExemption', message: 'an exemption picks no VMs', path, remedy: 'add vms: (explicit picks) or select: (resource groups, name globs, tags)' });
    }
  }
};

/** `disks:` says one thing: include, exclude or osOnly; an empty include would read as every disk to other tools, so it is spelled osOnly. */
const diskSelectionsAreClear: SpecRule = ({ rules }, { reporter }) => {
  for (const { value, path } of rules) {
    const disks = value.disks;
    if (disks === undefined) continue;
    const at = [...path, 'disks'];
    const written = (['include', 'exclude', 'osOnly'] as const).filter((k) => disks[k] !== undefined);
    // Only unknown keys: the schema already named each with its likely meaning.
    if (written.length === 0 && Object.keys(disks).length > 0) continue;
    if (written.length !== 1) {
      reporter.report({
        code: 'AmbiguousDiskSelection',
        message: written.length === 0
          ? `rule "${value.name}" writes disks: without include, exclude or osOnly`
          : `rule "${value.name}" writes ${written.join(' and ')} under disks:; only one can hold`,
        path: at,
        remedy: "write exactly one of include: [LUNs], exclude: [LUNs] or osOnly: true; without disks:, every disk is backed up",
      });
      continue;
    }
    if (disks.include?.length === 0) {
      reporter.report({
        code: 'EmptyDiskInclusion',
        message: `rule "${value.name}" includes no data disk (include: [])`,
        path: [...at, 'include'],
        remedy: 'write osOnly: true to back up the OS disk alone, or list the LUNs to include',
      });
    }
  }
};

/** The classic profile is the guide's preview, which backs up every disk of a VM: a selection there is refused at its place. */
const diskSelectionsAreOffered: SpecRule = ({ rules }, { reporter, profile }) => {
  const limits = profileLimits(profile);
  if (limits.selectiveDisks) return;
  for (const { value, path } of rules) {
    if (value.disks === undefined) continue;
    reporter.report({
      code: 'SelectiveDisksUnsupported',
      message: `rule "${value.name}" selects disks, but ${limits.label} has no selective disk backup: it backs up every disk of a VM`,
      path: [...path, 'disks'],
      remedy: 'remove disks: to back up every disk, or use the modern profile: --profile modern, an emulator serving modern, or --target azure',
    });
  }
};

/** Azure offers Cross Region Restore only on a geo-redundant vault (emulator/README.md, "Vault safety settings"). */
const crossRegionRestoreIsGeoRedundant: SpecRule = ({ vaultSettings }, { reporter }) => {
  for (const { value, path } of vaultSettings) {
    if (value.crossRegionRestore !== true || value.storageRedundancy === undefined || value.storageRedundancy === 'GeoRedundant') continue;
    reporter.report({
      code: 'CrossRegionRestoreNeedsGeoRedundant',
      message: `crossRegionRestore: true needs storageRedundancy: GeoRedundant, not ${value.storageRedundancy}`,
      path: [...path, 'crossRegionRestore'],
      remedy: 'set storageRedundancy: GeoRedundant, or crossRegionRestore: false',
    });
  }
};

const SPEC_RULES: readonly SpecRule[] = [
  vaultsAreDeclared,
  crossRegionRestoreIsGeoRedundant,
  exemptionsPickVms,
  policiesAreValid,
  policyNamesAreUnique,
  ruleNamesAreUnique,
  rulesNameKnownPolicies,
  rulesPickVms,
  diskSelectionsAreClear,
  diskSelectionsAreOffered,
  namePatternsAreValid,
  picksAreWellFormed,
  vmsArePickedOnce,
  stopEntriesAreConsistent,
  dataDeletionIsVisible,
  policiesAreUsed,
];

/** Runs every rule over the parts of a spec that passed the schema. */
export function checkSpec(value: unknown, ctx: SpecRuleContext): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const spec = value as Partial<WrittenSpec>;
  const { reporter } = ctx;
  const clean = <T>(items: unknown, key: string): Item<T>[] =>
    (Array.isArray(items) ? items : [])
      .map((item, i) => ({ value: item as T, path: [key, i] }))
      .filter((item) => reporter.clean(item.path));
  const view: SpecView = {
    policies: clean<WrittenPolicy>(spec.policies, 'policies'),
    rules: clean<WrittenRule>(spec.protect, 'protect'),
    stops: clean<WrittenStopEntry>(spec.stopProtection, 'stopProtection'),
    policyNames: (Array.isArray(spec.policies) ? spec.policies : [])
      .map((p: unknown) => (p as { name?: unknown } | null)?.name)
      .filter((n): n is string => typeof n === 'string'),
    ...(reporter.clean(['target']) && spec.target ? { subscriptionId: spec.target.subscriptionId } : {}),
    ...(spec.target === undefined && reporter.clean(['scope']) && spec.scope
      ? { estate: { vaults: clean<WrittenVault>(spec.vaults, 'vaults'), subscriptions: spec.scope.subscriptions } }
      : {}),
    exemptions: clean<WrittenExemption>(spec.exempt, 'exempt'),
    vaultSettings: [
      ...(spec.target?.settings ? [{ value: spec.target.settings, path: ['target', 'settings'] }] : []),
      ...(Array.isArray(spec.vaults) ? spec.vaults : []).flatMap((v, i) => (v?.settings ? [{ value: v.settings, path: ['vaults', i, 'settings'] }] : [])),
    ].filter((item) => reporter.clean(item.path)),
  };
  for (const rule of SPEC_RULES) rule(view, ctx);
}
