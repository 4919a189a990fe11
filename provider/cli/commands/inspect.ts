// discover, jobs and dashboard: read-only views of a vault.
import { ConfigurationError, type DashboardData, type EstateDashboard, type ResolvedSpec } from '../../core/index.js';
import type { Target } from '../../azure/index.js';
import { observe, observeJobs } from '../../discovery/index.js';
import { buildDashboard, detectDrift, detectEstateDrift } from '../../drift/index.js';
import { preflight } from '../../plan/index.js';
import { renderDashboard, renderEstateDashboard } from '../../render/index.js';
import { renderJobs, renderVms } from '../../render/inventory.js';
import { serveDashboard } from '../serveDashboard.js';
import { discoverEstate } from '../../discovery/index.js';
import { parseDuration } from '../duration.js';
import { ExitCode } from '../exitCodes.js';
import { listenError, portNumber, prepareOutputPath } from '../flags.js';
import { emit, loadSpec, oneOf, parseVaultFlag, positiveInt, terminalColor, withTarget, type TargetFlags } from '../context.js';

export interface VaultFlags extends TargetFlags {
  /** A spec whose target names the vault. */
  file?: string;
  /** RESOURCE_GROUP/VAULT_NAME, instead of a spec. */
  vault?: string;
  format?: string;
}

interface VaultChoice {
  subscriptionId?: string;
  vault: { resourceGroup: string; name: string };
  /** The spec that named the vault, when one did. */
  spec?: ResolvedSpec;
}

/** The vault a spec's target names, every vault of an estate spec (or the one --vault names among them), or --vault alone. */
async function chooseVaults(flags: VaultFlags): Promise<VaultChoice[]> {
  const fromFlag = parseVaultFlag(flags.vault);
  if (flags.file) {
    const spec = await loadSpec(flags.file, { subscriptions: flags.subscription });
    const all = spec.vaults.map((v): VaultChoice => ({ subscriptionId: v.subscriptionId, vault: { resourceGroup: v.resourceGroup, name: v.name }, spec }));
    if (!fromFlag) return all;
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const chosen = all.filter((c) => same(c.vault.resourceGroup, fromFlag.resourceGroup) && same(c.vault.name, fromFlag.name));
    if (chosen.length === 0) throw new ConfigurationError(`${flags.file} declares no vault ${flags.vault}: name one of ${all.map((c) => `${c.vault.resourceGroup}/${c.vault.name}`).join(', ')}`);
    return chosen;
  }
  if (fromFlag) return [{ vault: fromFlag }];
  throw new ConfigurationError('name the vault: give -f SPEC (its target names the vault) or --vault RESOURCE_GROUP/VAULT_NAME');
}

/** Runs `fn` for each chosen vault, through its own subscription; several vaults print one after the other, each under its name. */
async function withVault<T>(flags: VaultFlags, fn: (t: Target, choice: VaultChoice) => Promise<T>, headings = true): Promise<T[]> {
  const choices = await chooseVaults(flags);
  const estate = choices[0].spec?.form === 'estate';
  return withTarget(estate ? { ...flags, subscription: undefined } : flags, choices[0].subscriptionId, async (t) => {
    const out: T[] = [];
    for (const choice of choices) {
      if (headings && choices.length > 1 && flags.format !== 'json') process.stdout.write(`${out.length > 0 ? '\n' : ''}== vault ${choice.vault.resourceGroup}/${choice.vault.name} (subscription ${choice.subscriptionId}) ==\n`);
      out.push(await fn(choice.subscriptionId ? t.forSubscription(choice.subscriptionId) : t, choice));
    }
    return out;
  });
}

export async function discoverCommand(flags: VaultFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json'] as const, 'text');
  await withVault(flags, async (target, { vault }) => {
    const observation = await observe(target, vault, { refresh: true });
    // The guide's pre-flight checks, VM by VM: what would block registering and protecting it.
    const checks = new Map(observation.vms.map((vm) => [vm.id.toLowerCase(), preflight(vm, observation)]));
    process.stdout.write(
      format === 'json' ? `${JSON.stringify({ ...observation, preflight: Object.fromEntries(checks) }, null, 2)}\n` : renderVms(observation, checks),
    );
  });
  return ExitCode.ok;
}

export interface JobsFlags extends VaultFlags {
  since?: string;
  status?: string;
}

const JOB_STATUSES = ['InProgress', 'Completed', 'Failed', 'CompletedWithWarnings', 'Cancelled', 'Cancelling'] as const;

export async function jobsCommand(flags: JobsFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json'] as const, 'text');
  const sinceMs = parseDuration(flags.since ?? '24h');
  if (!(sinceMs <= Date.now())) throw new ConfigurationError(`invalid --since "${flags.since}": it reaches back before 1970; use a shorter window, e.g. 7d`);
  const statuses = (flags.status ?? '').split(',').filter(Boolean);
  for (const s of statuses) oneOf('--status', s, JOB_STATUSES, 'InProgress');
  await withVault(flags, async (target, { vault }) => {
    const { jobs: inWindow } = await observeJobs(target, vault, { windowMs: sinceMs });
    const jobs = inWindow.filter((j) => statuses.length === 0 || statuses.includes(j.status));
    process.stdout.write(format === 'json' ? `${JSON.stringify(jobs, null, 2)}\n` : renderJobs(jobs));
  });
  return ExitCode.ok;
}

export interface DashboardFlags extends VaultFlags {
  out?: string;
  serve?: boolean;
  port?: string;
  refresh?: string;
}

export async function dashboardCommand(flags: DashboardFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json', 'html'] as const, flags.serve ? 'html' : 'text');
  const port = portNumber('--port', flags.port);
  const refreshSeconds = positiveInt('--refresh', flags.refresh, 10);
  if (flags.out) await prepareOutputPath('--out', flags.out);
  const choices = await chooseVaults(flags);
  if (choices.length > 1) {
    if (flags.serve) {
      throw new ConfigurationError(`the live dashboard shows one vault: name one of the ${choices.length} vaults of ${flags.file} with --vault RESOURCE_GROUP/VAULT_NAME, or write the estate's page with --format html --out FILE`);
    }
    // Only an estate spec names several vaults. One read of the estate (Resource Manager's lists, each VM list once
    // per subscription, no discovery) gives each vault's board and the scope's coverage, the auditor's first question.
    const spec = choices[0].spec!;
    const estate = await withTarget({ ...flags, subscription: undefined }, choices[0].subscriptionId, (target) => discoverEstate(target, spec, { consistent: true, refresh: false }));
    const boards = estate.vaults.map(({ observation }) => buildDashboard(observation));
    const { coverage } = detectEstateDrift(spec, estate);
    await emit(renderEstateDashboard({ ...estateDashboard(choices, boards), ...(coverage ? { coverage } : {}) }, format, { color: terminalColor(flags.out), specFile: flags.file }), flags.out);
    return ExitCode.ok;
  }
  const choice = choices[0];
  const { spec } = choice;
  const load = async (target: Target) => {
    const observation = await observe(choice.subscriptionId ? target.forSubscription(choice.subscriptionId) : target, choice.vault, { refresh: false, recoveryPoints: true });
    // An estate's drift is the estate's; one vault's dashboard shows its own vault's part of the spec only.
    return buildDashboard(observation, spec && spec.form === 'vault' ? detectDrift(spec, observation) : undefined);
  };
  if (flags.serve) {
    return withTarget(flags, choice.subscriptionId, async (target) => {
      const server = await serveDashboard({ port, refreshSeconds, load: () => load(target) }).catch((e: unknown) => {
        throw listenError(e, '--port', port);
      });
      process.stdout.write(`Dashboard at ${server.url} (refreshes every ${refreshSeconds}s). Press Ctrl+C to stop.\n`);
      await waitForSignal();
      await server.close();
      return ExitCode.ok;
    });
  }
  return withTarget(flags, choice.subscriptionId, async (target) => {
    await emit(renderDashboard(await load(target), format, { color: terminalColor(flags.out) }), flags.out);
    return ExitCode.ok;
  });
}

function estateDashboard(choices: readonly VaultChoice[], boards: readonly DashboardData[]): EstateDashboard {
  const vaults = boards.map((b, i) => ({
    subscriptionId: choices[i].subscriptionId ?? '',
    location: b.vault.location,
    vaultResourceGroup: choices[i].vault.resourceGroup,
    vaultName: choices[i].vault.name,
    protectedVms: b.protectedVms.total,
    jobs24h: { succeeded: b.jobs24h.succeeded, failed: b.jobs24h.failed, inProgress: b.jobs24h.inProgress },
    ...(b.vault.settings ? { settings: b.vault.settings } : {}),
  }));
  const sum = (f: (v: (typeof vaults)[number]) => number) => vaults.reduce((n, v) => n + f(v), 0);
  return {
    generatedAt: boards.map((b) => b.generatedAt).sort().at(-1) ?? new Date().toISOString(),
    vaults,
    totals: {
      vaults: vaults.length,
      protectedVms: sum((v) => v.protectedVms),
      jobs24h: { succeeded: sum((v) => v.jobs24h.succeeded), failed: sum((v) => v.jobs24h.failed), inProgress: sum((v) => v.jobs24h.inProgress) },
    },
  };
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
