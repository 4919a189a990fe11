// What every resource operation shares: the configured target (opened once, lazily), a lock per
// vault so operations on one vault never race each other's discovery, one read-only observation per
// vault (read again after a write), the VMs the program's resources claim, and the engine's log.
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { openTarget, refreshContainers, type Target } from '../azure/index.js';
import { applyPlan } from '../apply/index.js';
import { observe } from '../discovery/index.js';
import { describeSettingChange, planProtection } from '../plan/index.js';
import {
  oneVaultEstate,
  ApplyFailedError,
  ConfigurationError,
  describeDisks,
  parseArmId,
  vaultArmId,
  vmLabel,
  sameArmId,
  type Observation,
  type ObservedProtectedItem,
  type Plan,
  type PlannedAction,
  type ResolvedSpec,
} from '../core/index.js';
import { targetOptions, type ProviderConfig } from './config.js';
import type { LogLevel } from './engineLog.js';
import { ProviderError } from './protocol.js';
import { describeFinding, uniqueFindings } from './remedies.js';

export interface VaultRef {
  readonly resourceGroup: string;
  readonly name: string;
}

export interface ProviderContext {
  /** The configured target; throws a clear error before Configure. */
  target(): Promise<Target>;
  /** Runs `fn` alone among the operations on this vault. */
  withVault<T>(vault: VaultRef, fn: () => Promise<T>): Promise<T>;
  log(level: LogLevel, message: string, urn?: string): void;
  /** The program's directory: relative paths in inputs and configuration start there. */
  readonly programDir: string;
  /** The provider configuration, once Configure has run. */
  readonly configured: ProviderConfig | undefined;
  /** The vault as last read, without starting a discovery: what preview may look at. */
  observation(vault: VaultRef): Promise<Observation>;
  /** Forgets the vault's observation after a write, so the next one reads the vault again. */
  invalidate(vault: VaultRef): void;
  /**
   * Puts one VM's protected item, as read after a write, into the vault's observation (`undefined`: the VM
   * has none), so a write to one item costs one read instead of a read of the whole vault.
   */
  recordItem(vault: VaultRef, vmId: string, item: ObservedProtectedItem | undefined): void;
  /**
   * Records that the resource `urn` protects `vmId`; returns the URN of another resource of this program
   * that already claimed it (one VM, one protection).
   */
  claimVm(vmId: string, urn: string): string | undefined;
}

export class TargetHolder {
  private opening?: Promise<Target>;
  private config?: ProviderConfig;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly observations = new Map<string, Promise<Observation>>();
  private readonly claims = new Map<string, string>();

  constructor(
    private readonly dir: () => string,
    readonly log: (level: LogLevel, message: string, urn?: string) => void,
  ) {}

  configure(config: ProviderConfig): void {
    this.config = config;
  }

  get configured(): ProviderConfig | undefined {
    return this.config;
  }

  get programDir(): string {
    return this.dir();
  }

  target(): Promise<Target> {
    if (this.opening) return this.opening;
    const config = this.config;
    if (!config) return Promise.reject(new ProviderError('the vmbackup provider is not configured yet'));
    const opts = targetOptions(config, this.dir());
    this.opening = openTarget(opts).then((t) => {
      this.log('debug', `vmbackup target: ${t.kind} at ${t.endpoint} (subscription ${t.subscriptionId}, profile ${t.profile})`);
      return t;
    });
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  observation(vault: VaultRef): Promise<Observation> {
    const key = vaultKey(vault);
    let seen = this.observations.get(key);
    if (!seen) {
      seen = this.target().then((t) => observe(t, vault, { refresh: false }));
      this.observations.set(key, seen);
      // A failed read is not remembered: the next operation reads again.
      seen.catch(() => this.observations.get(key) === seen && this.observations.delete(key));
    }
    return seen;
  }

  invalidate(vault: VaultRef): void {
    this.observations.delete(vaultKey(vault));
  }

  recordItem(vault: VaultRef, vmId: string, item: ObservedProtectedItem | undefined): void {
    const key = vaultKey(vault);
    const seen = this.observations.get(key);
    // Nothing remembered: the next observation reads the vault, this item included.
    if (!seen) return;
    const next = seen.then((obs) => ({ ...obs, protectedItems: [...obs.protectedItems.filter((i) => !sameArmId(i.vmId, vmId)), ...(item ? [item] : [])] }));
    this.observations.set(key, next);
    next.catch(() => this.observations.get(key) === next && this.observations.delete(key));
  }

  claimVm(vmId: string, urn: string): string | undefined {
    const key = vmId.toLowerCase();
    const other = this.claims.get(key);
    if (other !== undefined && other !== urn) return other;
    this.claims.set(key, urn);
    return undefined;
  }

  async withVault<T>(vault: VaultRef, fn: () => Promise<T>): Promise<T> {
    const key = vaultKey(vault);
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await (await opening.catch(() => undefined))?.close();
  }
}

function vaultKey(vault: VaultRef): string {
  return `${vault.resourceGroup}/${vault.name}`.toLowerCase();
}

/** A spec of one resource's intent, so the CLI's planner decides the actions for it. */
export function resourceSpec(target: Target, vault: VaultRef, urn: string, parts: Partial<Pick<ResolvedSpec, 'policies' | 'rules' | 'stopProtection'>>): ResolvedSpec {
  const body = { vault, ...parts };
  return {
    apiVersion: 'vmbackup/v1',
    file: urn,
    digest: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
    target: { subscriptionId: target.subscriptionId, vault },
    ...oneVaultEstate({ subscriptionId: target.subscriptionId, vault }),
    policies: parts.policies ?? [],
    rules: parts.rules ?? [],
    stopProtection: parts.stopProtection ?? [],
    undeclared: 'report',
  };
}

/**
 * The vault for an operation: `cached`, the read-only observation this process last made, with the items
 * it wrote since (what preview and create look at); `fresh`, read again now (a policy's read, update and
 * delete act on what is there); `discover`, after a discovery, the one write an observation makes.
 */
export async function observeVault(ctx: ProviderContext, vault: VaultRef, mode: 'cached' | 'fresh' | 'discover' = 'cached'): Promise<Observation> {
  if (mode === 'discover') await refreshContainers(await ctx.target(), vault);
  if (mode !== 'cached') ctx.invalidate(vault);
  return ctx.observation(vault);
}

/**
 * Plans the spec against the observation and applies the actions `keep` selects, exactly as the CLI's
 * apply does. Blocked actions fail with the guide's pre-flight findings and remedies.
 */
export async function planAndApply(
  ctx: ProviderContext,
  spec: ResolvedSpec,
  obs: Observation,
  urn: string,
  opts: { allowDataDeletion?: boolean; keep?: (a: PlannedAction) => boolean } = {},
): Promise<Plan> {
  const target = await ctx.target();
  const full = planProtection(spec, obs, { profile: target.profile });
  const actions = full.actions.filter(opts.keep ?? (() => true));
  const findings = uniqueFindings(actions.flatMap((a) => a.blockedBy));
  if (findings.length > 0) {
    throw new ProviderError(`Azure Backup would refuse this change, so nothing was changed:\n  ${findings.map(describeFinding).join('\n  ')}`, grpc.status.FAILED_PRECONDITION);
  }
  if (actions.length === 0) return { ...full, actions: [] };
  const plan: Plan = {
    ...full,
    actions,
    summary: { toApply: actions.length, blocked: 0, byKind: Object.fromEntries(actions.map((a) => [a.kind, actions.filter((b) => b.kind === a.kind).length])) },
  };
  for (const a of actions) ctx.log('info', describeAction(a), urn);
  // No stale-plan check: apply's first attempt trusts `obs`, this process's own view of the vault (its last read
  // and its writes since); only a retry reads again. The caller brings `obs` up to date after the write (one item,
  // or the whole vault after a policy write).
  const subjects = new Map(actions.map((a) => [a.id, a.target.vmName ? ` ${vmLabel(a.target.resourceGroup, a.target.vmName)}` : '']));
  const result = await applyPlan(target, plan, {
    concurrency: 1,
    observation: obs,
    allowDataDeletion: opts.allowDataDeletion === true,
    onEvent: (e) => {
      if (e.phase === 'retry' || e.phase === 'failed') ctx.log(e.phase === 'failed' ? 'warning' : 'info', `${e.kind}${subjects.get(e.actionId) ?? ''}: ${e.phase}${e.code ? ` ${e.code}` : ''}${e.message ? `: ${e.message}` : ''}`, urn);
      else ctx.log('debug', `${e.kind}${subjects.get(e.actionId) ?? ''}: ${e.phase}`, urn);
    },
  });
  const failures = result.actions
    .filter((a) => a.status === 'failed')
    .map((a) => ({ actionId: a.actionId, code: a.code ?? 'Unknown', message: a.message ?? 'failed', remedy: a.remedy }));
  if (failures.length > 0) throw new ApplyFailedError(failures);
  return plan;
}

/** An action in the program's terms (the plan's reasons speak of spec rules). */
function describeAction(a: PlannedAction): string {
  const vm = a.target.vmName ? `VM ${vmLabel(a.target.resourceGroup, a.target.vmName)}` : undefined;
  switch (a.kind) {
    case 'createPolicy':
    case 'updatePolicy':
      return `${a.kind === 'createPolicy' ? 'creating' : 'updating'} policy ${a.target.policyName}`;
    case 'register':
      return `registering ${vm} with the vault`;
    case 'protect':
      return `protecting ${vm} with policy ${a.target.policyName}`;
    case 'changePolicy':
      return `moving ${vm} from policy ${a.fromPolicyName ?? '(none)'} to ${a.target.policyName}`;
    case 'changeDisks':
      return `changing the disks ${vm} backs up from ${describeDisks(a.fromDisks)} to ${describeDisks(a.disks)}`;
    case 'stopProtection':
      return `stopping the protection of ${vm}, retaining its recovery points`;
    case 'stopProtectionDeleteData':
      return `stopping the protection of ${vm} and deleting its recovery points`;
    case 'unregister':
      return `unregistering ${vm} from the vault`;
    case 'undelete':
      return `undeleting the soft-deleted protection of ${vm}, keeping its recovery points`;
    case 'vaultSettings':
      return `changing the vault's settings: ${a.changes.map(describeSettingChange).join(', ')}`;
  }
}

export function vaultIdOf(target: Target, vault: VaultRef): string {
  return vaultArmId(target.subscriptionId, vault.resourceGroup, vault.name);
}

/** The vault an ARM id below a vault names (a policy or a protected item id). */
export function vaultFromId(id: string): VaultRef & { subscriptionId: string } {
  const parts = parseArmId(id);
  if (!parts.subscriptions || !parts.resourcegroups || !parts.vaults) {
    throw new ConfigurationError(`"${id}" is not an id inside a Recovery Services vault (/subscriptions/…/resourceGroups/…/providers/Microsoft.RecoveryServices/vaults/…/…)`);
  }
  return { subscriptionId: parts.subscriptions, resourceGroup: parts.resourcegroups, name: parts.vaults };
}

/** The last segment of a resource name from its URN, e.g. "daily" from "urn:pulumi:dev::p::vmbackup:index:Policy::daily". */
export function nameFromUrn(urn: string): string {
  return urn.split('::').pop() ?? urn;
}
