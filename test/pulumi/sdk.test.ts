// The TypeScript SDK classes under pulumi.runtime.setMocks: type tokens, inputs as sent, outputs typed.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const invoked: { token: string; args: Record<string, unknown> }[] = [];

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

let sdk: typeof import('../../provider/pulumi/sdk/index.js');

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const state = { ...(args.inputs as Record<string, unknown>) };
        if (args.type === 'vmbackup:index:Policy') Object.assign(state, { name: state.name ?? args.name, vaultId: '/vault', policyType: 'V1' });
        if (args.type === 'vmbackup:index:VmProtection') Object.assign(state, { protectionState: 'IRPending', policyName: 'daily' });
        if (args.type === 'vmbackup:index:ProtectionSet') Object.assign(state, { vmIds: ['/vm/a'], count: 1 });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        invoked.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        return { vms: [{ id: '/vm/a', name: 'a' }], ids: ['/vm/a'] };
      },
    },
    'proj',
    'dev',
    true,
  );
  // The SDK is loaded after the mocks, as a program would be.
  sdk = await import('../../provider/pulumi/sdk/index.js');
});

describe('vmbackup TypeScript SDK', () => {
  it('registers a Policy with its type token and the inputs as written', async () => {
    const policy = new sdk.Policy('daily', { vaultResourceGroup: 'rg', vaultName: 'v', schedule: { frequency: 'Daily', time: '22:00' }, retention: { daily: 7 } });
    expect(await value(policy.id)).toBe('daily-id');
    expect(await value(policy.policyType)).toBe('V1');
    expect(await value(policy.name)).toBe('daily');
    const reg = registered.find((r) => r.name === 'daily');
    expect(reg?.type).toBe('vmbackup:index:Policy');
    expect(reg?.inputs).toMatchObject({ vaultName: 'v', schedule: { frequency: 'Daily', time: '22:00' }, retention: { daily: 7 } });
  });

  it('defaults retainDataOnDelete to true and passes a policy id through', async () => {
    const p = new sdk.Policy('weekly', { vaultResourceGroup: 'rg', vaultName: 'v', schedule: { frequency: 'Weekly', time: '06:00', days: ['Sunday'] }, retention: { weekly: { count: 4, days: ['Sunday'] } } });
    const vm = new sdk.VmProtection('vm1', { vaultResourceGroup: 'rg', vaultName: 'v', vmId: '/vm/1', policyId: p.id });
    expect(await value(vm.retainDataOnDelete)).toBe(true);
    expect(await value(vm.policyId)).toBe('weekly-id');
    expect(await value(vm.protectionState)).toBe('IRPending');
    const kept = new sdk.VmProtection('vm2', { vaultResourceGroup: 'rg', vaultName: 'v', vmId: '/vm/2', policyId: p.id, retainDataOnDelete: false });
    expect(await value(kept.retainDataOnDelete)).toBe(false);
  });

  it('registers a ProtectionSet as a component the provider constructs, with its inputs and outputs', async () => {
    const set = new sdk.ProtectionSet('prod', { selector: { tags: { env: 'prod' } }, policyId: '/p', vaultResourceGroup: 'rg', vaultName: 'v', disks: { osOnly: true } });
    expect(await value(set.urn)).toMatch(/::vmbackup:index:ProtectionSet::prod$/);
    expect(await value(set.vmIds)).toEqual(['/vm/a']);
    expect(await value(set.count)).toBe(1);
    const reg = registered.find((r) => r.name === 'prod');
    expect(reg?.type).toBe('vmbackup:index:ProtectionSet');
    expect(reg?.inputs).toMatchObject({ selector: { tags: { env: 'prod' } }, policyId: '/p', vaultResourceGroup: 'rg', vaultName: 'v', disks: { osOnly: true }, retainDataOnDelete: true });
  });

  it.each([
    { reason: 'a policy needs its vault', make: () => new sdk.Policy('x', { vaultResourceGroup: 'rg', schedule: { frequency: 'Daily' }, retention: {} } as never), message: /vaultName/ },
    { reason: 'a protection needs its VM', make: () => new sdk.VmProtection('y', { vaultResourceGroup: 'rg', vaultName: 'v', policyId: 'p' } as never), message: /vmId/ },
    { reason: 'a protection set needs its selector', make: () => new sdk.ProtectionSet('z', { policyId: 'p' } as never), message: /selector/ },
  ])('refuses missing required inputs: $reason', ({ make, message }) => {
    expect(make).toThrow(message);
  });

  it('invokes getVirtualMachines with its token and arguments', async () => {
    const res = await sdk.getVirtualMachines({ vaultResourceGroup: 'rg', vaultName: 'v', selector: { tags: { app: 'web' } } });
    expect(res.ids).toEqual(['/vm/a']);
    expect(invoked.at(-1)).toEqual({ token: 'vmbackup:index:getVirtualMachines', args: { vaultResourceGroup: 'rg', vaultName: 'v', selector: { tags: { app: 'web' } } } });
    const out = sdk.getVirtualMachinesOutput({ vaultResourceGroup: 'rg', vaultName: 'v' });
    expect((await value(out)).vms[0].name).toBe('a');
  });

  it('invokes both functions in the estate form, the arguments as written', async () => {
    const vaults = [{ resourceGroup: 'rg-backup', name: 'vault-weu' }, { subscriptionId: 'sub-b', resourceGroup: 'rg-backup-ne', name: 'vault-neu' }];
    await sdk.getVirtualMachines({ vaults, subscriptions: ['sub-a', 'sub-b'] });
    expect(invoked.at(-1)).toEqual({ token: 'vmbackup:index:getVirtualMachines', args: { vaults, subscriptions: ['sub-a', 'sub-b'] } });
    await sdk.getDrift({ scope: { subscriptions: ['sub-a'], resourceGroups: ['rg-web'] }, vaults });
    expect(invoked.at(-1)).toEqual({ token: 'vmbackup:index:getDrift', args: { scope: { subscriptions: ['sub-a'], resourceGroups: ['rg-web'] }, vaults } });
  });

  it('registers an explicit provider under the vmbackup package, its client secret sent as a secret', async () => {
    const provider = new sdk.Provider('azure', { target: 'azure', tenantId: 't', clientId: 'c', clientSecret: 'hush' });
    expect(await value(provider.urn)).toMatch(/::pulumi:providers:vmbackup::azure$/);
    const reg = registered.find((r) => r.name === 'azure');
    expect(reg?.type).toBe('pulumi:providers:vmbackup');
    expect(reg?.inputs).toMatchObject({ target: 'azure', clientSecret: { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: 'hush' } });
  });
});
