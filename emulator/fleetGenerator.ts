// Large, realistic fleets for benchmarks: mostly healthy VMs, a few of each failure mode, and names
// reused across resource groups. The same options always give the same fleet.
import { prng } from './faults.js';
import { stableGuid, type EstateFleet, type FleetVault, type FleetVm, type SubscriptionFleet } from './fleet.js';

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

const DEFAULT_SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const WINDOWS_IMAGE = 'MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest';
const LINUX_IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';
const MIX_UNSUPPORTED_IMAGE = 'thefreebsdfoundation:freebsd-13_1:13_1-release:latest';
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
  [0.005, (vm) => ({ ...vm, os: 'Linux', image: MIX_UNSUPPORTED_IMAGE })],
];

/** Whether the VM is one of MIX's failure modes, which Azure Backup cannot protect as it is (a generated VM is otherwise healthy). */
export function isGeneratedFault(vm: FleetVm): boolean {
  return (
    (vm.powerState ?? 'running') !== 'running' ||
    vm.agentVersion !== undefined ||
    (vm.dataDisks ?? 0) > 3 ||
    vm.storageSku !== undefined ||
    (vm.nics ?? 1) > 1 ||
    vm.loadBalancer !== undefined ||
    vm.image === MIX_UNSUPPORTED_IMAGE
  );
}

export function generateFleet(opts: GenerateFleetOptions): SubscriptionFleet {
  const regions = opts.regions?.length ? opts.regions : ['westeurope', 'northeurope'];
  return {
    subscriptionId: opts.subscriptionId ?? DEFAULT_SUBSCRIPTION,
    profile: opts.profile ?? 'classic',
    vaults: regions.map((location) => ({ name: `vault-${location}`, resourceGroup: `rg-backup-${location}`, location })),
    vms: generateVms(prng(opts.seed ?? 1), opts.vms, regions, 0),
  };
}

/** VMs first..first+count-1 of a fleet, spread over the regions in turn. */
function generateVms(random: () => number, count: number, regions: readonly string[], first: number): FleetVm[] {
  const groups = Math.max(1, Math.ceil(count / 200));
  const vms: FleetVm[] = [];
  for (let i = 0; i < count; i++) {
    const location = regions[i % regions.length];
    const app = APPS[Math.floor(random() * APPS.length)];
    const windows = random() < 0.4;
    const group = Math.floor(random() * groups);
    // Every 50th VM reuses an earlier name in another resource group.
    const reuse = i >= 50 && i % 50 === 0 ? vms[i - 49] : undefined;
    const resourceGroup = reuse ? `${reuse.resourceGroup}-dr` : `rg-${app}-${String(group).padStart(3, '0')}`;
    let vm: FleetVm = {
      name: reuse?.name ?? `${app}-${String(first + i).padStart(5, '0')}`,
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
  return vms;
}

export interface GenerateEstateOptions {
  /** Number of subscriptions. Default 4. */
  subscriptions?: number;
  /** Regions every subscription has VMs in. Default westeurope, northeurope, westus3. */
  regions?: string[];
  /** Vaults, spread in turn over the (subscription, region) pairs; at least one per pair. Default 16. */
  vaults?: number;
  /** VMs, spread evenly over the subscriptions and, within each, over the regions. Default 12,000. */
  vms?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Default classic. */
  profile?: 'classic' | 'modern';
}

/**
 * A generated estate: several subscriptions, each with VMs in every region and a vault in every region (the
 * vaults past one per pair go to the first region of each subscription in turn). The first subscription is the default of generateFleet, the others
 * are derived from the seed. A VM of a region with several vaults is tagged `backupVault: SUBSCRIPTION/RG/NAME` with one of them.
 */
export function generateEstate(opts: GenerateEstateOptions = {}): EstateFleet {
  const count = opts.subscriptions ?? 4;
  const regions = opts.regions?.length ? opts.regions : ['westeurope', 'northeurope', 'westus3'];
  const vaults = Math.max(opts.vaults ?? 16, count * regions.length);
  const vms = opts.vms ?? 12_000;
  const seed = opts.seed ?? 1;
  const random = prng(seed);
  const pairs = count * regions.length;
  let first = 0;
  const subscriptions = Array.from({ length: count }, (_, s) => {
    const subscriptionId = s === 0 ? DEFAULT_SUBSCRIPTION : stableGuid(`estate/${seed}/${s}`);
    const share = Math.floor(vms / count) + (s < vms % count ? 1 : 0);
    const subVaults: FleetVault[] = [];
    for (let k = 0; k < vaults; k++) {
      // Pairs in the order region by region, so the vaults past one per pair go to different subscriptions.
      const pair = k % pairs;
      if (pair % count !== s) continue;
      const location = regions[Math.floor(pair / count)];
      subVaults.push({ name: `vault-${location}-${Math.floor(k / pairs) + 1}`, resourceGroup: `rg-backup-${location}`, location });
    }
    const subVms = generateVms(random, share, regions, first).map((vm, i) => {
      // Where a region has several vaults, a spec must pin one: each VM carries the vault it belongs in, as an
      // estate run by Azure Policy's "backup VMs with a given tag" would, so a rule can select by that tag.
      const here = subVaults.filter((v) => v.location === vm.location);
      if (here.length < 2) return vm;
      const v = here[i % here.length];
      return { ...vm, tags: { ...vm.tags, backupVault: `${subscriptionId}/${v.resourceGroup}/${v.name}` } };
    });
    first += share;
    return { subscriptionId, vaults: subVaults, vms: subVms };
  });
  return { profile: opts.profile ?? 'classic', subscriptions };
}
