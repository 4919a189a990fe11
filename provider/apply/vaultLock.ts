// One apply per vault on a machine: an advisory lock file per vault in the user's runtime directory, holding
// the pid and start time of the apply that holds it. A lock whose process is gone (killed, crashed) is taken
// over. Across machines, the CI pipeline serialises runs (README, "Running apply from CI").
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target, VaultRef } from '../azure/index.js';
import { VaultLockedError, type LockHolder } from '../core/index.js';

export interface VaultLockOptions {
  /** How long to wait for another apply to finish, in ms. Default 0: refuse at once. */
  readonly waitMs?: number;
  /** Called once, when another apply holds the lock and this one starts waiting for it. */
  readonly onWait?: (holder: LockHolder) => void;
  /** Directory of the lock files. Default: `locks` in vmbackup's runtime directory. */
  readonly dir?: string;
  readonly signal?: AbortSignal;
}

export interface VaultLock {
  readonly file: string;
  release(): Promise<void>;
}

/** How often a waiting apply looks at the lock again. */
const POLL_MS = 250;
/** A process that started this long after the lock was written is not the one that wrote it (its pid was reused). */
const START_SLACK_MS = 2000;

/**
 * vmbackup's per-user runtime directory: $XDG_RUNTIME_DIR/vmbackup (private to the user and emptied at logout
 * on Linux), else %LOCALAPPDATA%\vmbackup on Windows, else $XDG_CACHE_HOME or ~/.cache, then vmbackup.
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'vmbackup');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'vmbackup');
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'vmbackup');
}

/**
 * Takes the lock of `vault` in the world `target` reaches, waiting up to `waitMs` for another apply to release it;
 * throws VaultLockedError otherwise.
 */
export async function lockVault(target: Pick<Target, 'world' | 'subscriptionId'>, vault: VaultRef, opts: VaultLockOptions = {}): Promise<VaultLock> {
  const dir = opts.dir ?? path.join(runtimeDir(), 'locks');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const label = `${vault.resourceGroup}/${vault.name}`;
  const key = [target.world, target.subscriptionId, label].join('\n').toLowerCase();
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const file = path.join(dir, `${vault.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '_')}-${digest}.lock`);
  const mine: LockHolder = { pid: process.pid, startedAt: new Date().toISOString(), host: hostname() };
  const started = Date.now();
  const deadline = started + (opts.waitMs ?? 0);
  let waiting = false;
  for (;;) {
    if (await create(file, mine)) return held(file, mine);
    const holder = await readHolder(file);
    if (holder === 'absent') continue;
    if (holder === 'unreadable' || !alive(holder)) {
      await takeOver(file, holder);
      continue;
    }
    if (Date.now() >= deadline) throw new VaultLockedError(label, holder, Date.now() - started);
    if (!waiting) opts.onWait?.(holder);
    waiting = true;
    await sleep(Math.min(POLL_MS, deadline - Date.now()), undefined, { signal: opts.signal });
  }
}

/** Creates the lock with its content in one step (link fails when the file exists), so no reader sees it half-written. */
async function create(file: string, holder: LockHolder): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, JSON.stringify(holder), { mode: 0o600 });
  try {
    await link(temp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function parseHolder(text: string): LockHolder | 'unreadable' {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(h.pid) && typeof h.startedAt === 'string' && typeof h.host === 'string') return h as LockHolder;
  } catch {
    // A file vmbackup did not write holds no apply.
  }
  return 'unreadable';
}

async function readHolder(file: string): Promise<LockHolder | 'absent' | 'unreadable'> {
  try {
    return parseHolder(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
}

const sameHolder = (a: LockHolder | 'absent' | 'unreadable', b: LockHolder | 'unreadable'): boolean =>
  typeof a === 'object' && typeof b === 'object' ? a.pid === b.pid && a.startedAt === b.startedAt && a.host === b.host : a === b;

/** Whether the apply that wrote the lock still runs; another machine's (a shared home directory) is assumed to. */
function alive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const since = processStartMs(holder.pid);
  return since === undefined || since <= Date.parse(holder.startedAt) + START_SLACK_MS;
}

/** When a process started, from Linux's /proc (clock ticks since boot, at the usual 100 a second); undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(boot) ? boot * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Moves a stale lock aside, then checks that what it moved is the stale lock it read: when another apply took
 * it over in between, its fresh lock is put back.
 */
async function takeOver(file: string, stale: LockHolder | 'unreadable'): Promise<void> {
  const aside = `${file}.${process.pid}.stale`;
  try {
    await rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!sameHolder(await readHolder(aside), stale)) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** The locks this process holds, removed by one exit listener however many vaults are applied at once. */
const heldLocks = new Map<string, LockHolder>();

function releaseOnExit(): void {
  for (const [file, mine] of heldLocks) {
    try {
      if (sameHolder(parseHolder(readFileSync(file, 'utf8')), mine)) unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
}

function held(file: string, mine: LockHolder): VaultLock {
  // process.exit (a second Ctrl+C) skips every finally: the lock goes with the process all the same.
  if (heldLocks.size === 0) process.once('exit', releaseOnExit);
  heldLocks.set(file, mine);
  return {
    file,
    release: async () => {
      heldLocks.delete(file);
      if (heldLocks.size === 0) process.off('exit', releaseOnExit);
      if (sameHolder(await readHolder(file), mine)) await unlink(file).catch(() => undefined);
    },
  };
}
