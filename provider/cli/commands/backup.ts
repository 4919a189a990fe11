// backup: Azure's "Backup now" for the VMs a spec protects, one on-demand backup job per VM.
import {
  ConfigurationError,
  plural,
  vmLabel,
  type EstateObservation,
  type ObservedProtectedItem,
  type ObservedVm,
  type ResolvedSpec,
  type VaultSpec,
  type VmPick,
} from '../../core/index.js';
import { classifyError, triggerBackup, waitForJob, type ClassifiedAzureError, type Target } from '../../azure/index.js';
import { observe, observeEstate } from '../../discovery/index.js';
import { findItem, isActive, pickMatches, resolveDeclarations, resolveEstate } from '../../plan/index.js';
import { parseDuration } from '../duration.js';
import { ExitCode } from '../exitCodes.js';
import { loadSpec, oneOf, parseGroupAndName, withTarget, type TargetFlags } from '../context.js';

export interface BackupFlags extends TargetFlags {
  file: string;
  /** RESOURCE_GROUP/VM_NAME or ARM ids; repeatable. */
  vm?: string[];
  /** A rule of the spec whose VMs are backed up. */
  rule?: string;
  /** When the recovery point expires: a date, a date-time or a duration from now. Default: Azure's (30 days). */
  retainUntil?: string;
  /** Wait for the backup jobs to end; default: return once every job has started. */
  wait?: boolean;
  format?: string;
}

const DAY_MS = 86_400_000;
/** Azure's retention of an on-demand backup's point: 1 day to 99 years, 30 days when none is asked (emulator/README.md, "On-demand backup"). */
const RETENTION_YEARS_MAX = 99;
const DEFAULT_RETENTION = '30 days, Azure\'s default';

const CLASSIC_REFUSAL =
  'vmbackup backup needs the modern profile: the classic profile is Azure Backup\'s 2015 preview, where a VM is backed up only ' +
  'by its policy\'s schedule, at most one backup a day, with no backup on demand; nothing was triggered. Use today\'s Azure ' +
  '(--target azure) or an emulator serving the modern profile (`vmbackup emulator serve --profile modern`).';

/** A VM chosen for backup, with the vault that protects it and its item there. */
interface Chosen {
  readonly vm: ObservedVm;
  readonly vault: VaultSpec;
  readonly item: ObservedProtectedItem;
}

interface Outcome {
  readonly chosen: Chosen;
  jobId?: string;
  status: 'Started' | 'Completed' | 'CompletedWithWarnings' | 'Failed';
  error?: { code: string; message: string; remedy?: string };
}

export async function backupCommand(flags: BackupFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json'] as const, 'text');
  const picks = vmPicks(flags);
  const retainUntil = flags.retainUntil === undefined ? undefined : parseRetainUntil(flags.retainUntil);
  const spec = await loadSpec(flags.file, { subscriptions: flags.subscription });
  if (flags.rule !== undefined && !spec.rules.some((r) => r.name === flags.rule)) {
    throw new ConfigurationError(`${flags.file} declares no rule "${flags.rule}": give one of ${spec.rules.map((r) => r.name).join(', ') || '(none: add one under protect:)'}`);
  }
  // An estate's scope names its subscriptions; there --subscription narrows the scope (loadSpec) rather than choosing the target's.
  const targetFlags = spec.form === 'estate' ? { ...flags, subscription: undefined } : flags;
  return withTarget(targetFlags, spec.target.subscriptionId, async (target) => {
    if (target.profile === 'classic') throw new ConfigurationError(CLASSIC_REFUSAL);
    const world = await observeVaults(target, spec);
    const expiry = retainUntil && checkRetention(flags.retainUntil!, retainUntil(Date.parse(world.observedAt)), Date.parse(world.observedAt));
    const chosen = chooseVms(spec, world, picks ?? { rule: flags.rule! });
    const outcomes = await startBackups(target, spec, chosen, expiry, format);
    if (flags.wait) await waitForBackups(target, spec, outcomes, format);
    report(spec, outcomes, expiry, flags.wait === true, format);
    return outcomes.some((o) => o.status === 'Failed') ? ExitCode.error : ExitCode.ok;
  });
}

/** The --vm values as picks, or undefined for --rule; exactly one of the two is given. */
function vmPicks(flags: BackupFlags): VmPick[] | undefined {
  const vms = flags.vm ?? [];
  if (vms.length > 0 && flags.rule !== undefined) throw new ConfigurationError('give either --vm RESOURCE_GROUP/VM_NAME (repeatable) or --rule NAME, not both');
  if (vms.length === 0 && flags.rule === undefined) throw new ConfigurationError('give the VMs to back up: --vm RESOURCE_GROUP/VM_NAME (repeatable) or --rule NAME (the VMs a rule of the spec declares)');
  if (vms.length === 0) return undefined;
  return vms.map((value) => (value.startsWith('/') ? { id: value } : parseGroupAndName('--vm', value, 'RESOURCE_GROUP/VM_NAME', " or the VM's ARM id")));
}

const RETAIN_UNTIL_FORMS = 'give a date (2027-01-31: kept through that day, UTC), a date-time (2027-01-31T18:00:00Z) or a duration from now (45d, 12w)';

/**
 * A --retain-until value as a time, resolved against the service's clock (a duration counts from it). A date is
 * the last day the point is kept, as the portal's "Retain Backup Till" asks: the point expires at that day's end.
 */
export function parseRetainUntil(text: string): (nowMs: number) => number {
  const bad = () => new ConfigurationError(`invalid --retain-until "${text}": ${RETAIN_UNTIL_FORMS}`);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), 23, 59, 59);
    if (new Date(ms).toISOString().slice(0, 10) !== text) throw bad();
    return () => ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    // Without an offset the time is UTC, as the request's recoveryPointExpiryTimeInUTC is.
    const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
    if (Number.isNaN(ms)) throw bad();
    return () => ms;
  }
  let span: number;
  try {
    span = parseDuration(text);
  } catch {
    throw bad();
  }
  return (nowMs) => nowMs + span;
}

/** The expiry, checked against Azure's range for an on-demand backup before anything is sent. */
export function checkRetention(text: string, expiryMs: number, nowMs: number): Date {
  const latest = new Date(nowMs);
  latest.setUTCFullYear(latest.getUTCFullYear() + RETENTION_YEARS_MAX);
  const earliest = nowMs + DAY_MS;
  if (expiryMs < earliest || expiryMs > latest.getTime()) {
    throw new ConfigurationError(
      `--retain-until ${text} (${new Date(expiryMs).toISOString()}) is out of range: Azure keeps an on-demand backup from 1 day to ${RETENTION_YEARS_MAX} years; ` +
        `give a time from ${new Date(earliest).toISOString()} to ${latest.toISOString()}. Nothing was triggered.`,
    );
  }
  return new Date(expiryMs);
}

/** The declared vaults and the VMs around them, read through Resource Manager only: what is backed up is what it says now. */
async function observeVaults(target: Target, spec: ResolvedSpec): Promise<EstateObservation> {
  if (spec.form === 'estate') return observeEstate(target, spec, { source: 'arm', refresh: false });
  const observation = await observe(target, spec.target.vault, { refresh: false });
  return { observedAt: observation.observedAt, profile: observation.profile, vaults: [{ vault: spec.vaults[0], observation }], vms: observation.vms, apiCalls: observation.apiCalls };
}

/** Every chosen VM with the vault that protects it; any VM that cannot be backed up stops the command before anything is sent. */
function chooseVms(spec: ResolvedSpec, world: EstateObservation, choice: VmPick[] | { rule: string }): Chosen[] {
  const problems: string[] = [];
  const vms: ObservedVm[] = [];
  const add = (vm: ObservedVm) => {
    if (!vms.includes(vm)) vms.push(vm);
  };
  const declarations =
    spec.form === 'estate'
      ? resolveEstate(spec, world).declarations
      : resolveDeclarations(spec, { vms: world.vms, protectedItems: world.vaults[0].observation.protectedItems }, { location: world.vaults[0].observation.vault.location });
  if (Array.isArray(choice)) {
    for (const pick of choice) {
      const found = world.vms.filter((vm) => pickMatches(pick, vm));
      const label = pick.id ?? vmLabel(pick.resourceGroup, pick.name!);
      if (found.length === 0) problems.push(`${label}: no such VM in subscription ${spec.scope.subscriptions.join(', ')}: check the resource group and name, or give the VM's ARM id`);
      else if (found.length > 1) problems.push(`${label} names ${found.length} VMs (${found.map((vm) => vm.id).join(', ')}): give the ARM id of the one to back up`);
      else add(found[0]);
    }
  } else {
    for (const d of declarations.declared) if (d.rule.name === choice.rule) add(d.vm);
    for (const m of declarations.missing) if (m.rule.name === choice.rule) problems.push(`${vmLabel(m.resourceGroup, m.name)}: rule "${choice.rule}" names it, but no such VM exists: correct the rule`);
    if (vms.length === 0 && problems.length === 0) problems.push(`rule "${choice.rule}" selects no VM: check its vms and select, or back VMs up with --vm`);
  }
  const chosen: Chosen[] = [];
  for (const vm of vms) {
    const held = world.vaults.flatMap(({ vault, observation }) => {
      const item = findItem(observation.protectedItems, vm.id);
      return item ? [{ vm, vault, item }] : [];
    });
    const active = held.find((h) => isActive(h.item));
    if (active) chosen.push(active);
    else problems.push(`${vmLabel(vm.resourceGroup, vm.name)}: ${whyNotProtected(spec, vm, held[0], declarations.declared.some((d) => d.vm === vm))}`);
  }
  if (problems.length > 0) throw new ConfigurationError(`only protected VMs can be backed up; nothing was triggered:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return chosen;
}

function whyNotProtected(spec: ResolvedSpec, vm: ObservedVm, held: Chosen | undefined, declared: boolean): string {
  const apply = `run \`vmbackup apply -f ${spec.file}\`, then back it up`;
  const declare = declared ? `${spec.file} declares it: ${apply}` : `declare it in a rule of ${spec.file} and ${apply}`;
  if (held) {
    const state = held.item.softDeleted ? 'is soft-deleted' : 'is stopped (its data is retained)';
    return `its protection in vault ${held.vault.resourceGroup}/${held.vault.name} ${state}: ${declare}`;
  }
  if (vm.otherVault?.protectionStatus === 'Protected') {
    return `vault ${vm.otherVault.resourceGroup}/${vm.otherVault.name} protects it, which ${spec.file} does not declare: back it up with the spec that declares that vault`;
  }
  return `it is not protected: ${declare}`;
}

/** Our remedy when another operation holds the VM: backup now never waits for it, the user chooses. */
function busyRemedy(spec: ResolvedSpec): string {
  return `Another operation or backup runs on this VM: wait for it to end (\`vmbackup jobs -f ${spec.file} --status InProgress\`), then back it up again.`;
}

function failure(spec: ResolvedSpec, e: unknown): NonNullable<Outcome['error']> {
  const err: ClassifiedAzureError = classifyError(e);
  const remedy = err.inProgress ? busyRemedy(spec) : err.remedy;
  return { code: err.code, message: err.detail, ...(remedy ? { remedy } : {}) };
}

/** Sends one Backups_Trigger per VM, all at once, and returns once each is refused or has named its job. */
async function startBackups(target: Target, spec: ResolvedSpec, chosen: readonly Chosen[], expiry: Date | undefined, format: 'text' | 'json'): Promise<Outcome[]> {
  return Promise.all(
    chosen.map(async (c): Promise<Outcome> => {
      const outcome: Outcome = { chosen: c, status: 'Started' };
      try {
        const started = await triggerBackup(target.forSubscription(c.vault.subscriptionId), c.vault, c.item.containerName, c.item.name, {
          ...(expiry ? { expiry } : {}),
          untilJobStarted: true,
          failWhileBusy: true,
        });
        outcome.jobId = started.jobId;
      } catch (e) {
        outcome.status = 'Failed';
        outcome.error = failure(spec, e);
      }
      if (format === 'text') process.stdout.write(`${line(outcome)}\n`);
      return outcome;
    }),
  );
}

/** Waits for every started job, printing each as it ends. */
async function waitForBackups(target: Target, spec: ResolvedSpec, outcomes: Outcome[], format: 'text' | 'json'): Promise<void> {
  const running = outcomes.filter((o) => o.status === 'Started' && o.jobId);
  if (format === 'text' && running.length > 0) process.stdout.write(`Waiting for ${plural(running.length, 'backup job')} to end...\n`);
  await Promise.all(
    running.map(async (o) => {
      const { vault } = o.chosen;
      try {
        const job = await waitForJob(target.forSubscription(vault.subscriptionId), vault, o.jobId!);
        o.status = job.properties?.status === 'CompletedWithWarnings' ? 'CompletedWithWarnings' : 'Completed';
      } catch (e) {
        o.status = 'Failed';
        o.error = failure(spec, e);
      }
      if (format === 'text') process.stdout.write(`${line(o)}\n`);
    }),
  );
}

function line(o: Outcome): string {
  const { vm, vault } = o.chosen;
  const where = `${vmLabel(vm.resourceGroup, vm.name)} in vault ${vault.resourceGroup}/${vault.name}`;
  const job = o.jobId ? `: job ${o.jobId}` : '';
  const head = `${o.status.padEnd(9)} ${where}${job}`;
  return o.error ? `${head}\n  ${o.error.code}: ${o.error.message}${o.error.remedy ? `\n  Remedy: ${o.error.remedy}` : ''}` : head;
}

function report(spec: ResolvedSpec, outcomes: readonly Outcome[], expiry: Date | undefined, waited: boolean, format: 'text' | 'json'): void {
  if (format === 'json') {
    const backups = outcomes.map((o) => ({
      vmId: o.chosen.vm.id,
      resourceGroup: o.chosen.vm.resourceGroup,
      vmName: o.chosen.vm.name,
      vault: { subscriptionId: o.chosen.vault.subscriptionId, resourceGroup: o.chosen.vault.resourceGroup, name: o.chosen.vault.name },
      ...(o.jobId ? { jobId: o.jobId } : {}),
      status: o.status,
      ...(o.error ? { error: o.error } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ retainUntil: expiry?.toISOString() ?? null, backups }, null, 2)}\n`);
    return;
  }
  const failed = outcomes.filter((o) => o.status === 'Failed').length;
  const kept = `recovery points kept until ${expiry ? expiry.toISOString() : DEFAULT_RETENTION}`;
  if (failed > 0) {
    process.stdout.write(`${failed} of ${plural(outcomes.length, 'backup')} failed; ${kept} for the others.\n`);
  } else if (waited) {
    process.stdout.write(`${plural(outcomes.length, 'backup')} completed; ${kept}.\n`);
  } else {
    process.stdout.write(`${plural(outcomes.length, 'backup job')} started; ${kept}. Follow them with \`vmbackup jobs -f ${spec.file} --status InProgress\`.\n`);
  }
}
