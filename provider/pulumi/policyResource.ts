// vmbackup:index:Policy: a backup policy written as in a spec, checked by the spec's schema and rules.
import { findPolicy, samePolicySettings } from '../plan/index.js';
import { validatePolicyInput } from '../spec/index.js';
import { policyArmId, type PolicySettings } from '../core/index.js';
import { call } from '../azure/index.js';
import { containsUnknown, ProviderError, type PropertyMap } from './protocol.js';
import { diffProperties, type ResourceDiff } from './diff.js';
import { nameFromUrn, observeVault, planAndApply, resourceSpec, vaultFromId, vaultIdOf, type ProviderContext, type VaultRef } from './context.js';
import { checkVaultInputs, type CheckResult, type ReadResult, type ResourceHandler } from './resource.js';

const POLICY_FIELDS = ['name', 'schedule', 'retention', 'instantRestoreDays', 'enhanced'] as const;

/** The spec's written form of observed settings, so an imported policy reads like one written by hand. */
export function writtenPolicy(settings: PolicySettings): PropertyMap {
  const s = settings.schedule;
  const tz = settings.timeZone === 'UTC' ? {} : { timeZone: settings.timeZone };
  const schedule =
    s.frequency === 'Hourly'
      ? { frequency: s.frequency, intervalHours: s.intervalHours, windowStart: s.windowStart, windowHours: s.windowHours, ...tz }
      : s.frequency === 'Weekly'
        ? { frequency: s.frequency, time: s.time, days: [...s.weekDays], ...tz }
        : { frequency: s.frequency, time: s.time, ...tz };
  const r = settings.retention;
  const retention: PropertyMap = {};
  if (r.dailyDays !== undefined) retention.daily = r.dailyDays;
  if (r.weekly) retention.weekly = { count: r.weekly.weeks, days: [...r.weekly.days] };
  if (r.monthly) retention.monthly = { count: r.monthly.months, weeks: [...r.monthly.weeksOfMonth], days: [...r.monthly.days] };
  if (r.yearly) retention.yearly = { count: r.yearly.years, months: [...r.yearly.months], weeks: [...r.yearly.weeksOfMonth], days: [...r.yearly.days] };
  return {
    schedule,
    retention,
    instantRestoreDays: settings.instantRestoreDays,
    ...(settings.policyType === 'V2' && s.frequency !== 'Hourly' ? { enhanced: true } : {}),
  };
}

function policyPart(inputs: PropertyMap): PropertyMap {
  const out: PropertyMap = {};
  for (const k of POLICY_FIELDS) if (inputs[k] !== undefined) out[k] = inputs[k];
  return out;
}

function vaultOf(inputs: PropertyMap): VaultRef {
  return { resourceGroup: String(inputs.vaultResourceGroup), name: String(inputs.vaultName) };
}

async function resolveSettings(ctx: ProviderContext, inputs: PropertyMap): Promise<PolicySettings> {
  const target = await ctx.target();
  const { policy, diagnostics } = validatePolicyInput(policyPart(inputs), { profile: target.profile });
  if (!policy) throw new ProviderError(`invalid policy: ${diagnostics.map((d) => d.message).join('; ')}`);
  return policy;
}

function outputs(vaultId: string, inputs: PropertyMap, settings: PolicySettings): PropertyMap {
  return { ...inputs, vaultId, policyType: settings.policyType };
}

export const policyResource: ResourceHandler = {
  async check(ctx, urn, news): Promise<CheckResult> {
    const inputs: PropertyMap = { ...news, name: news.name ?? nameFromUrn(urn) };
    const failures = checkVaultInputs(inputs);
    const known = new Set<string>(['vaultResourceGroup', 'vaultName', ...POLICY_FIELDS]);
    for (const k of Object.keys(inputs)) if (!known.has(k)) failures.push({ property: k, reason: `unknown property "${k}" of vmbackup:index:Policy` });
    if (!containsUnknown(policyPart(inputs))) {
      const target = await ctx.target();
      const { policy, diagnostics } = validatePolicyInput(policyPart(inputs), { profile: target.profile });
      for (const d of diagnostics) {
        if (d.severity !== 'error') continue;
        failures.push({ property: d.path ?? '', reason: `${d.message}${d.remedy ? ` (${d.remedy})` : ''}` });
      }
      // The default the vault applies is written into the inputs, so state, refresh and preview all agree on it.
      if (policy && inputs.instantRestoreDays === undefined) inputs.instantRestoreDays = policy.instantRestoreDays;
    }
    return { inputs, failures };
  },

  diff(olds, news, oldInputs): ResourceDiff {
    const before = pickInputs(oldInputs ?? olds);
    // Two wordings of the same settings (an omitted default, an imported policy) are no change.
    const a = containsUnknown(policyPart(news)) ? undefined : validatePolicyInput(policyPart(before)).policy;
    const b = a && validatePolicyInput(policyPart(news)).policy;
    const same = a !== undefined && b !== undefined && samePolicySettings(a, b);
    return diffProperties(before, news, {
      replaceOn: new Set(['vaultResourceGroup', 'vaultName', 'name']),
      equal: { vaultResourceGroup: sameText, vaultName: sameText },
      ...(same ? { ignore: new Set(POLICY_FIELDS.filter((k) => k !== 'name')) } : {}),
    });
  },

  async create(ctx, urn, inputs, preview) {
    const vault = vaultOf(inputs);
    const target = await ctx.target();
    const id = policyArmId(vaultIdOf(target, vault), String(inputs.name));
    if (preview) return { id: '', outputs: { ...inputs, vaultId: vaultIdOf(target, vault) } };
    const settings = await resolveSettings(ctx, inputs);
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault);
      const existing = findPolicy(obs.policies, String(inputs.name));
      if (existing && !(existing.settings && samePolicySettings(existing.settings, settings))) {
        throw new ProviderError(
          `policy ${String(inputs.name)} already exists in vault ${vault.name} with other settings; nothing was changed. ` +
            `Import it (pulumi import vmbackup:index:Policy <name> ${existing.id}) or choose another name.`,
        );
      }
      if (existing) ctx.log('info', `adopting policy ${existing.name}: it already exists with the same settings`, urn);
      else await planAndApply(ctx, resourceSpec(target, vault, urn, { policies: [{ name: String(inputs.name), ...settings }] }), obs, urn).finally(() => ctx.invalidate(vault));
      return { id: existing?.id ?? id, outputs: outputs(vaultIdOf(target, vault), inputs, settings) };
    });
  },

  async read(ctx, id, state, oldInputs): Promise<ReadResult | undefined> {
    const vault = vaultFromId(id);
    const name = id.split('/').pop() ?? '';
    const target = await ctx.target();
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, 'fresh');
      const seen = findPolicy(obs.policies, name);
      if (!seen) return undefined;
      if (!seen.settings) throw new ProviderError(`policy ${name} is not an Azure VM backup policy vmbackup can read`);
      const base = { vaultResourceGroup: vault.resourceGroup, vaultName: vault.name, name: seen.name };
      const prior = oldInputs ?? (state ? pickInputs(state) : undefined);
      // Unchanged settings keep the program's own wording, so a refresh shows only real drift.
      if (prior && Object.keys(prior).length > 0) {
        const priorSettings = await resolveSettings(ctx, prior).catch(() => undefined);
        if (priorSettings && samePolicySettings(priorSettings, seen.settings)) {
          return { id: seen.id, inputs: prior, outputs: outputs(vaultIdOf(target, vault), prior, seen.settings) };
        }
      }
      const inputs = { ...base, ...writtenPolicy(seen.settings) };
      return { id: seen.id, inputs, outputs: outputs(vaultIdOf(target, vault), inputs, seen.settings) };
    });
  },

  async update(ctx, urn, _id, olds, news, preview) {
    const target = await ctx.target();
    const vault = vaultOf(news);
    if (preview) return { ...olds, ...news, vaultId: vaultIdOf(target, vault) };
    const settings = await resolveSettings(ctx, news);
    return ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, 'fresh');
      await planAndApply(ctx, resourceSpec(target, vault, urn, { policies: [{ name: String(news.name), ...settings }] }), obs, urn).finally(() => ctx.invalidate(vault));
      return outputs(vaultIdOf(target, vault), news, settings);
    });
  },

  async delete(ctx, urn, id) {
    const vault = vaultFromId(id);
    const name = id.split('/').pop() ?? '';
    const target = await ctx.target();
    await ctx.withVault(vault, async () => {
      const obs = await observeVault(ctx, vault, 'fresh');
      const seen = findPolicy(obs.policies, name);
      if (!seen) return;
      // Deleting a policy deletes no backup data; Azure refuses it while protected items still use it.
      ctx.log('info', `deleting policy ${name} from vault ${vault.name}`, urn);
      ctx.invalidate(vault);
      await call(target, () => target.clients.backup.protectionPolicies.beginDeleteAndWait(vault.name, vault.resourceGroup, seen.name));
    });
  },
};

function sameText(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

function pickInputs(state: PropertyMap): PropertyMap {
  const out: PropertyMap = {};
  for (const k of ['vaultResourceGroup', 'vaultName', ...POLICY_FIELDS]) if (state[k] !== undefined) out[k] = state[k];
  return out;
}
