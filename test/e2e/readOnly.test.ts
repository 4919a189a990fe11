// plan and drift read and never write: once the vault knows every declared VM, neither starts a discovery or any
// other operation, in the one-vault form and in the estate form (counted in the emulator's own operation table).
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { DEMO_FLEET, ROOT, requireBuild, runCli, type CliResult } from './harness.js';

describe('plan and drift write nothing', () => {
  let dir: string;
  let emulator: RunningEmulator;
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
  const operations = (): number => {
    const db = new Database(join(dir, 'state', 'world.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM operations').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-readonly-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const spec of ['examples/spec.yaml', 'examples/spec-estate.yaml']) {
    it(`${spec}: the first plan discovers the VMs it protects; after apply, plan and drift start no operation`, async () => {
      const before = operations();
      const first = await cli('plan', '-f', join(ROOT, spec));
      expect(first.code, first.stderr).toBe(2);
      expect(operations(), 'the first plan asks the vault to discover the VMs it will protect').toBeGreaterThan(before);
      expect((await cli('apply', '-f', join(ROOT, spec), '--yes')).stderr).not.toContain('failed');

      const settled = operations();
      await cli('plan', '-f', join(ROOT, spec));
      await cli('drift', '-f', join(ROOT, spec));
      await cli('drift', '-f', join(ROOT, spec), '--format', 'json');
      expect(operations()).toBe(settled);
    }, 180_000);
  }
});
