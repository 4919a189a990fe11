// Apply of an estate plan: each vault's part is a one-vault plan, applied through its own subscription under that
// vault's lock; every subscription at once and a few vaults of each at a time, so no subscription's ARM quota sits
// idle while another's is spent. A VM no vault can take stays blocked. One result for the estate.
import { ConfigurationError, groupBy, type Plan } from '../core/index.js';
import { diffCalls, paceSince, paceTotal, type Target } from '../azure/index.js';
import { mapBounded } from '../discovery/index.js';
import { splitEstatePlan } from '../plan/index.js';
import { applyPlan, type ActionResult, type ApplyOptions, type ApplyResult } from './applyPlan.js';
import { lockVault, type VaultLockOptions } from './vaultLock.js';

/** Vaults of one subscription applied at once, each with the plan's concurrency; every subscription goes at once. */
const VAULTS_PER_SUBSCRIPTION = 4;

// No `observation`: each vault's apply would read another vault's VMs and items from it.
export interface EstateApplyOptions extends Omit<ApplyOptions, 'expectedFingerprint' | 'observation'> {
  /** A saved plan: each vault is refused when its state has moved since the plan was made. */
  checkFingerprints?: boolean;
  /** How each vault's apply lock waits for another apply. */
  lock?: (vault: { resourceGroup: string; name: string }) => VaultLockOptions;
}

export async function applyEstatePlan(target: Target, plan: Plan, opts: EstateApplyOptions = {}): Promise<ApplyResult> {
  if (!plan.vaults) throw new ConfigurationError('not an estate plan: it names no vaults');
  const before = target.calls.snapshot();
  // One pacer serves every subscription of the target, each with its own buckets: the estate's figures are its totals.
  const paceBefore = target.pace.snapshot();
  const parts = splitEstatePlan(plan).filter((p) => p.plan.actions.length > 0 || opts.checkFingerprints);
  const results = new Map<string, ActionResult>();
  // Each subscription's vaults in the plan's order: ARM budgets requests per subscription, not per vault.
  const bySubscription = groupBy(parts, (p) => p.vault.subscriptionId);
  const applyPart = async ({ vault, plan: part }: (typeof parts)[number]): Promise<void> => {
    if (opts.signal?.aborted) return;
    const sub = target.forSubscription(vault.subscriptionId);
    const ref = { resourceGroup: vault.vaultResourceGroup, name: vault.vaultName };
    const lock = await lockVault(sub, ref, opts.lock?.(ref) ?? {});
    try {
      const r = await applyPlan(sub, part, { ...opts, ...(opts.checkFingerprints ? { expectedFingerprint: vault.stateFingerprint } : {}) });
      for (const a of r.actions) results.set(a.actionId, a);
    } finally {
      await lock.release();
    }
  };
  await Promise.all([...bySubscription.values()].map((queue) => mapBounded(queue, VAULTS_PER_SUBSCRIPTION, applyPart)));

  const actions = plan.actions.map(
    (a): ActionResult =>
      results.get(a.id) ??
      (a.blockedBy.length > 0
        ? { actionId: a.id, kind: a.kind, ...(a.target.vmName ? { vmName: a.target.vmName } : {}), status: 'blocked', message: a.blockedBy.map((f) => f.message).join('; '), code: a.blockedBy[0].code, remedy: a.blockedBy[0].remedy, operations: 0 }
        : { actionId: a.id, kind: a.kind, ...(a.target.vmName ? { vmName: a.target.vmName } : {}), status: 'cancelled', message: 'apply was interrupted before this vault was reached', operations: 0 }),
  );
  const paced = paceSince(paceBefore, target.pace.snapshot());
  return {
    actions,
    operationsIssued: actions.reduce((n, a) => n + a.operations, 0),
    apiCalls: diffCalls(before, target.calls.snapshot()),
    requests: paceTotal(paced),
    quotaBoundSeconds: target.pace.boundSeconds(paced),
    converged: actions.every((a) => a.status === 'applied' || a.status === 'skipped'),
  };
}
