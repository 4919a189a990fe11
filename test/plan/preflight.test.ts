import { describe, expect, it } from 'vitest';
import { compareVersions, policyChangeFindings, preflight, unsupportedOsReason, type PolicyChoice } from '../../provider/plan/index.js';
import type { ObservedVm, PreflightCode, Profile } from '../../provider/core/index.js';
import { makeJob, makeOtherVault, makeVm, REGION } from './fixtures.js';

const vault = { location: REGION };
const STANDARD: PolicyChoice = { name: 'daily', policyType: 'V1' };
const ENHANCED: PolicyChoice = { name: 'hourly', policyType: 'V2' };

interface Case {
  reason: string;
  profile?: Profile;
  vm: Partial<ObservedVm>;
  policy?: PolicyChoice;
  jobs?: Parameters<typeof makeJob>[0][];
  codes: PreflightCode[];
  azure?: string[];
}

describe('preflight', () => {
  const cases: Case[] = [
    { reason: 'a healthy running VM in the vault region passes every check', vm: {}, codes: [] },
    { reason: 'a deallocated VM cannot get the extension', vm: { powerState: 'deallocated' }, codes: ['VmNotRunning'], azure: ['AzureVmOffline'] },
    { reason: 'a stopped VM is not running either', vm: { powerState: 'stopped' }, codes: ['VmNotRunning'] },
    { reason: 'no agent version means no agent', vm: { agentVersion: undefined }, codes: ['AgentMissing'], azure: ['UserErrorGuestAgentStatusUnavailable'] },
    { reason: 'an agent version with no digits ("Unknown") is no agent', vm: { agentVersion: 'Unknown' }, codes: ['AgentMissing'] },
    { reason: 'a Windows agent older than 2.6.1198.718 is outdated', vm: { agentVersion: '2.6.1198.600' }, codes: ['AgentOutdated'], azure: ['UserErrorGuestAgentStatusUnavailable'] },
    { reason: 'versions compare numerically, not as text (2.6.1198.1000 > 2.6.1198.718)', vm: { agentVersion: '2.6.1198.1000' }, codes: [] },
    { reason: 'exactly the minimum version is enough', vm: { agentVersion: '2.6.1198.718' }, codes: [] },
    { reason: 'the minimum holds for Linux agents too, as the service checks it', vm: { osType: 'Linux', agentVersion: '2.2.53' }, codes: ['AgentOutdated'] },
    { reason: 'five data disks are allowed', vm: { dataDisks: 5 }, codes: [] },
    { reason: 'six data disks are too many', vm: { dataDisks: 6 }, codes: ['TooManyDataDisks'], azure: ['UserErrorUnsupportedDiskCount'] },
    { reason: 'Premium LRS ends in an internal error', vm: { storageSku: 'Premium_LRS' }, codes: ['PremiumStorageUnsupported'], azure: ['BackUpOperationFailedV2'] },
    { reason: 'several NICs end in an internal error', vm: { nicCount: 2 }, codes: ['MultipleNicsUnsupported'], azure: ['BackUpOperationFailedV2'] },
    { reason: 'a load-balanced VM ends in an internal error', vm: { loadBalanced: true }, codes: ['LoadBalancerUnsupported'], azure: ['BackUpOperationFailedV2'] },
    {
      reason: 'FreeBSD is not a supported operating system',
      vm: { osType: 'Linux', osImage: 'thefreebsdfoundation:freebsd-13_1:13_1-release:latest' },
      codes: ['UnsupportedOs'],
      azure: ['VMExtensionProvisioningTimeout'],
    },
    { reason: 'the vault protects only its own region', vm: { location: 'northeurope' }, codes: ['OtherRegion'], azure: ['UserErrorVmInDifferentRegion'] },
    { reason: 'regions compare case-insensitively', vm: { location: 'WestEurope' }, codes: [] },
    {
      reason: 'a VM another vault protects belongs to that vault',
      vm: { otherVault: makeOtherVault('Protected') },
      codes: ['ProtectedByOtherVault'],
      azure: ['VirtualMachineAlreadyProtected'],
    },
    {
      reason: 'a VM only registered with another vault is refused with the registration code',
      vm: { otherVault: makeOtherVault('NotProtected') },
      codes: ['ProtectedByOtherVault'],
      azure: ['UserErrorVmAlreadyRegistered'],
    },
    {
      reason: 'a job in progress on the VM blocks it',
      vm: {},
      jobs: [{ vmName: 'vm1', status: 'InProgress', operation: 'Backup' }],
      codes: ['OperationInProgress'],
      azure: ['UserErrorBackupOperationInProgress'],
    },
    { reason: 'finished jobs do not block', vm: {}, jobs: [{ vmName: 'vm1', status: 'Completed' }, { vmName: 'vm1', status: 'Failed' }], codes: [] },
    {
      reason: 'a job on a same-named VM of another resource group does not block',
      vm: {},
      jobs: [{ vmName: 'vm1', vmId: makeVm({ name: 'vm1', resourceGroup: 'rg-other' }).id, status: 'InProgress' }],
      codes: [],
    },
    {
      reason: 'every failing check is reported at once, in the guide order',
      vm: { powerState: 'deallocated', agentVersion: undefined, dataDisks: 8, storageSku: 'Premium_LRS', nicCount: 3, loadBalanced: true, location: 'eastus' },
      codes: ['VmNotRunning', 'AgentMissing', 'TooManyDataDisks', 'PremiumStorageUnsupported', 'MultipleNicsUnsupported', 'LoadBalancerUnsupported', 'OtherRegion'],
    },
    { reason: 'classic: Premium SSD v2 data disks are Premium storage too', vm: { dataDiskSkus: ['PremiumV2_LRS'] }, codes: ['PremiumStorageUnsupported'] },
    { reason: 'classic: the guide knows no Trusted Launch, so a Standard policy is not questioned', vm: { securityType: 'TrustedLaunch' }, policy: STANDARD, codes: [] },
    // Today's Azure (the support matrix): none of the guide's hardware limits block.
    { reason: 'modern: a deallocated VM is protected (crash-consistent), its silent agent notwithstanding', profile: 'modern', vm: { powerState: 'deallocated', agentVersion: undefined }, codes: [] },
    { reason: 'modern: a stopped VM is protected', profile: 'modern', vm: { powerState: 'stopped' }, codes: [] },
    { reason: 'modern: a running VM still needs its agent', profile: 'modern', vm: { agentVersion: undefined }, codes: ['AgentMissing'] },
    { reason: 'modern: the Windows agent minimum still holds', profile: 'modern', vm: { agentVersion: '2.6.1198.600' }, codes: ['AgentOutdated'] },
    { reason: 'modern: Linux agents (waagent 2.2.x) have no documented minimum', profile: 'modern', vm: { osType: 'Linux', agentVersion: '2.2.53' }, codes: [] },
    {
      reason: 'modern: Premium SSD, several NICs, a load balancer and 8 data disks are all supported',
      profile: 'modern',
      vm: { storageSku: 'Premium_LRS', dataDiskSkus: ['Premium_LRS'], nicCount: 3, loadBalanced: true, dataDisks: 8 },
      codes: [],
    },
    { reason: 'modern: 32 data disks are allowed', profile: 'modern', vm: { dataDisks: 32 }, codes: [] },
    { reason: 'modern: 33 data disks are too many', profile: 'modern', vm: { dataDisks: 33 }, codes: ['TooManyDataDisks'], azure: ['UserErrorUnsupportedDiskCount'] },
    { reason: 'modern: a Trusted Launch VM on a Standard policy is blocked', profile: 'modern', vm: { securityType: 'TrustedLaunch' }, policy: STANDARD, codes: ['EnhancedPolicyRequired'] },
    { reason: 'modern: a Trusted Launch VM on an Enhanced policy passes', profile: 'modern', vm: { securityType: 'TrustedLaunch' }, policy: ENHANCED, codes: [] },
    { reason: 'modern: without a policy to judge, Trusted Launch is no finding', profile: 'modern', vm: { securityType: 'TrustedLaunch' }, codes: [] },
    { reason: 'modern: Premium SSD v2 data disks need an Enhanced policy', profile: 'modern', vm: { dataDiskSkus: ['PremiumV2_LRS'] }, policy: STANDARD, codes: ['EnhancedPolicyRequired'] },
    { reason: 'modern: Ultra disks need an Enhanced policy', profile: 'modern', vm: { dataDiskSkus: ['UltraSSD_LRS'] }, policy: STANDARD, codes: ['EnhancedPolicyRequired'] },
  ];
  it.each(cases)('$reason', ({ vm, jobs, codes, azure, profile, policy }) => {
    const v = makeVm({ name: 'vm1', ...vm });
    const found = preflight(v, { vault, jobs: (jobs ?? []).map(makeJob), profile: profile ?? 'classic' }, policy);
    expect(found.map((f) => f.code)).toEqual(codes);
    for (const f of found) {
      expect(f.remedy.length, `remedy for ${f.code}`).toBeGreaterThan(20);
      expect(f.message).toContain('vm1');
    }
    if (azure) expect(found.map((f) => f.azureErrorCode)).toEqual(azure);
  });
});

describe('policy changes', () => {
  const vm = makeVm({ name: 'vm1' });
  const cases: { reason: string; profile: Profile; from?: PolicyChoice; to: PolicyChoice; codes: PreflightCode[] }[] = [
    { reason: 'modern: Enhanced to Standard is refused', profile: 'modern', from: ENHANCED, to: STANDARD, codes: ['EnhancedPolicyToStandard'] },
    { reason: 'modern: Standard to Enhanced is a migration Azure allows', profile: 'modern', from: STANDARD, to: ENHANCED, codes: [] },
    { reason: 'modern: Enhanced to Enhanced is fine', profile: 'modern', from: ENHANCED, to: { name: 'other', policyType: 'V2' }, codes: [] },
    { reason: 'modern: an unknown current policy is not judged', profile: 'modern', to: STANDARD, codes: [] },
    { reason: 'classic: the guide has no such rule', profile: 'classic', from: ENHANCED, to: STANDARD, codes: [] },
  ];
  it.each(cases)('$reason', ({ profile, from, to, codes }) => {
    const found = policyChangeFindings(vm, from, to, profile);
    expect(found.map((f) => f.code)).toEqual(codes);
    for (const f of found) expect(f.message).toContain(to.name);
  });
});

describe('another vault', () => {
  it.each([
    { status: 'Protected', says: 'VM rg-app/vm1 is protected by vault rg-backup-b/vault-b' },
    { status: 'Protecting', says: 'VM rg-app/vm1 is protected by vault rg-backup-b/vault-b' },
    { status: 'NotProtected', says: 'VM rg-app/vm1 is registered with vault rg-backup-b/vault-b' },
  ])('names the vault ($status) and the way to move the VM', ({ status, says }) => {
    const [finding] = preflight(makeVm({ name: 'vm1', otherVault: makeOtherVault(status) }), { vault, jobs: [], profile: 'classic' });
    expect(finding.message).toBe(says);
    expect(finding.remedy).toMatch(/stopProtection with retainData: false in that vault's spec.*--allow-data-deletion.*soft-delete period ends \(14 days.*unregisters the VM there.*`vmbackup apply` here/);
  });
});

describe('compareVersions', () => {
  const cases: { reason: string; a: string; b: string; sign: -1 | 0 | 1 }[] = [
    { reason: 'equal versions', a: '2.6.1198.718', b: '2.6.1198.718', sign: 0 },
    { reason: 'numeric, not lexical, per part', a: '2.6.1198.1000', b: '2.6.1198.718', sign: 1 },
    { reason: 'a higher minor wins over a longer patch', a: '2.7.1', b: '2.6.1198.718', sign: 1 },
    { reason: 'missing parts count as zero', a: '2.6', b: '2.6.0.0', sign: 0 },
    { reason: 'older', a: '2.6.1198.600', b: '2.6.1198.718', sign: -1 },
  ];
  it.each(cases)('$reason', ({ a, b, sign }) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('operating system support', () => {
  const cases: { reason: string; osType: 'Windows' | 'Linux'; osImage?: string; supported: boolean }[] = [
    { reason: 'Windows Server 2019', osType: 'Windows', osImage: 'MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest', supported: true },
    { reason: 'Windows Server 2008 R2 SP1 is the oldest supported', osType: 'Windows', osImage: 'MicrosoftWindowsServer:WindowsServer:2008-R2-SP1:latest', supported: true },
    { reason: 'Windows Server 2008 without R2 is not', osType: 'Windows', osImage: 'MicrosoftWindowsServer:WindowsServer:2008-SP2:latest', supported: false },
    { reason: 'Windows Server 2003 is not', osType: 'Windows', osImage: 'MicrosoftWindowsServer:WindowsServer:2003-SP2:latest', supported: false },
    { reason: 'SQL Server on Windows images', osType: 'Windows', osImage: 'MicrosoftSQLServer:sql2019-ws2019:standard:latest', supported: true },
    { reason: 'Windows 7 client is not', osType: 'Windows', osImage: 'MicrosoftWindowsDesktop:Windows-7:win7-enterprise:latest', supported: false },
    { reason: 'Windows 11 client is', osType: 'Windows', osImage: 'MicrosoftWindowsDesktop:windows-11:win11-22h2-pro:latest', supported: true },
    { reason: 'Ubuntu', osType: 'Linux', osImage: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest', supported: true },
    { reason: 'Red Hat', osType: 'Linux', osImage: 'RedHat:RHEL:8-lvm-gen2:latest', supported: true },
    { reason: 'Debian', osType: 'Linux', osImage: 'Debian:debian-12:12:latest', supported: true },
    { reason: 'SUSE', osType: 'Linux', osImage: 'SUSE:sles-15-sp5:gen2:latest', supported: true },
    { reason: 'CentOS via OpenLogic', osType: 'Linux', osImage: 'OpenLogic:CentOS:7_9:latest', supported: true },
    { reason: 'FreeBSD is not Linux', osType: 'Linux', osImage: 'thefreebsdfoundation:freebsd-13_1:13_1-release:latest', supported: false },
    { reason: 'Flatcar is a CoreOS derivative', osType: 'Linux', osImage: 'kinvolk:flatcar-container-linux:stable:latest', supported: false },
    { reason: 'an unknown Linux family is not endorsed', osType: 'Linux', osImage: 'someone:hobby-os:1:latest', supported: false },
    { reason: 'the "offer sku" display form is understood too', osType: 'Windows', osImage: 'WindowsServer 2019-Datacenter', supported: true },
    { reason: 'a VM without image (custom image) is not judged', osType: 'Linux', osImage: undefined, supported: true },
  ];
  it.each(cases)('$reason', ({ osType, osImage, supported }) => {
    expect(unsupportedOsReason({ osType, osImage }) === undefined).toBe(supported);
  });
});
