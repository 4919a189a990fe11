// The fleet file seeds the world. It is read as strict UTF-8 text of bounded size, parsed as one YAML document
// with bounded aliases, validated against schemas/fleet.schema.json (ajv), and every problem is reported at
// once as FILE:LINE:COL.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupFailure, Faults, Profile, Vault, Vm } from './model.js';
import { defaultPolicyProperties } from './policyRules.js';
import { vmArmId } from './render.js';
import type { Store } from './store.js';
import { parseFleetYaml, type Path } from './fleetYaml.js';
import { readTextFile } from './textFile.js';

export interface FleetVault {
  name: string;
  resourceGroup: string;
  location: string;
  tags?: Record<string, string>;
  discoveryFailure?: boolean;
}

export interface FleetVm {
  name: string;
  resourceGroup: string;
  location: string;
  os: 'Windows' | 'Linux';
  image?: string;
  vmSize?: string;
  powerState?: 'running' | 'stopped' | 'deallocated';
  agentVersion?: string | null;
  dataDisks?: number;
  storageSku?: string;
  dataDiskSku?: string;
  nics?: number;
  loadBalancer?: string;
  securityType?: 'Standard' | 'TrustedLaunch';
  osSupported?: boolean;
  backupFailure?: BackupFailure;
  tags?: Record<string, string>;
}

/** One subscription's vaults and VMs. */
export interface FleetSubscription {
  subscriptionId: string;
  vaults: FleetVault[];
  vms: FleetVm[];
}

interface FleetSettings {
  profile?: Profile;
  faults?: Faults;
}

/** A world of one subscription. */
export interface SubscriptionFleet extends FleetSubscription, FleetSettings {
  subscriptions?: undefined;
}

/** A world of several subscriptions; the first is the world's default. */
export interface EstateFleet extends FleetSettings {
  subscriptions: FleetSubscription[];
}

export type Fleet = SubscriptionFleet | EstateFleet;

/** The fleet's subscriptions, the default first, whichever form it is written in. */
export function fleetSubscriptions(fleet: Fleet): FleetSubscription[] {
  return fleet.subscriptions ?? [fleet];
}

export interface FleetProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(readonly problems: readonly FleetProblem[]) {
    super(`invalid fleet:\n${problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n')}`);
  }
}

export const DEFAULT_AGENT_VERSION = '2.7.41491.1102';
/** A generated fleet of 10,000 VMs is about 2 MiB; the cap leaves room and bounds what a wrong file costs. */
export const MAX_FLEET_BYTES = 8 * 2 ** 20;
const UNSUPPORTED_IMAGE = /freebsd|openbsd|netbsd|solaris/i;

// From emulator/ in the sources, or dist/emulator/ once compiled.
const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = [join(here, '..', 'schemas', 'fleet.schema.json'), join(here, '..', '..', 'schemas', 'fleet.schema.json')].find((p) => existsSync(p)) ?? '';
// Past this many, more problems tell the user nothing new; and validation stops, so a file of a million bad items ends at once.
export const MAX_FLEET_PROBLEMS = 100;
let validators: { fleet: ValidateFunction; vault: ValidateFunction; vm: ValidateFunction } | undefined;

/**
 * Schema errors, the first MAX_FLEET_PROBLEMS of them. The lists are checked item by item: ajv gathering every
 * error of a long list at once takes time that grows with the square of the errors.
 */
function validate(value: unknown): ErrorObject[] {
  const v = (validators ??= compileValidators());
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    v.fleet(value);
    return v.fleet.errors ?? [];
  }
  const record = value as Record<string, unknown>;
  // The fleet with its lists of vaults and VMs (its own, or each subscription's) empty; their items are checked one by one below.
  const outline = withoutLists(record);
  const owners: [Record<string, unknown>, string][] = [[record, '']];
  if (Array.isArray(record.subscriptions)) {
    outline.subscriptions = record.subscriptions.map((sub: unknown, i) => {
      if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) return sub;
      owners.push([sub as Record<string, unknown>, `/subscriptions/${i}`]);
      return withoutLists(sub as Record<string, unknown>);
    });
  }
  v.fleet(outline);
  const errors = [...(v.fleet.errors ?? [])];
  for (const [owner, at] of owners) {
    for (const [key, check] of [['vaults', v.vault], ['vms', v.vm]] as const) {
      const list = owner[key];
      if (!Array.isArray(list)) continue;
      for (let i = 0; i < list.length && errors.length < MAX_FLEET_PROBLEMS; i++) {
        if (!check(list[i])) errors.push(...(check.errors ?? []).map((e) => ({ ...e, instancePath: `${at}/${key}/${i}${e.instancePath}` })));
      }
    }
  }
  return errors.slice(0, MAX_FLEET_PROBLEMS);
}

function withoutLists(record: Record<string, unknown>): Record<string, unknown> {
  const outline = { ...record };
  for (const key of ['vaults', 'vms']) if (Array.isArray(record[key])) outline[key] = [];
  return outline;
}

function compileValidators(): NonNullable<typeof validators> {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { $id: string };
  const fleet = ajv.compile(schema);
  return { fleet, vault: ajv.getSchema(`${schema.$id}#/$defs/vault`)!, vm: ajv.getSchema(`${schema.$id}#/$defs/vm`)! };
}

/** Parses and validates fleet YAML (or JSON); throws FleetError listing every problem with its position. */
export function parseFleetText(text: string, file: string): Fleet {
  const yaml = parseFleetYaml(text);
  if ('problems' in yaml) throw new FleetError(yaml.problems.map((p) => ({ file, ...p })));
  const { value } = yaml;
  const at = (path: Path, message: string): FleetProblem => ({ file, ...yaml.locate(path), message });
  const problems: FleetProblem[] = [];
  for (const e of validate(value)) {
    // The failed 'if' only repeats what its 'then' branch says.
    if (e.keyword === 'if') continue;
    const path = e.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    let detail = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') detail = `unknown key '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    if (e.keyword === 'not' && e.instancePath === '') detail = 'with subscriptions, each subscription lists its own subscriptionId, vaults and vms: move them from the top into a subscription';
    if (e.keyword === 'enum') detail = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    const where = e.instancePath === '' ? 'fleet' : e.instancePath.slice(1).replace(/\//g, '.');
    problems.push(at(path, `${where}: ${detail}`));
  }
  if (problems.length === MAX_FLEET_PROBLEMS) problems.push(at([], `the first ${MAX_FLEET_PROBLEMS} problems are listed: fix them and check the fleet again`));
  if (problems.length === 0) {
    const fleet = value as Fleet;
    const subscriptions = new Map<string, number>();
    fleetSubscriptions(fleet).forEach((sub, s) => {
      // Where this subscription's lists are: the fleet's own, or under subscriptions.s.
      const base: Path = fleet.subscriptions ? ['subscriptions', s] : [];
      const name = (path: Path) => [...base, ...path].join('.');
      const key = sub.subscriptionId.toLowerCase();
      if (subscriptions.has(key)) problems.push(at(base, `${name([])}: subscription '${sub.subscriptionId}' is already listed (subscriptions.${subscriptions.get(key)})`));
      else subscriptions.set(key, s);
      const seen = new Map<string, number>();
      sub.vms.forEach((vm, i) => {
        const key = `${vm.resourceGroup}/${vm.name}`.toLowerCase();
        if (seen.has(key)) problems.push(at([...base, 'vms', i], `${name(['vms', i])}: VM '${vm.name}' in resource group '${vm.resourceGroup}' is already listed (${name(['vms', seen.get(key)!])})`));
        else seen.set(key, i);
      });
      sub.vms.forEach((vm, i) => {
        const problem = backupFailureProblem(vm);
        if (problem) problems.push(at([...base, 'vms', i, 'backupFailure'], `${name(['vms', i, 'backupFailure'])}: ${problem}`));
      });
      const vaults = new Map<string, number>();
      sub.vaults.forEach((v, i) => {
        const key = `${v.resourceGroup}/${v.name}`.toLowerCase();
        if (vaults.has(key)) problems.push(at([...base, 'vaults', i], `${name(['vaults', i])}: vault '${v.name}' is already listed (${name(['vaults', vaults.get(key)!])})`));
        else vaults.set(key, i);
      });
    });
  }
  if (problems.length) throw new FleetError(problems);
  return value as Fleet;
}

/** Why a VM cannot have its backup failure, or undefined: VSS exists only on Windows. */
export function backupFailureProblem(vm: { name: string; os: 'Windows' | 'Linux'; backupFailure?: BackupFailure }): string | undefined {
  return vm.backupFailure === 'vssFailure' && vm.os !== 'Windows' ? `vssFailure needs a Windows VM (VSS is Windows only); '${vm.name}' runs Linux` : undefined;
}

export function loadFleetFile(file: string): Fleet {
  const source = readTextFile(file, 'fleet', MAX_FLEET_BYTES);
  if ('problem' in source) throw new FleetError([{ file, ...source.problem }]);
  return parseFleetText(source.text, file);
}

/** Validates a fleet given as an object (the same rules as a file, positions omitted). */
export function checkFleetObject(fleet: object): Fleet {
  const problems = validate(fleet).filter((e) => e.keyword !== 'if').map((e) => ({ file: '<fleet>', line: 0, col: 0, message: `${e.instancePath || 'fleet'}: ${e.message}` }));
  if (problems.length === 0) {
    const estate = (fleet as Fleet).subscriptions !== undefined;
    fleetSubscriptions(fleet as Fleet).forEach((sub, s) => {
      sub.vms.forEach((vm, i) => {
        const problem = backupFailureProblem(vm);
        if (problem) problems.push({ file: '<fleet>', line: 0, col: 0, message: `${estate ? `/subscriptions/${s}` : ''}/vms/${i}/backupFailure: ${problem}` });
      });
    });
  }
  if (problems.length) throw new FleetError(problems);
  return fleet as Fleet;
}

/** A stable GUID-shaped id from a string, so a seeded world is the same every time. */
export function stableGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function vmFromFleet(subscriptionId: string, v: FleetVm, createdAt: string): Vm {
  return {
    id: vmArmId(subscriptionId, v.resourceGroup, v.name),
    name: v.name,
    resourceGroup: v.resourceGroup,
    location: v.location,
    os: v.os,
    image:
      v.image ??
      (v.os === 'Windows' ? 'MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest' : 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest'),
    vmSize: v.vmSize ?? (v.os === 'Windows' ? 'Standard_D2s_v3' : 'Standard_B2s'),
    powerState: v.powerState ?? 'running',
    agentVersion: v.agentVersion === null ? undefined : (v.agentVersion ?? DEFAULT_AGENT_VERSION),
    dataDisks: v.dataDisks ?? 0,
    storageSku: v.storageSku ?? 'Standard_LRS',
    dataDiskSku: v.dataDiskSku ?? v.storageSku ?? 'Standard_LRS',
    nics: v.nics ?? 1,
    loadBalancer: v.loadBalancer,
    ...(v.securityType && v.securityType !== 'Standard' ? { securityType: v.securityType } : {}),
    osSupported: v.osSupported ?? !UNSUPPORTED_IMAGE.test(v.image ?? ''),
    ...(v.backupFailure ? { backupFailure: v.backupFailure } : {}),
    tags: v.tags ?? {},
    vmId: stableGuid(`${subscriptionId}/${v.resourceGroup}/${v.name}`.toLowerCase()),
    createdAt,
    extensions: {},
  };
}

/** Fills an empty store from the fleet: vaults with Azure's DefaultPolicy, VMs, faults, the clock's start. */
export function seedWorld(store: Store, fleet: Fleet, opts: { profile?: Profile; nowMs: number }): void {
  store.transaction(() => {
    const createdAt = new Date(opts.nowMs).toISOString();
    const subscriptions = fleetSubscriptions(fleet);
    store.setMeta({
      subscriptionId: subscriptions[0]!.subscriptionId,
      // A world of one subscription is stored as it always was.
      ...(fleet.subscriptions ? { subscriptions: subscriptions.map((s) => s.subscriptionId) } : {}),
      profile: opts.profile ?? fleet.profile ?? 'classic',
      createdAt: opts.nowMs,
    });
    store.setClockOffsetMs(0);
    store.setLastProcessedMs(opts.nowMs);
    store.setFaults(fleet.faults ?? {});
    for (const sub of subscriptions) {
      for (const v of sub.vaults) {
        const vault: Vault = {
          id: `/subscriptions/${sub.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${v.name}`,
          name: v.name,
          resourceGroup: v.resourceGroup,
          location: v.location,
          tags: v.tags ?? {},
          ...(v.discoveryFailure ? { discoveryFailure: true } : {}),
        };
        store.putVault(vault);
        store.putPolicy({ vaultId: vault.id, name: 'DefaultPolicy', properties: defaultPolicyProperties(new Date(opts.nowMs)), createdAt });
      }
      for (const v of sub.vms) store.putVm(vmFromFleet(sub.subscriptionId, v, createdAt));
    }
  });
}
