import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { classifyError, openTarget, REMEDIES, resolveTarget, triggerBackup, waitForJob } from '../../provider/azure/index.js';
import { applyPlan } from '../../provider/apply/index.js';
import { vmContainerName, vmProtectedItemName } from '../../provider/core/index.js';
import { FLEET_FILE, WEU } from '../discovery/harness.js';
import { createPolicy, makePlan, protect, SUBSCRIPTION } from '../apply/planFixtures.js';

describe('openTarget with the endpoint of a running emulator', () => {
  let dir: string;
  let emulator: RunningEmulator;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vmbackup-target-'));
    emulator = await startEmulator({ stateDir: dir, fleetFile: FLEET_FILE, port: 0, retryAfterSeconds: 0, operationDelayMs: 30 });
  });
  afterAll(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the token and CA from the state directory and reaches the emulator through the SDK', async () => {
    const target = await openTarget({ endpoint: emulator.endpoint, stateDir: dir, subscriptionId: SUBSCRIPTION });
    const vault = await target.clients.vaults.vaults.get(WEU.resourceGroup, WEU.name);
    expect(vault.location).toBe('westeurope');
    expect(target.profile).toBe('classic');
    expect(target.calls.snapshot()).toEqual({ 'GET vaults/{id}': 1 });
    await target.close();
  });

  it('is refused with a wrong token: 401, terminal, with our remedy', async () => {
    const tokenFile = path.join(dir, 'wrong-token');
    await writeFile(tokenFile, 'not-the-token\n', { mode: 0o600 });
    const target = await openTarget({ endpoint: emulator.endpoint, stateDir: dir, tokenFile, subscriptionId: SUBSCRIPTION });
    const err = classifyError(await target.clients.vaults.vaults.get(WEU.resourceGroup, WEU.name).catch((e: unknown) => e));
    expect(err).toMatchObject({ statusCode: 401, transient: false });
    expect(err.remedy).toMatch(/token/);
  });

  it('takes the subscription and profile from the state directory it shares, and needs one given otherwise', async () => {
    const saved = process.env.AZURE_SUBSCRIPTION_ID;
    delete process.env.AZURE_SUBSCRIPTION_ID;
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'vmbackup-target-files-'));
    try {
      const shared = await openTarget({ endpoint: emulator.endpoint, stateDir: dir });
      expect(shared.subscriptionId).toBe(emulator.subscriptionId);
      expect(shared.profile).toBe(emulator.profile);
      await shared.close();
      // Token and CA copied to a directory without the world: nothing says which subscription to use.
      await writeFile(path.join(elsewhere, 'token'), emulator.token, { mode: 0o600 });
      await writeFile(path.join(elsewhere, 'ca.pem'), emulator.ca);
      await expect(
        openTarget({ endpoint: emulator.endpoint, stateDir: elsewhere, caFile: path.join(elsewhere, 'ca.pem') }),
      ).rejects.toThrow(/subscription/);
    } finally {
      if (saved !== undefined) process.env.AZURE_SUBSCRIPTION_ID = saved;
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('polls an on-demand backup to its job, and surfaces a failed job with its code and our remedy', async () => {
    const target = await openTarget({
      endpoint: emulator.endpoint,
      stateDir: dir,
      subscriptionId: SUBSCRIPTION,
      timing: { pollMinMs: 10, retry: { minDelayMs: 5, maxDelayMs: 20, conflictWaitMs: 20 } },
    });
    const applied = await applyPlan(target, makePlan([createPolicy('daily'), ...protect('rg-dev', 'dev-01'), ...protect('rg-ops', 'ops-01')]));
    expect(applied.converged).toBe(true);

    const ok = await triggerBackup(target, WEU, vmContainerName('rg-dev', 'dev-01'), vmProtectedItemName('rg-dev', 'dev-01'));
    expect(ok.job?.properties?.operation).toBe('Backup');
    expect(ok.job?.properties?.status).toBe('Completed');
    expect((await waitForJob(target, WEU, ok.jobId!)).properties?.status).toBe('Completed');

    // Out of band: the VM is deleted without stopping its protection; its backup fails.
    await target.clients.compute.virtualMachines.beginDeleteAndWait('rg-ops', 'ops-01', { updateIntervalInMs: 10 });
    const failed = await triggerBackup(target, WEU, vmContainerName('rg-ops', 'ops-01'), vmProtectedItemName('rg-ops', 'ops-01')).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'UserErrorVmNotFoundV2', transient: false, remedy: REMEDIES.UserErrorVmNotFoundV2.remedy });
    await target.close();
  });
});

describe('resolveTarget', () => {
  const env = { VMBACKUP_TARGET: 'emulator', VMBACKUP_STATE: '/srv/world', VMBACKUP_FLEET: 'fleet.yaml', AZURE_SUBSCRIPTION_ID: 'sub-env' };
  it.each([
    { reason: 'what is written wins over the environment', written: { stateDir: '/other', fleetFile: 'mine.yaml' }, env, expected: { kind: 'emulator', stateDir: '/other', fleetFile: 'mine.yaml' } },
    { reason: 'the environment fills what is not written', written: {}, env, expected: { kind: 'emulator', stateDir: '/srv/world', fleetFile: 'fleet.yaml' } },
    { reason: 'nothing written and no environment: the embedded emulator over .vmbackup', written: {}, env: {}, expected: { kind: 'emulator', stateDir: path.resolve('.vmbackup') } },
    // The embedded emulator names its own subscription (below); Azure and a running emulator take the environment's.
    { reason: 'a running emulator takes the environment\'s subscription', written: { endpoint: 'https://127.0.0.1:1' }, env, expected: { subscriptionId: 'sub-env' } },
    { reason: 'Azure takes the environment\'s subscription', written: { kind: 'azure' }, env, expected: { kind: 'azure', subscriptionId: 'sub-env' } },
    { reason: 'a relative state directory becomes absolute', written: { stateDir: 'state' }, env: {}, expected: { stateDir: path.resolve('state') } },
  ])('$reason', ({ written, env: given, expected }) => {
    expect(resolveTarget(written, given)).toMatchObject(expected);
  });

  it('leaves an embedded emulator its own subscription', () => {
    expect(resolveTarget({}, env).subscriptionId).toBeUndefined();
  });

  it('refuses an unknown kind, saying which are known', () => {
    expect(() => resolveTarget({}, { VMBACKUP_TARGET: 'aws' })).toThrow(/unknown target "aws": use --target emulator or --target azure/);
  });
});
