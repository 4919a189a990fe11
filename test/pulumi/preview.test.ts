// What preview promises under the real engine: it fails where `up` would, on the resource's property,
// in a Pulumi user's words, and writes nothing to the vault (no discovery); and the destroy remedy for
// retainDataOnDelete: false, followed step by step, works.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../provider/azure/index.js';
import { observe } from '../../provider/discovery/index.js';
import { stackWithWorld, vaultWrites, yamlProgram, type Stack } from './engineStack.js';
import { FLEET, vmId } from './harness.js';

const WEU = { resourceGroup: 'rg-backup', name: 'vault-weu' };

function program(resources: string, extra = ''): string {
  return yamlProgram(
    'vmbackup-preview',
    FLEET,
    [
      'resources:',
      '  daily:',
      '    type: vmbackup:index:Policy',
      '    properties: { vaultResourceGroup: rg-backup, vaultName: vault-weu, name: preview-daily, schedule: { frequency: Daily, time: "21:00" }, retention: { daily: 7 } }',
      resources,
    ],
    [extra],
  );
}

function protection(name: string, vm: string, more = ''): string {
  return [`  ${name}:`, '    type: vmbackup:index:VmProtection', `    properties: { vaultResourceGroup: rg-backup, vaultName: vault-weu, vmId: "${vm}", policyId: "\${daily.id}"${more} }`].join('\n');
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vmbackup-preview-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function stackFor(name: string, text: string): Promise<{ stack: Stack; stateDir: string }> {
  return stackWithWorld(work, name, text, FLEET);
}

describe('preview under the real engine', () => {
  it('writes nothing to the vault, then fails at each input up would refuse, on the right resource and property', async () => {
    const { stack, stateDir } = await stackFor('bad', program(protection('web-01', vmId('rg-web', 'web-01'))));
    const cases = [
      { vm: vmId('rg-web', 'web-01'), ok: true },
      { vm: vmId('rg-web', 'web-99'), text: /VmProtection resource 'web-01'.*vmId.*VM rg-web\/web-99 does not exist.*check vmId \(resource group and name\) against getVirtualMachines/s },
      { vm: vmId('rg-batch', 'batch-02'), text: /VmProtection resource 'web-01'.*batch-02 is stopped, not running.*start the VM.*`pulumi up`/s },
      { vm: vmId('rg-data', 'bigdata-01'), text: /VmProtection resource 'web-01'.*bigdata-01 has 8 data disks/s },
      { vm: vmId('rg-web-ne', 'web-ne-01'), text: /VmProtection resource 'web-01'.*vaultName.*in northeurope, the vault in westeurope/s },
    ];
    for (const c of cases) {
      await writeFile(path.join(stack.dir, 'Pulumi.yaml'), program(protection('web-01', c.vm)));
      const before = vaultWrites(stateDir);
      const res = await stack.pulumi(['preview'], { allowFailure: !c.ok });
      expect(vaultWrites(stateDir), c.vm).toBe(before);
      if (c.ok) {
        expect(res.stdout).toMatch(/\+ 3 to create/);
        continue;
      }
      expect(res.code, c.vm).not.toBe(0);
      const out = `${res.stdout}\n${res.stderr}`;
      expect(out, c.vm).toMatch(c.text!);
      expect(out).not.toMatch(/vmbackup apply|rule "pulumi"/);
    }
  }, 300_000);

  it('refuses two VmProtections of one VM, naming both', async () => {
    const twice = [protection('app-a', vmId('rg-app', 'app-01')), protection('app-b', vmId('rg-app', 'app-01'))].join('\n');
    const { stack, stateDir } = await stackFor('twice', program(twice));
    const before = vaultWrites(stateDir);
    const res = await stack.pulumi(['preview'], { allowFailure: true });
    expect(res.code).not.toBe(0);
    const out = `${res.stdout}\n${res.stderr}`;
    expect(out).toMatch(/VmProtection::app-a/);
    expect(out).toMatch(/VmProtection::app-b/);
    expect(out).toMatch(/a VM has one protection/);
    expect(vaultWrites(stateDir)).toBe(before);
  }, 120_000);

  it('destroy with retainDataOnDelete: false tells the order that works, and following it deletes the recovery points', async () => {
    const { stack, stateDir } = await stackFor('delete', program(protection('web-02', vmId('rg-web', 'web-02'), ', retainDataOnDelete: false')));
    await stack.pulumi(['up', '--yes']);
    await stack.pulumi(['preview', '--expect-no-changes']);
    await stack.pulumi(['refresh', '--yes', '--expect-no-changes']);

    const refused = await stack.pulumi(['destroy', '--yes'], { allowFailure: true });
    expect(refused.code).not.toBe(0);
    const said = `${refused.stdout}\n${refused.stderr}`;
    expect(said).toMatch(/`pulumi config set vmbackup:allowDataDeletion true`, `pulumi up`.*then `pulumi destroy` again/);
    // Once in the engine's Diagnostics (the progress lines above echo the resource's status).
    expect(said.slice(said.indexOf('Diagnostics:')).match(/says retainDataOnDelete: false/g)?.length).toBe(1);

    await stack.pulumi(['config', 'set', 'vmbackup:allowDataDeletion', 'true']);
    await stack.pulumi(['up', '--yes']);
    await stack.pulumi(['destroy', '--yes']);
    const target = await openTarget({ kind: 'emulator', stateDir });
    try {
      const item = (await observe(target, WEU, { refresh: false })).protectedItems.find((i) => i.friendlyName === 'web-02');
      expect(item === undefined || item.softDeleted).toBe(true);
    } finally {
      await target.close();
    }
  }, 300_000);
});
