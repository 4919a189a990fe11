// Apply's progress: per-VM tasks on a terminal (listr2), plain lines in logs, one JSON event per line with --format json.
import { Listr, type ListrTaskWrapper } from 'listr2';
import pc from 'picocolors';
import { plural, vmLabel, type Plan, type PlannedAction } from '../core/index.js';
import type { ApplyEvent, ApplyResult } from '../apply/index.js';

export interface Progress {
  onEvent(event: ApplyEvent): void;
  finish(result: ApplyResult): Promise<void>;
}

const TERMINAL_PHASES = new Set<ApplyEvent['phase']>(['done', 'failed', 'skipped', 'blocked', 'interrupted']);

/** What an action does to whom; in an estate, in which vault (a policy is written to each vault that needs it). */
function label(action: PlannedAction, plan: Plan): string {
  const t = action.target;
  const who = t.vmName ? vmLabel(t.resourceGroup, t.vmName) : `policy ${t.policyName}`;
  const vault = plan.vaults?.find((v) => v.key === action.vault);
  return `${action.kind} ${who}${vault ? ` in vault ${vault.vaultResourceGroup}/${vault.vaultName}` : ''}`;
}

function summaryLine(result: ApplyResult): string {
  const count = (s: string) => result.actions.filter((a) => a.status === s).length;
  const interrupted = count('cancelled');
  return (
    `Apply: ${count('applied')} applied, ${count('skipped')} already converged, ${count('blocked')} blocked, ${count('failed')} failed` +
    `${interrupted > 0 ? `, ${interrupted} interrupted` : ''}; ${plural(result.operationsIssued, 'operation')} issued.\n` +
    requestsLine(result)
  );
}

/** What apply spent of ARM's quota: the subscription buckets count every request, not only operations. */
function requestsLine(result: ApplyResult): string {
  const { writes, reads, throttled } = result.requests;
  return `ARM requests: ${plural(writes, 'write')}, ${plural(reads, 'read')}, ${throttled} throttled (429); the quota allows them in ${result.quotaBoundSeconds.toFixed(0)} s at best.`;
}

export function createProgress(format: 'text' | 'json', plan: Plan): Progress {
  if (format === 'json') return jsonProgress();
  // A terminal that reports no width (some CI pseudo-terminals) gets plain lines: live redraws need columns.
  return process.stdout.isTTY && (process.stdout.columns ?? 0) > 0 ? terminalProgress(plan) : lineProgress(plan);
}

function jsonProgress(): Progress {
  return {
    onEvent: (event) => process.stdout.write(`${JSON.stringify({ event: 'action', time: new Date().toISOString(), ...event })}\n`),
    finish: async (result) => {
      process.stdout.write(`${JSON.stringify({ event: 'summary', ...result })}\n`);
    },
  };
}

function lineProgress(plan: Plan): Progress {
  const labels = new Map(plan.actions.map((a) => [a.id, label(a, plan)]));
  return {
    onEvent: (e) => {
      const detail = e.code ? ` ${e.code}: ${e.message ?? ''}${e.remedy ? ` Remedy: ${e.remedy}` : ''}` : e.message ? ` ${e.message}` : '';
      process.stdout.write(`  ${e.phase.padEnd(11)} ${labels.get(e.actionId) ?? e.kind}${detail}\n`);
    },
    finish: async (result) => {
      process.stdout.write(`${summaryLine(result)}\n`);
    },
  };
}

function terminalProgress(plan: Plan): Progress {
  type Waiter = { task?: ListrTaskWrapper<unknown, never, never>; resolve: () => void; reject: (e: Error) => void; done: Promise<void> };
  const waiters = new Map<string, Waiter>();
  const runnable = plan.actions.filter((a) => a.blockedBy.length === 0);
  const labels = new Map(runnable.map((a) => [a.id, label(a, plan)]));
  for (const action of runnable) {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    waiters.set(action.id, { resolve, reject, done });
  }
  const list = new Listr(
    runnable.map((action) => ({
      title: label(action, plan),
      task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
        const waiter = waiters.get(action.id)!;
        waiter.task = task;
        await waiter.done;
      },
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } } as never,
  );
  const running = list.run().catch(() => undefined);
  return {
    onEvent: (e) => {
      const waiter = waiters.get(e.actionId);
      if (!waiter) return;
      if (waiter.task) waiter.task.output = e.message ?? e.phase;
      if (e.phase === 'done') {
        if (waiter.task) waiter.task.title = labels.get(e.actionId)!;
        waiter.resolve();
      }
      if (e.phase === 'skipped') {
        if (waiter.task) waiter.task.title = `${waiter.task.title} ${pc.dim('(already converged)')}`;
        waiter.resolve();
      }
      if (e.phase === 'blocked') {
        if (waiter.task) waiter.task.title = `${labels.get(e.actionId)} ${pc.magenta(`(blocked: ${e.code ?? 'Blocked'})`)}`;
        waiter.resolve();
      }
      if (e.phase === 'failed') waiter.reject(new Error(`${e.code ?? 'Failed'}: ${e.message ?? ''}${e.remedy ? ` Remedy: ${e.remedy}` : ''}`));
      if (e.phase === 'interrupted') {
        waiter.task?.skip(e.message);
        waiter.resolve();
      }
      if (!TERMINAL_PHASES.has(e.phase) && waiter.task) waiter.task.title = `${labels.get(e.actionId)} ${pc.cyan(e.phase)}`;
    },
    finish: async (result) => {
      // Anything apply never reported on (e.g. it stopped early) must not keep the renderer waiting, nor read as done.
      for (const r of result.actions) if (r.status === 'cancelled') waiters.get(r.actionId)?.task?.skip(r.message);
      for (const waiter of waiters.values()) waiter.resolve();
      await running;
      process.stdout.write(`${summaryLine(result)}\n`);
    },
  };
}
