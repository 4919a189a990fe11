// Runs a Plan exactly: dependencies first, bounded concurrency with one operation per VM at a time,
// each write preceded by a read (or by the observation the plan was made from a moment ago) so a
// repeated or interrupted apply converges without duplicate operations, and transient failures retried
// (the whole read-compare-write, never a blind write).
import {
  classifyError,
  ClassifiedAzureError,
  deleteProtectedItem,
  diffCalls,
  installBackupExtension,
  listJobs,
  paceSince,
  paceTotal,
  protectVm,
  readPolicy,
  readProtectedItem,
  readRegistration,
  readVault,
  readVm,
  registerContainer,
  stopProtectionRetainingData,
  undeleteProtectedItem,
  unregisterContainer,
  withRetry,
  writePolicy,
  writeVaultSettings,
  type CallCounts,
  type PaceCounts,
  type Pacer,
  type Target,
  type VaultRef,
  type WaitOptions,
} from '../azure/index.js';
import {
  ConfigurationError,
  describeDisks,
  sameArmId,
  sameDisks,
  StalePlanError,
  type ActionKind,
  type DiskSelection,
  type ContainerTarget,
  type ItemTarget,
  type Observation,
  type ObservedProtectedItem,
  type ObservedVm,
  type Plan,
  type PlannedAction,
  type PolicySettings,
  type PolicyTarget,
  type PreflightFinding,
  type VaultSettingsAction,
} from '../core/index.js';
import { observe } from '../discovery/index.js';
import { agentFindings, findItem, fingerprintObservation, isActive, protectedWith, registeredWithExtension, samePolicySettings, weakeningChanges } from '../plan/index.js';

export interface ApplyOptions {
  /**
   * Actions run at the same time (never two on one VM). Default: adaptive, as many as the target's ARM quota
   * keeps busy (target.pace).
   */
  concurrency?: number;
  /** Allow stopProtectionDeleteData actions; without it a plan holding one is refused. Default false. */
  allowDataDeletion?: boolean;
  /** Allow vaultSettings changes that weaken the vault's protection of its data; without it such a plan is refused. Default false. */
  allowWeakerVaultSettings?: boolean;
  /** Fingerprint of the observation the plan was made from; apply refuses the plan when the world has moved. */
  expectedFingerprint?: string;
  /** Called at each phase of each action (start, retry, done, ...); default none. */
  onEvent?: (e: ApplyEvent) => void;
  /** Stops starting actions and abandons the waits of running ones; what was accepted converges on the next run. */
  signal?: AbortSignal;
  /**
   * The observation the plan was made from, read through Resource Manager by this process a moment ago: the
   * first attempt of a register or protect takes the VM's and the item's state from it instead of reading them
   * again (a retry reads). Never one from Resource Graph, which may lag.
   */
  observation?: Observation;
}

export type ApplyPhase = 'start' | 'registering' | 'protecting' | 'waiting' | 'retry' | 'done' | 'failed' | 'skipped' | 'blocked' | 'interrupted';

export interface ApplyEvent {
  readonly actionId: string;
  readonly kind: ActionKind;
  readonly vmName?: string;
  readonly phase: ApplyPhase;
  readonly message?: string;
  readonly code?: string;
  readonly remedy?: string;
}

/**
 * applied: the write was made and finished; skipped: already converged; blocked: pre-flight findings or a
 * dependency that did not succeed; failed: the service refused or the operation failed; cancelled: aborted.
 */
export type ActionStatus = 'applied' | 'skipped' | 'blocked' | 'failed' | 'cancelled';

export interface ActionResult {
  readonly actionId: string;
  readonly kind: ActionKind;
  readonly vmName?: string;
  readonly status: ActionStatus;
  readonly message?: string;
  readonly code?: string;
  readonly remedy?: string;
  /** Writes this action issued (extension, register, protected item, policy). */
  readonly operations: number;
  readonly jobId?: string;
}

export interface ApplyResult {
  readonly actions: readonly ActionResult[];
  /** Writes issued in all; 0 when everything had already converged. */
  readonly operationsIssued: number;
  /** Every API call apply made, by operation. */
  readonly apiCalls: CallCounts;
  /** Requests apply sent, by ARM's quota kind, and how many the service throttled (429). */
  readonly requests: PaceCounts;
  /** The fewest seconds ARM's subscription buckets allow for those requests, starting full. */
  readonly quotaBoundSeconds: number;
  /** True when no action failed, was blocked or was cancelled. */
  readonly converged: boolean;
}

// Reasons, written once.
const REASON_CONVERGED = 'already converged';
const REASON_DEPENDENCY = 'a dependency did not succeed';
/** The code of an action blocked because an action it depends on did not succeed. */
export const DEPENDENCY_FAILED = 'DependencyFailed';
const DEPENDENCY_BLOCKED = { status: 'blocked', message: REASON_DEPENDENCY, code: DEPENDENCY_FAILED, operations: 0 } as const;
const REASON_CANCELLED = 'apply was interrupted before this action finished';
const DATA_DELETION_REFUSED =
  'the plan deletes backup data (stopProtectionDeleteData); run again with --allow-data-deletion to confirm';
const WEAKER_SETTINGS_REFUSED =
  "the plan weakens a vault's safety settings (soft delete, immutability or Cross Region Restore); run again with --allow-weaker-vault-settings to confirm";

interface Outcome {
  readonly status: 'applied' | 'skipped' | 'blocked';
  readonly message?: string;
  readonly jobId?: string;
  /** blocked: the pre-flight finding's code and remedy. */
  readonly code?: string;
  readonly remedy?: string;
}

interface RunContext {
  readonly target: Target;
  readonly vault: VaultRef;
  readonly wait: WaitOptions;
  readonly emit: (phase: ApplyPhase, extra?: Partial<ApplyEvent>) => void;
  /** Issues one write of this action and counts it, unless the service refused it because the item was busy. */
  readonly write: <T>(send: () => Promise<T>) => Promise<T>;
  /** The last refusal of this action's writes because another operation held the item, if any. */
  readonly refusal: () => ClassifiedAzureError | undefined;
  /** What the plan's observation says of a VM and its item, when the caller vouches for it (ApplyOptions.observation). */
  readonly seen?: (vmId: string) => { vm?: ObservedVm; item?: ObservedProtectedItem };
}

function seenIn(obs: Observation | undefined): RunContext['seen'] {
  if (!obs) return undefined;
  const vms = new Map(obs.vms.map((v) => [v.id.toLowerCase(), v]));
  return (vmId) => ({ vm: vms.get(vmId.toLowerCase()), item: findItem(obs.protectedItems, vmId) });
}

/** Applies `plan` to `target`. Throws StalePlanError or ConfigurationError before any write when it must refuse. */
export async function applyPlan(target: Target, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const before = target.calls.snapshot();
  const paceBefore = target.pace.snapshot();
  const vault: VaultRef = { resourceGroup: plan.target.vaultResourceGroup, name: plan.target.vaultName };
  if (plan.target.subscriptionId.toLowerCase() !== target.subscriptionId.toLowerCase()) {
    throw new ConfigurationError(`the plan is for subscription ${plan.target.subscriptionId}, the target is ${target.subscriptionId}`);
  }
  if (!opts.allowDataDeletion && plan.actions.some((a) => a.kind === 'stopProtectionDeleteData' && a.blockedBy.length === 0)) {
    throw new ConfigurationError(DATA_DELETION_REFUSED);
  }
  if (!opts.allowWeakerVaultSettings && weakeningChanges(plan).length > 0) throw new ConfigurationError(WEAKER_SETTINGS_REFUSED);
  if (opts.expectedFingerprint !== undefined) {
    const now = fingerprintObservation(await observe(target, vault, { refresh: false, signal: opts.signal }));
    if (now !== opts.expectedFingerprint) {
      throw new StalePlanError('the observed state has changed since the plan was made; run `vmbackup plan` again');
    }
  }

  const seen = seenIn(opts.observation);
  const results = await runScheduled(plan.actions, opts, target.pace, async (action, emit, write, refusal) =>
    runAction(action, {
      target,
      vault,
      emit,
      write,
      refusal,
      seen,
      // converge() owns each action's retry budget: the calls inside it are made once.
      wait: { signal: opts.signal, onRetry: (e) => emit('retry', { code: e.code, message: e.detail }), retriedByCaller: true },
    }),
  );
  const ordered = plan.actions.map((a) => results.get(a.id)!);
  const paced = paceSince(paceBefore, target.pace.snapshot());
  return {
    actions: ordered,
    operationsIssued: ordered.reduce((n, r) => n + r.operations, 0),
    apiCalls: diffCalls(before, target.calls.snapshot()),
    requests: paceTotal(paced),
    quotaBoundSeconds: target.pace.boundSeconds(paced),
    converged: ordered.every((r) => r.status === 'applied' || r.status === 'skipped'),
  };
}

type Runner = (action: PlannedAction, emit: RunContext['emit'], write: RunContext['write'], refusal: RunContext['refusal']) => Promise<Outcome>;

/**
 * A write answered 409 "another operation in progress" was not made: someone else (another apply, a scheduled
 * backup) is on the item. The action waits, reads again and moves on, without counting it.
 */
function refusedAsBusy(e: unknown): ClassifiedAzureError | undefined {
  const err = classifyError(e);
  return err.statusCode === 409 && err.inProgress ? err : undefined;
}

/**
 * Starts actions in plan order as their dependencies succeed, at most `concurrency` at a time (else as many
 * as the pacer finds the quota keeps busy) and one per VM; actions whose dependency did not succeed are blocked.
 */
async function runScheduled(actions: readonly PlannedAction[], opts: ApplyOptions, pace: Pacer, run: Runner): Promise<Map<string, ActionResult>> {
  const limit = () => Math.max(1, opts.concurrency ?? pace.concurrency());
  const results = new Map<string, ActionResult>();
  const known = new Set(actions.map((a) => a.id));
  const busyVms = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let pending = [...actions];

  const event = (a: PlannedAction, phase: ApplyPhase, extra: Partial<ApplyEvent> = {}) =>
    opts.onEvent?.({ actionId: a.id, kind: a.kind, ...(a.target.vmName ? { vmName: a.target.vmName } : {}), phase, ...extra });
  const finish = (a: PlannedAction, r: Omit<ActionResult, 'actionId' | 'kind' | 'vmName'>) => {
    results.set(a.id, { actionId: a.id, kind: a.kind, ...(a.target.vmName ? { vmName: a.target.vmName } : {}), ...r });
  };
  const depState = (a: PlannedAction): 'ready' | 'wait' | 'broken' => {
    let state: 'ready' | 'wait' = 'ready';
    for (const d of a.dependsOn.filter((id) => known.has(id))) {
      const r = results.get(d);
      if (!r) state = 'wait';
      else if (r.status !== 'applied' && r.status !== 'skipped') return 'broken';
    }
    return state;
  };

  for (;;) {
    const still: PlannedAction[] = [];
    for (const a of pending) {
      const vmKey = a.target.vmId?.toLowerCase();
      if (opts.signal?.aborted) {
        finish(a, { status: 'cancelled', message: REASON_CANCELLED, operations: 0 });
        continue;
      }
      if (a.blockedBy.length > 0) {
        const { message, code, remedy } = blockedBy(a.blockedBy);
        finish(a, { status: 'blocked', message, code, remedy, operations: 0 });
        event(a, 'blocked', { message: a.blockedBy[0].message, code, remedy });
        continue;
      }
      const deps = depState(a);
      if (deps === 'broken') {
        finish(a, DEPENDENCY_BLOCKED);
        event(a, 'blocked', { message: REASON_DEPENDENCY, code: DEPENDENCY_BLOCKED.code });
        continue;
      }
      if (deps === 'wait' || running.size >= limit() || (vmKey !== undefined && busyVms.has(vmKey))) {
        still.push(a);
        continue;
      }
      if (vmKey) busyVms.add(vmKey);
      running.set(
        a.id,
        (async () => {
          let writes = 0;
          let refusal: ClassifiedAzureError | undefined;
          const write = async <T>(send: () => Promise<T>): Promise<T> => {
            try {
              const sent = await send();
              writes += 1;
              return sent;
            } catch (e) {
              refusal = refusedAsBusy(e);
              // Accepted and then failed, timed out or abandoned: the write was made.
              if (!refusal) writes += 1;
              throw e;
            }
          };
          event(a, 'start', { message: a.reason });
          try {
            const out = await run(a, (phase, extra) => event(a, phase, extra), write, () => refusal);
            // A retry that finds converged what an earlier attempt of this action wrote has applied it.
            const status = out.status === 'skipped' && writes > 0 ? 'applied' : out.status;
            const found = out.code ? { code: out.code, remedy: out.remedy } : {};
            finish(a, { status, message: out.message, operations: writes, ...found, ...(out.jobId ? { jobId: out.jobId } : {}) });
            event(a, status === 'applied' ? 'done' : status, { message: out.message, ...found });
          } catch (e) {
            const err = classifyError(e);
            const cancelled = opts.signal?.aborted === true;
            finish(a, {
              status: cancelled ? 'cancelled' : 'failed',
              message: cancelled ? REASON_CANCELLED : err.detail,
              code: cancelled ? undefined : err.code,
              remedy: cancelled ? undefined : err.remedy,
              operations: writes,
            });
            if (cancelled) event(a, 'interrupted', { message: REASON_CANCELLED });
            else event(a, 'failed', { message: err.detail, code: err.code, remedy: err.remedy });
          } finally {
            if (vmKey) busyVms.delete(vmKey);
            running.delete(a.id);
          }
        })(),
      );
    }
    pending = still;
    if (running.size === 0) {
      // Nothing runs, so whatever still waits depends on itself through a cycle: it can never start.
      for (const a of pending) finish(a, DEPENDENCY_BLOCKED);
      break;
    }
    await Promise.race(running.values());
  }
  return results;
}

/** Each kind carries the fields it needs (the plan schema checked a saved plan's): nothing to re-validate here. */
async function runAction(action: PlannedAction, ctx: RunContext): Promise<Outcome> {
  switch (action.kind) {
    case 'createPolicy':
    case 'updatePolicy':
      return writePolicyAction(action.target.policyName, action.policy, ctx);
    case 'register':
      return register(action.target, ctx, action.agentCheckAtApply === true);
    case 'protect':
      return protect(action.target, action.disks, ctx, action.agentCheckAtApply === true);
    case 'changePolicy':
    case 'changeDisks':
      return protect(action.target, action.disks, ctx, false);
    case 'stopProtection':
      return stopProtection(action.target, ctx);
    case 'stopProtectionDeleteData':
      return deleteData(action.target, ctx);
    case 'unregister':
      return unregister(action.target, ctx);
    case 'undelete':
      return undelete(action.target, ctx, action.agentCheckAtApply === true);
    case 'vaultSettings':
      return vaultSettings(action, ctx);
  }
}

/**
 * Re-reads and writes as one unit, so a retry after "operation in progress" reads again first. Once a write on
 * `vmId`'s item was refused as busy, each new read waits until no job runs on the VM: a read made while another
 * operation runs misses what that operation is about to write, and a write sent once it has ended would do it again.
 */
function converge(ctx: RunContext, vmId: string | undefined, attempt: (n: number) => Promise<Outcome>): Promise<Outcome> {
  const afterOthers = async (n: number): Promise<Outcome> => {
    const refusal = ctx.refusal();
    if (refusal && vmId !== undefined) {
      const running = await listJobs(ctx.target, ctx.vault, 'inProgress', ctx.wait);
      if (running.some((j) => j.vmId !== undefined && sameArmId(j.vmId, vmId))) throw refusal;
    }
    return attempt(n);
  };
  return withRetry(afterOthers, { ...ctx.target.timing.retry, signal: ctx.wait.signal, onRetry: ctx.wait.onRetry });
}

const converged: Outcome = { status: 'skipped', message: REASON_CONVERGED };

/** The policy's settings, written unless the vault's already are the same (the planner's comparison). */
async function writePolicyAction(name: string, settings: PolicySettings, ctx: RunContext): Promise<Outcome> {
  return converge(ctx, undefined, async () => {
    const current = await readPolicy(ctx.target, ctx.vault, name, ctx.wait);
    if (current?.settings && samePolicySettings(current.settings, settings)) return converged;
    ctx.emit('waiting', { message: `writing policy ${name}` });
    await ctx.write(() => writePolicy(ctx.target, ctx.vault, name, settings, ctx.wait));
    return { status: 'applied', message: current ? `policy ${name} updated` : `policy ${name} created` };
  });
}

/** A blocked action's outcome: every finding's message, the first one's code (Azure Backup's where it has one) and remedy. */
function blockedBy(findings: readonly PreflightFinding[]): Outcome & { readonly code: string; readonly remedy: string } {
  const first = findings[0];
  return { status: 'blocked', message: findings.map((f) => f.message).join('; '), code: first.azureErrorCode ?? first.code, remedy: first.remedy };
}

/**
 * The VM agent's pre-flight, for an action whose plan could not read it (PlannedAction.agentCheckAtApply), on the VM
 * as apply has just read it: blocked, with the finding's code and remedy, when it fails.
 */
function agentBlock(vm: Parameters<typeof agentFindings>[0], ctx: RunContext): Outcome | undefined {
  const found = agentFindings(vm, ctx.target.profile);
  return found.length > 0 ? blockedBy(found) : undefined;
}

/** agentBlock on the VM read now, when `checkAgent`: for an action that does not read the VM otherwise. */
async function agentBlockOfVm(t: { resourceGroup: string; vmName: string }, ctx: RunContext, checkAgent: boolean): Promise<Outcome | undefined> {
  return checkAgent ? agentBlock(await readVm(ctx.target, { resourceGroup: t.resourceGroup, name: t.vmName }, ctx.wait), ctx) : undefined;
}

/** register = backup extension (skipped when present) + container registration (skipped when registered). */
async function register(t: ContainerTarget, ctx: RunContext, checkAgent: boolean): Promise<Outcome> {
  return converge(ctx, t.vmId, async (n) => {
    // An agent left to apply is judged on the VM as Compute gives it now, never on the plan's view of it.
    const seen = n === 1 && !checkAgent ? ctx.seen?.(t.vmId).vm : undefined;
    const vm = seen ?? (await readVm(ctx.target, { resourceGroup: t.resourceGroup, name: t.vmName }, ctx.wait));
    // Before the registration is looked at: a VM registered already is still to be protected, which needs its agent.
    const blocked = checkAgent ? agentBlock(vm, ctx) : undefined;
    if (blocked) return blocked;
    const registered = seen ? seen.registered : await readRegistration(ctx.target, ctx.vault, t.containerName, ctx.wait);
    if (registeredWithExtension({ registered, backupExtension: vm.backupExtension })) return converged;
    ctx.emit('registering', { message: vm.backupExtension ? 'registering with the vault' : 'installing the backup extension' });
    if (!vm.backupExtension) {
      await ctx.write(() => installBackupExtension(ctx.target, { resourceGroup: vm.resourceGroup, name: vm.name, location: vm.location, osType: vm.osType }, ctx.wait));
    }
    if (!registered) {
      ctx.emit('registering', { message: 'registering with the vault' });
      await ctx.write(() => registerContainer(ctx.target, ctx.vault, { id: t.vmId, resourceGroup: t.resourceGroup, name: t.vmName }, t.containerName, ctx.wait));
    }
    return { status: 'applied', message: 'registered' };
  });
}

/** unregister: the VM's container leaves the vault (skipped when it already has); no backup data is deleted. */
async function unregister(t: ContainerTarget, ctx: RunContext): Promise<Outcome> {
  return converge(ctx, t.vmId, async () => {
    if (!(await readRegistration(ctx.target, ctx.vault, t.containerName, ctx.wait))) return converged;
    ctx.emit('waiting', { message: 'unregistering from the vault' });
    await ctx.write(() => unregisterContainer(ctx.target, ctx.vault, t.containerName, ctx.wait));
    return { status: 'applied', message: 'unregistered' };
  });
}

/**
 * protect / changePolicy / changeDisks: the item with its policy and, when the action names one, its disk
 * selection, in one PUT, waiting for the operation and its ConfigureBackup job.
 */
async function protect(t: ItemTarget & PolicyTarget, disks: DiskSelection | undefined, ctx: RunContext, checkAgent: boolean): Promise<Outcome> {
  return converge(ctx, t.vmId, async (n) => {
    const seen = n === 1 ? ctx.seen?.(t.vmId) : undefined;
    const item = seen?.vm ? seen.item : await readProtectedItem(ctx.target, ctx.vault, t, ctx.wait);
    if (protectedWith(item, t.policyName) && (disks === undefined || sameDisks(item?.disks, disks))) return converged;
    const blocked = await agentBlockOfVm(t, ctx, checkAgent);
    if (blocked) return blocked;
    const withDisks = disks ? `, disks: ${describeDisks(disks)}` : '';
    ctx.emit('protecting', { message: `assigning policy ${t.policyName}${withDisks}` });
    const outcome = await ctx.write(() => protectVm(ctx.target, ctx.vault, t, { policyName: t.policyName, disks }, ctx.wait));
    return { status: 'applied', message: `protected with ${t.policyName}${withDisks}`, jobId: outcome.jobId };
  });
}

/** Stop protection, retaining the data: skipped when backups no longer run (the planner's reading). */
async function stopProtection(t: ItemTarget, ctx: RunContext): Promise<Outcome> {
  return converge(ctx, t.vmId, async () => {
    const item = await readProtectedItem(ctx.target, ctx.vault, t, ctx.wait);
    if (!item || !isActive(item)) return converged;
    ctx.emit('protecting', { message: 'stopping protection, retaining data' });
    const outcome = await ctx.write(() => stopProtectionRetainingData(ctx.target, ctx.vault, { ...t, vmId: item.vmId || t.vmId }, ctx.wait));
    return { status: 'applied', message: 'protection stopped, data retained', jobId: outcome.jobId };
  });
}

/** A soft-deleted item the spec declares again is brought back first; an item that is not soft-deleted needs nothing. */
async function undelete(t: ItemTarget, ctx: RunContext, checkAgent: boolean): Promise<Outcome> {
  return converge(ctx, t.vmId, async () => {
    // The protection it brings back is to resume, which needs the VM's agent: judged before anything is written.
    const blocked = await agentBlockOfVm(t, ctx, checkAgent);
    if (blocked) return blocked;
    const item = await readProtectedItem(ctx.target, ctx.vault, t, ctx.wait);
    if (!item || !item.softDeleted) return converged;
    ctx.emit('protecting', { message: 'undeleting the soft-deleted item' });
    const outcome = await ctx.write(() => undeleteProtectedItem(ctx.target, ctx.vault, { ...t, vmId: item.vmId || t.vmId }, ctx.wait));
    return { status: 'applied', message: 'undeleted: recovery points kept, protection stopped until resumed', jobId: outcome.jobId };
  });
}

/** Writes the settings the vault does not have yet; a vault that already has them all needs nothing. */
async function vaultSettings(action: VaultSettingsAction, ctx: RunContext): Promise<Outcome> {
  return converge(ctx, undefined, async () => {
    const current = (await readVault(ctx.target, ctx.vault, ctx.wait)).vault.settings;
    const wanted = Object.fromEntries(action.changes.map((c) => [c.setting, c.to]));
    if (!current || action.changes.every((c) => current[c.setting] === c.to)) return converged;
    ctx.emit('protecting', { message: 'writing the vault settings' });
    await ctx.write(() => writeVaultSettings(ctx.target, ctx.vault, current, wanted, ctx.wait));
    return { status: 'applied', message: `vault settings written: ${action.changes.map((c) => `${c.setting} ${String(c.to)}`).join(', ')}` };
  });
}

/** Stop protection and delete the data (soft delete keeps it 14 days); allowed only with allowDataDeletion. */
async function deleteData(t: ItemTarget, ctx: RunContext): Promise<Outcome> {
  return converge(ctx, t.vmId, async () => {
    const item = await readProtectedItem(ctx.target, ctx.vault, t, ctx.wait);
    if (!item || item.softDeleted) return converged;
    ctx.emit('protecting', { message: 'stopping protection and deleting data' });
    const outcome = await ctx.write(() => deleteProtectedItem(ctx.target, ctx.vault, t.containerName, t.protectedItemName, ctx.wait));
    return { status: 'applied', message: 'protection stopped, data deleted', jobId: outcome.jobId };
  });
}
