// discover, jobs and dashboard: read-only views of a vault.
import { ConfigurationError, type ResolvedSpec } from '../../core/index.js';
import type { Target } from '../../azure/index.js';
import { observe, observeJobs } from '../../discovery/index.js';
import { buildDashboard, detectDrift } from '../../drift/index.js';
import { preflight } from '../../plan/index.js';
import { renderDashboard } from '../../render/index.js';
import { renderJobs, renderVms } from '../../render/inventory.js';
import { serveDashboard } from '../serveDashboard.js';
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

async function chooseVault(flags: VaultFlags): Promise<VaultChoice> {
  const fromFlag = parseVaultFlag(flags.vault);
  if (fromFlag) return { vault: fromFlag };
  if (flags.file) {
    const spec = await loadSpec(flags.file);
    return { subscriptionId: spec.target.subscriptionId, vault: spec.target.vault, spec };
  }
  throw new ConfigurationError('name the vault: give -f SPEC (its target names the vault) or --vault RESOURCE_GROUP/VAULT_NAME');
}

async function withVault<T>(flags: VaultFlags, fn: (t: Target, choice: VaultChoice) => Promise<T>): Promise<T> {
  const choice = await chooseVault(flags);
  return withTarget(flags, choice.subscriptionId, (t) => fn(t, choice));
}

export async function discoverCommand(flags: VaultFlags): Promise<ExitCode> {
  const format = oneOf('--format', flags.format, ['text', 'json'] as const, 'text');
  return withVault(flags, async (target, { vault }) => {
    const observation = await observe(target, vault, { refresh: true });
    // The guide's pre-flight checks, VM by VM: what would block registering and protecting it.
    const checks = new Map(observation.vms.map((vm) => [vm.id.toLowerCase(), preflight(vm, observation)]));
    process.stdout.write(
      format === 'json' ? `${JSON.stringify({ ...observation, preflight: Object.fromEntries(checks) }, null, 2)}\n` : renderVms(observation, checks),
    );
    return ExitCode.ok;
  });
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
  return withVault(flags, async (target, { vault }) => {
    const { jobs: inWindow } = await observeJobs(target, vault, { windowMs: sinceMs });
    const jobs = inWindow.filter((j) => statuses.length === 0 || statuses.includes(j.status));
    process.stdout.write(format === 'json' ? `${JSON.stringify(jobs, null, 2)}\n` : renderJobs(jobs));
    return ExitCode.ok;
  });
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
  const choice = await chooseVault(flags);
  const { spec } = choice;
  const load = async (target: Target) => {
    const observation = await observe(target, choice.vault, { refresh: false, recoveryPoints: true });
    return buildDashboard(observation, spec ? detectDrift(spec, observation) : undefined);
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
