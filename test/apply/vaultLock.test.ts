// The vault's apply lock: one holder at a time per world, subscription and vault; a lock whose process is gone,
// or whose pid now belongs to a younger process, is taken over; a waiting apply gets the lock when it is released.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockVault, runtimeDir } from '../../provider/apply/index.js';
import { VaultLockedError } from '../../provider/core/index.js';

const WORLD = { world: '/state/one', subscriptionId: '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f' };
const VAULT = { resourceGroup: 'rg-backup', name: 'vault-weu' };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vmbackup-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the lock another process would have written, by taking it and rewriting its holder. */
async function lockHeldBy(holder: { pid: number; startedAt: string; host?: string }): Promise<string> {
  const lock = await lockVault(WORLD, VAULT, { dir });
  await writeFile(lock.file, JSON.stringify({ host: hostname(), ...holder }));
  return lock.file;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lockVault', () => {
  it('refuses a second holder, naming the running apply, until the first releases it', async () => {
    const first = await lockVault(WORLD, VAULT, { dir });
    const refused = await lockVault(WORLD, { resourceGroup: 'RG-BACKUP', name: 'Vault-WEU' }, { dir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VaultLockedError);
    expect((refused as Error).message).toMatch(
      new RegExp(`^another apply on vault RG-BACKUP/Vault-WEU is running since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(pid ${process.pid} on .+\\); nothing was applied\\. .*--wait-lock`),
    );
    await first.release();
    const second = await lockVault(WORLD, VAULT, { dir });
    await second.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps vaults, subscriptions and worlds apart', async () => {
    const held = await Promise.all([
      lockVault(WORLD, VAULT, { dir }),
      lockVault(WORLD, { ...VAULT, name: 'vault-neu' }, { dir }),
      lockVault({ ...WORLD, subscriptionId: '00000000-0000-4000-8000-000000000000' }, VAULT, { dir }),
      lockVault({ ...WORLD, world: '/state/two' }, VAULT, { dir }),
    ]);
    expect(new Set(held.map((l) => l.file)).size).toBe(4);
    await Promise.all(held.map((l) => l.release()));
  });

  it('is private to the user: the directory 0700, the lock 0600', async () => {
    const nested = path.join(dir, 'runtime', 'locks');
    const lock = await lockVault(WORLD, VAULT, { dir: nested });
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    expect((await stat(lock.file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toEqual({ pid: process.pid, startedAt: expect.any(String), host: hostname() });
    await lock.release();
  });

  it.each([
    { reason: 'its process has exited', holder: () => ({ pid: deadPid(), startedAt: new Date().toISOString() }) },
    // This process started long after the lock was written: the pid was reused.
    { reason: 'its pid now belongs to a younger process', holder: () => ({ pid: process.pid, startedAt: '2001-01-01T00:00:00.000Z' }) },
  ])('takes over a lock when $reason', async ({ holder }) => {
    const file = await lockHeldBy(holder());
    const lock = await lockVault(WORLD, VAULT, { dir });
    expect(lock.file).toBe(file);
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock file vmbackup did not write', async () => {
    const file = await lockHeldBy({ pid: process.pid, startedAt: new Date().toISOString() });
    await writeFile(file, 'not a lock');
    const lock = await lockVault(WORLD, VAULT, { dir });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('assumes a lock written on another machine (a shared home directory) is held', async () => {
    await lockHeldBy({ pid: deadPid(), startedAt: new Date().toISOString(), host: `not-${hostname()}` });
    await expect(lockVault(WORLD, VAULT, { dir })).rejects.toBeInstanceOf(VaultLockedError);
  });

  it('waits for the holder to release it, telling once that it waits', async () => {
    const first = await lockVault(WORLD, VAULT, { dir });
    setTimeout(() => void first.release(), 600);
    const waits: number[] = [];
    const second = await lockVault(WORLD, VAULT, { dir, waitMs: 10_000, onWait: (h) => waits.push(h.pid) });
    expect(waits).toEqual([process.pid]);
    await second.release();
  });

  it('gives up waiting after the time given, saying how long it waited', async () => {
    const first = await lockVault(WORLD, VAULT, { dir });
    await expect(lockVault(WORLD, VAULT, { dir, waitMs: 1200 })).rejects.toThrow(/waited 1s for it/);
    await first.release();
  });

  it.each([
    { reason: 'the runtime directory when there is one', env: { XDG_RUNTIME_DIR: '/run/user/1000', XDG_CACHE_HOME: '/c' }, expected: '/run/user/1000/vmbackup' },
    { reason: 'the cache directory otherwise', env: { XDG_CACHE_HOME: '/home/u/.cache2' }, expected: '/home/u/.cache2/vmbackup' },
  ])('lives in $reason', ({ env, expected }) => {
    expect(runtimeDir(env)).toBe(expected);
  });
});
