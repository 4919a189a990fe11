// validate, plan, apply and drift: the commands that compare a spec with the world.
import { createInterface } from 'node:readline/promises';
import {
  ApplyFailedError,
  ConfigurationError,
  InterruptedError,
  InvalidInputError,
  NotConvergedError,
  StalePlanError,
  vmLabel,
  type DriftReport,
  type Observation,
  type Plan,
  type PlannedAction,
  type ResolvedSpec,
} from '../../core/index.js';
import type { Target, VaultRef } from '../../azure/index.js';
import { discoverEstate, discoverEstateForDrift, observe, observeVaultForDrift } from '../../discovery/index.js';
import {
  describeSettingChange,
  planEstate,
  planProtection,
  resolveEstate,
  rulesSelectingNothing,
  unaskedDataDeletions,
  unaskedSettingChanges,
  weakeningChanges,
} from '../../plan/index.js';
import { applyEstatePlan, applyPlan, DEPENDENCY_FAILED, lockVault, type ActionResult, type VaultLockOptions } from '../../apply/index.js';
import { detectDrift, detectEstateDrift, judgesConsistency, needsRecoveryPoints } from '../../drift/index.js';
import { actionTarget, REPORT_FORMATS, plural, renderDrift, renderPlan, type ReportFormat } from '../../render/index.js';
import { validatePlanDocument } from '../planFile.js';
import { readSourceFile } from '../../spec/index.js';
import { ExitCode } from '../exitCodes.js';
import { parseDuration } from '../duration.js';
import { emit, loadSpec, oneOf, positiveInt, reportWarnings, terminalColor, withTarget, type Profile, type TargetFlags } from '../context.js';
import { createProgress } from '../progress.js';
import { prepareOutputPath } from '../flags.js';
import { observeAndPlan } from '../observePlan.js';

export interface ValidateFlags {
  file: string;
  profile?: string;
}

export async function validateCommand(flags: ValidateFlags): Promise<ExitCode> {
  const profile = oneOf<Profile>('--profile', flags.profile, ['classic', 'modern'], 'classic');
  const spec = await loadSpec(flags.file, { profile, warn: true });
  process.stdout.write(
    `${flags.file} is valid for the ${profile} profile: ${plural(spec.policies.length, 'policy', 'policies')}, ` +
      `${plural(spec.rules.length, 'protection rule')}, ${plural(spec.stopProtection.length, 'stop-protection entry', 'stop-protection entries')}.\n`,
  );
  return ExitCode.ok;
}


/**
 * Loads the spec twice: once before touching the target (printing its warnings when `warn`), once with the
 * target's profile limits.
 */
async function withSpecAndTarget<T>(
  file: string,
  flags: TargetFlags,
  warn: boolean,
  fn: (spec: ResolvedSpec, target: Target) => Promise<T>,
): Promise<T> {
  const draft = await loadSpec(file, { warn, subscriptions: flags.subscription });
  // An estate names its subscriptions itself; --subscription limits it to some of them instead of choosing the target's.
  const targetFlags = draft.form === 'estate' ? { ...flags, subscription: undefined } : flags;
  return withTarget(targetFlags, draft.target.subscriptionId, async (target) =>
    fn(await loadSpec(file, { profile: target.profile, subscriptions: flags.subscription }), target),
  );
}

export interface PlanFlags extends TargetFlags {
  file: string;
  consistent?: boolean;
  out?: string;
  format?: string;
  allowWeakerVaultSettings?: boolean;
}

export async function planCommand(flags: PlanFlags): Promise<ExitCode> {
  const format = oneOf<ReportFormat>('--format', flags.format, REPORT_FORMATS, 'text');
  if (flags.out) await prepareOutputPath('--out', flags.out);
  return withSpecAndTarget(flags.file, flags, true, async (spec, target) => {
    // A saved estate plan is checked by apply against Resource Manager's reads, so it is made from them.
    const { plan } = await observeAndPlan(target, spec, flags.consistent === true || flags.out !== undefined);
    if (!flags.allowWeakerVaultSettings && weakeningChanges(plan).length > 0) {
      // The plan is still shown, so the user sees what would be weakened; it is not saved.
      process.stdout.write(ensureNewline(renderPlan(plan, format, { color: terminalColor() })));
      refuseWeakerSettings(plan, false);
    }
    if (flags.out) {
      // --out keeps the machine plan for `apply --plan`; the view still goes to stdout.
      await emit(JSON.stringify(plan, null, 2), flags.out);
    }
    process.stdout.write(ensureNewline(renderPlan(plan, format, { color: terminalColor() })));
    // Blocked actions are changes the spec wants that cannot be made yet: the vault is not in sync either.
    return plan.actions.length > 0 ? ExitCode.changes : ExitCode.ok;
  });
}

export interface ApplyFlags extends TargetFlags {
  file: string;
  consistent?: boolean;
  plan?: string;
  yes?: boolean;
  concurrency?: string;
  allowDataDeletion?: boolean;
  allowWeakerVaultSettings?: boolean;
  format?: string;
  /** How long to wait for another apply on the vault to finish, e.g. "10m"; default: refuse at once. */
  waitLock?: string;
}

export async function applyCommand(flags: ApplyFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json'] as const, 'text');
  // Without the flag, apply adapts to ARM's quota (the target's pacer).
  const concurrency = flags.concurrency === undefined ? undefined : positiveInt('--concurrency', flags.concurrency, 1);
  const waitLock = flags.waitLock === undefined ? undefined : { text: flags.waitLock, ms: parseDuration(flags.waitLock) };
  return withSpecAndTarget(flags.file, flags, true, (spec, target) => withApplyLock(target, spec, waitLock, async (estateLock) => {
    let plan: Plan;
    let expectedFingerprint: string | undefined;
    let observation: Observation | undefined;
    if (flags.plan) {
      plan = await readPlanFile(flags.plan);
      if (plan.spec.digest !== spec.digest) {
        throw new StalePlanError(`${flags.plan} was made from another version of ${spec.file}: run \`vmbackup plan -f ${spec.file} --out ${flags.plan}\` again`);
      }
      expectedFingerprint = plan.stateFingerprint;
    } else {
      const planned = await observeAndPlan(target, spec, flags.consistent === true);
      plan = planned.plan;
      // Read a moment ago, so apply need not read each VM again before its first write; after a prompt it may not be.
      if (flags.yes) observation = planned.observation;
    }
    // As terraform: the whole plan when apply asks before it acts. A saved plan was read when it was made, and with
    // --yes the progress below names every action as it runs, so one line says what is coming.
    if (format === 'text') {
      const shown = flags.plan !== undefined || flags.yes === true;
      process.stdout.write(shown ? `${planHeadline(plan, flags.plan)}\n` : ensureNewline(renderPlan(plan, 'text', { color: terminalColor() })));
    }
    // A saved plan always goes through apply, which refuses it when the state has moved, even with nothing to do.
    if (plan.summary.toApply === 0 && !flags.plan) {
      if (format === 'json') process.stdout.write(`${JSON.stringify({ event: 'summary', applied: 0, skipped: 0, failed: 0, blocked: plan.summary.blocked })}\n`);
      refuseBlocked(plan, 'nothing was left to apply');
      return ExitCode.ok;
    }
    refuseDataDeletion(plan, spec, flags.allowDataDeletion === true, flags.plan);
    refuseUnaskedSettings(plan, spec, flags.plan);
    refuseWeakerSettings(plan, flags.allowWeakerVaultSettings === true);
    if (!flags.yes && plan.summary.toApply > 0) await confirm(plan);

    const progress = createProgress(format, plan);
    const interrupt = onInterrupt();
    try {
      const common = {
        ...(concurrency === undefined ? {} : { concurrency }),
        allowDataDeletion: flags.allowDataDeletion === true,
        allowWeakerVaultSettings: flags.allowWeakerVaultSettings === true,
        onEvent: progress.onEvent,
        signal: interrupt.signal,
      };
      const applying = plan.vaults
        ? applyEstatePlan(target, plan, { ...common, checkFingerprints: flags.plan !== undefined, lock: estateLock })
        : applyPlan(target, plan, { ...common, expectedFingerprint, observation });
      const result = await applying.catch(async (e: unknown) => {
        throw e instanceof StalePlanError && flags.plan ? await whatMoved(target, spec, plan, flags.plan) : e;
      });
      await progress.finish(result);
      const failures = result.actions
        .filter((a) => a.status === 'failed')
        .map((a) => ({ actionId: a.actionId, code: a.code ?? 'Unknown', message: a.message ?? 'failed', remedy: a.remedy }));
      if (failures.length > 0) throw new ApplyFailedError(failures);
      const cancelled = result.actions.filter((a) => a.status === 'cancelled').length;
      if (cancelled > 0) {
        throw new InterruptedError(
          `apply was interrupted: ${plural(cancelled, 'action')} not finished. Operations already sent go on in Azure; ` +
            `run \`vmbackup apply -f ${spec.file}\` again to converge (it re-reads every item, so nothing is done twice).`,
        );
      }
      refuseBlocked(plan, 'every action that could run has converged', result.actions);
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
    }
  }));
}

/**
 * Holds the vault's apply lock from the first read to the last write: a second apply waits, then reads what the
 * first did. An estate's vaults are locked one by one as apply reaches them (`fn` gets how), each while it is written.
 */
async function withApplyLock<T>(
  target: Target,
  spec: ResolvedSpec,
  wait: { text: string; ms: number } | undefined,
  fn: (estateLock: (vault: VaultRef) => VaultLockOptions) => Promise<T>,
): Promise<T> {
  const options = (vault: VaultRef): VaultLockOptions => ({
    waitMs: wait?.ms ?? 0,
    onWait: (h) =>
      process.stderr.write(`another apply on vault ${vault.resourceGroup}/${vault.name} is running since ${h.startedAt} (pid ${h.pid}); waiting for it, at most ${wait?.text}\n`),
  });
  if (spec.form === 'estate') return fn(options);
  const lock = await lockVault(target, spec.target.vault, options(spec.target.vault));
  try {
    return await fn(options);
  } finally {
    await lock.release();
  }
}

function planHeadline(plan: Plan, file: string | undefined): string {
  const { toApply, blocked } = plan.summary;
  if (toApply === 0 && blocked === 0) return 'No changes: the vault matches the spec.';
  const from = file ? `the plan in ${file}` : 'the plan';
  const where = plan.vaults ? plural(plan.vaults.length, 'vault') : `vault ${plan.target.vaultResourceGroup}/${plan.target.vaultName}`;
  return `Applying ${from} to ${where}: ${toApply} to apply, ${blocked} blocked.`;
}

/** A saved plan refused as stale says what moved: the actions the state calls for now that differ from the plan's. */
async function whatMoved(target: Target, spec: ResolvedSpec, saved: Plan, file: string): Promise<StalePlanError> {
  const now =
    spec.form === 'estate'
      ? planEstate(spec, await discoverEstate(target, spec, { consistent: saved.vaults !== undefined, refresh: false }), { profile: target.profile })
      : planProtection(spec, await observe(target, spec.target.vault, { refresh: false }), { profile: target.profile });
  const label = (a: PlannedAction) => `${a.kind} ${actionTarget(a)}`;
  const nowById = new Map(now.actions.map((a) => [a.id, a]));
  const savedIds = new Set(saved.actions.map((a) => a.id));
  const moved: string[] = [];
  for (const a of saved.actions) {
    const current = nowById.get(a.id);
    if (!current) moved.push(`${label(a)}: no longer needed (done or changed since)`);
    else if (label(current) !== label(a)) moved.push(`${label(a)}: now ${label(current)}`);
    else if ((current.blockedBy.length > 0) !== (a.blockedBy.length > 0)) moved.push(`${label(a)}: ${current.blockedBy.length > 0 ? 'blocked now' : 'no longer blocked'}`);
  }
  for (const a of now.actions) if (!savedIds.has(a.id)) moved.push(`${label(a)}: needed now, not in the plan`);
  const what = moved.length
    ? `what moved:\n${moved.map((m) => `  ${m}`).join('\n')}`
    : 'its actions are still what the spec asks for, but a VM, protected item or policy it was made from has changed';
  return new StalePlanError(`${file} is stale, nothing was applied: the vault has changed since the plan was made; ${what}\nRun \`vmbackup plan -f ${spec.file} --out ${file}\` again and review it.`);
}

/**
 * Ctrl+C during apply: the first stops starting actions and stops waiting on those in flight (the service
 * finishes them, and a re-run picks them up); a second one exits at once.
 */
function onInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const hard = () => process.exit(130);
  const soft = () => {
    process.stderr.write('\nInterrupt received: stopping after the operations in flight are handed to the service. Press Ctrl+C again to quit at once.\n');
    controller.abort();
    process.once('SIGINT', hard);
  };
  process.once('SIGINT', soft);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', soft);
      process.off('SIGINT', hard);
    },
  };
}

/**
 * Deleting backup data needs two signs of intent: `retainData: false` in the spec for that VM, checked against
 * every plan (a saved one may have been edited), and --allow-data-deletion.
 */
function refuseDataDeletion(plan: Plan, spec: ResolvedSpec, allowed: boolean, planFile: string | undefined): void {
  const unasked = unaskedDataDeletions(plan, spec);
  if (unasked.length > 0) {
    throw new ConfigurationError(
      `${planFile ?? 'the plan'} deletes backup data ${spec.file} does not ask to delete (${unasked.map((a) => a.target.vmId ?? a.id).join(', ')}): ` +
        `only a stopProtection entry with retainData: false does; nothing was applied. Make the plan again with \`vmbackup plan -f ${spec.file} --out FILE\`.`,
    );
  }
  const deletions = plan.actions.filter((a) => a.kind === 'stopProtectionDeleteData' && a.blockedBy.length === 0);
  if (deletions.length === 0 || allowed) return;
  const names = deletions.map((a) => vmLabel(a.target.resourceGroup, a.target.vmName ?? a.id)).join(', ');
  throw new ConfigurationError(
    `the spec asks to delete the backup data of ${names} (retainData: false); nothing was applied. ` +
      'Deleting backup data cannot be undone after the soft-delete period: pass --allow-data-deletion to confirm.',
  );
}

/** A saved plan writes a vault's settings only as the spec declares them: an edited plan could lock a vault for good. */
function refuseUnaskedSettings(plan: Plan, spec: ResolvedSpec, planFile: string | undefined): void {
  const unasked = unaskedSettingChanges(plan, spec);
  if (unasked.length === 0) return;
  throw new ConfigurationError(
    `${planFile ?? 'the plan'} writes vault settings ${spec.file} does not declare (${unasked.map(describeSettingChange).join(', ')}); nothing was applied. ` +
      `Make the plan again with \`vmbackup plan -f ${spec.file} --out FILE\`.`,
  );
}

/** Weakening a vault's safety settings is a choice the user makes on the command line, as deleting data is. */
function refuseWeakerSettings(plan: Plan, allowed: boolean): void {
  const weaker = weakeningChanges(plan);
  if (weaker.length === 0 || allowed) return;
  const what = weaker.map(({ action, change }) => `${describeSettingChange(change)}${action.vault ? ` (vault ${action.vault})` : ''}`).join(', ');
  throw new ConfigurationError(
    `the spec weakens vault settings (${what}); nothing was applied. A weaker setting lets backup data be deleted sooner or for good: ` +
      'pass --allow-weaker-vault-settings to confirm.',
  );
}

async function confirm(plan: Plan): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new ConfigurationError('apply needs confirmation: pass --yes to apply without a prompt (no terminal to ask on)');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Apply ${plural(plan.summary.toApply, 'action')}? Only 'yes' is accepted: `);
    if (answer.trim() !== 'yes') throw new ConfigurationError('apply cancelled; nothing was applied');
  } finally {
    rl.close();
  }
}

/** Exit 0 means the vault matches the spec: blocked actions make apply fail, once per VM, each with its remedy. */
/**
 * Exit 1 naming what is blocked: the plan's blocked actions, and those apply blocked as it read them (a VM agent the
 * plan left to apply); an action blocked only because one of these was is not named again.
 */
function refuseBlocked(plan: Plan, done: string, results: readonly ActionResult[] = []): void {
  type Finding = NotConvergedError['blocked'][number]['findings'][number];
  const bySubject = new Map<string, readonly Finding[]>();
  const subjectOf = (a: PlannedAction) => {
    const t = a.target;
    const vault = a.vault ?? `${plan.target.vaultResourceGroup}/${plan.target.vaultName}`;
    return a.kind === 'vaultSettings' ? `vault ${vault}` : t.vmName ? vmLabel(t.resourceGroup, t.vmName) : `policy ${t.policyName}`;
  };
  for (const a of plan.actions) if (a.blockedBy.length > 0) bySubject.set(subjectOf(a), a.blockedBy);
  const planned = new Map(plan.actions.map((a) => [a.id, a]));
  for (const r of results) {
    const a = planned.get(r.actionId);
    if (!a || r.status !== 'blocked' || a.blockedBy.length > 0 || r.code === DEPENDENCY_FAILED) continue;
    bySubject.set(subjectOf(a), [{ code: r.code ?? 'Blocked', message: r.message ?? 'blocked', remedy: r.remedy ?? '' }]);
  }
  if (bySubject.size > 0) throw new NotConvergedError([...bySubject].map(([subject, findings]) => ({ subject, findings })), done);
}

async function readPlanFile(file: string): Promise<Plan> {
  const source = await readSourceFile(file, 'plan');
  if ('diagnostic' in source) throw new InvalidInputError([source.diagnostic], `${file} cannot be read as a plan`);
  let raw: unknown;
  try {
    raw = JSON.parse(source.text);
  } catch {
    throw new ConfigurationError(`${file} is not a vmbackup plan (it is not JSON): give a plan saved by \`vmbackup plan --out FILE\``);
  }
  const diagnostics = validatePlanDocument(raw, file);
  if (diagnostics.length > 0) throw new InvalidInputError(diagnostics, `${file} is not a vmbackup plan`);
  return raw as Plan;
}

export interface DriftFlags extends TargetFlags {
  file: string;
  consistent?: boolean;
  out?: string;
  format?: string;
  graceHours?: string;
  allRecoveryPoints?: boolean;
}

export async function driftCommand(flags: DriftFlags): Promise<ExitCode> {
  const format = oneOf<ReportFormat>('--format', flags.format, REPORT_FORMATS, 'text');
  const graceHours = flags.graceHours === undefined ? undefined : positiveInt('--grace-hours', flags.graceHours, 1);
  if (flags.out) await prepareOutputPath('--out', flags.out);
  // A point's consistency is on the point alone: by default it is read where the day's jobs do not vouch for it.
  const recoveryPoints = flags.allRecoveryPoints ? judgesConsistency : needsRecoveryPoints;
  return withSpecAndTarget(flags.file, flags, false, async (spec, target) => {
    const options = graceHours === undefined ? {} : { graceHours };
    let report: DriftReport;
    if (spec.form === 'estate') {
      // Drift never writes: no discovery, only the agent facts of the VMs it explains.
      const estate = await discoverEstateForDrift(target, spec, { consistent: flags.consistent === true, recoveryPoints });
      reportWarnings(resolveEstate(spec, estate).warnings);
      report = detectEstateDrift(spec, estate, options);
    } else {
      // Drift reads and never writes: no discovery; the VMs through Resource Graph unless --consistent.
      const observation = await observeVaultForDrift(target, spec, { consistent: flags.consistent === true, recoveryPoints });
      reportWarnings(rulesSelectingNothing(spec, observation));
      report = detectDrift(spec, observation, options);
    }
    await emit(renderDrift(report, format, { color: terminalColor(flags.out) }), flags.out);
    return report.findings.length > 0 ? ExitCode.changes : ExitCode.ok;
  });
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
