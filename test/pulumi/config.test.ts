// The provider's configuration as target options: a service principal's secret goes to the credential,
// never into the process environment, where every child process and crash dump would see it.
import { describe, expect, it } from 'vitest';
import { checkConfig, targetOptions } from '../../provider/pulumi/config.js';
import { resolveTarget } from '../../provider/azure/index.js';

describe('provider configuration', () => {
  it('hands an Azure client secret to the target, leaving the environment alone', () => {
    const before = { ...process.env };
    const { config, failures } = checkConfig({
      target: 'azure',
      subscriptionId: '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f',
      tenantId: 'tenant-1',
      clientId: 'client-1',
      clientSecret: 's3cr3t-value',
    });
    expect(failures).toEqual([]);
    const opts = targetOptions(config!, '/program');
    expect(opts.clientSecret).toEqual({ tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 's3cr3t-value' });
    expect(resolveTarget(opts, {}).clientSecret?.clientSecret).toBe('s3cr3t-value');
    expect(process.env).toEqual(before);
    expect(Object.values(process.env)).not.toContain('s3cr3t-value');
  });

  it('without a secret, Azure uses DefaultAzureCredential: no secret in the options', () => {
    const { config } = checkConfig({ target: 'azure', subscriptionId: '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f' });
    expect(targetOptions(config!, '/program').clientSecret).toBeUndefined();
  });
});
