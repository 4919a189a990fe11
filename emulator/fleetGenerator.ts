// Large, realistic fleets for benchmarks: mostly healthy VMs, a few of each failure mode, and names
// reused across resource groups. The same options always give the same fleet.
import { prng } from './faults.js';
import type { Fleet, FleetVm } from './fleet.js';

export interface GenerateFleetOptions {
  /** Number of VMs. */
  vms: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Regions; one vault per region. Default westeurope and northeurope. */
  regions?: string[];
  /** Default classic. */
  profile?: 'classic' | 'modern';
  /** Default 6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f. */
  subscriptionId?: string;
}

const WINDOWS_IMAGE = 'MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest';
const LINUX_IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';
const APPS = ['web', 'api', 'db', 'batch', 'cache', 'ops'];
const ENVS = ['prod', 'prod', 'prod', 'dev', 'test'];

/** Each failure mode's share of the fleet; the rest is healthy. */
const MIX: readonly [number, (vm: FleetVm) => FleetVm][] = [
  [0.02, (vm) => ({ ...vm, powerState: 'stopped' })],
  [0.01, (vm) => ({ ...vm, powerState: 'deallocated' })],
  [0.01, (vm) => ({ ...vm, agentVersion: null })],
  [0.01, (vm) => ({ ...vm, agentVersion: '2.6.1198.600' })],
  [0.01, (vm) => ({ ...vm, dataDisks: 8 })],
  [0.01, (vm) => ({ ...vm, storageSku: 'Premium_LRS' })],
  [0.01, (vm) => ({ ...vm, nics: 2 })],
  [0.01, (vm) => ({ ...vm, loadBalancer: `lb-${vm.resourceGroup}` })],
  [0.005, (vm) => ({ ...vm, os: 'Linux', image: 'thefreebsdfoundation:freebsd-13_1:13_1-release:latest' })],
];

export function generateFleet(opts: GenerateFleetOptions): Fleet {
  const random = prng(opts.seed ?? 1);
  const regions = opts.regions?.length ? opts.regions : ['westeurope', 'northeurope'];
  const groups = Math.max(1, Math.ceil(opts.vms / 200));
  const vms: FleetVm[] = [];
  for (let i = 0; i < opts.vms; i++) {
    const location = regions[i % regions.length];
    const app = APPS[Math.floor(random() * APPS.length)];
    const windows = random() < 0.4;
    const group = Math.floor(random() * groups);
    // Every 50th VM reuses an earlier name in another resource group.
    const reuse = i >= 50 && i % 50 === 0 ? vms[i - 49] : undefined;
    const resourceGroup = reuse ? `${reuse.resourceGroup}-dr` : `rg-${app}-${String(group).padStart(3, '0')}`;
    let vm: FleetVm = {
      name: reuse?.name ?? `${app}-${String(i).padStart(5, '0')}`,
      resourceGroup,
      location: reuse?.location ?? location,
      os: windows ? 'Windows' : 'Linux',
      image: windows ? WINDOWS_IMAGE : LINUX_IMAGE,
      dataDisks: Math.floor(random() * 4),
      tags: { env: ENVS[Math.floor(random() * ENVS.length)], app },
    };
    let roll = random();
    for (const [share, apply] of MIX) {
      if (roll < share) {
        vm = apply(vm);
        break;
      }
      roll -= share;
    }
    vms.push(vm);
  }
  return {
    subscriptionId: opts.subscriptionId ?? '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f',
    profile: opts.profile ?? 'classic',
    vaults: regions.map((location) => ({ name: `vault-${location}`, resourceGroup: `rg-backup-${location}`, location })),
    vms,
  };
}
