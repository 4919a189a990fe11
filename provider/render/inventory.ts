// Tables for `vmbackup discover` and `vmbackup jobs`.
import { azureCodeRemedy, describeDisks, describeOtherVault, parseArmId, sameArmId, vmLabel, vmLabelOfId, type ObservedJob, type Observation, type ObservedVm, type PreflightFinding } from '../core/index.js';
import { colors, plural, shortTime, table as compactTable } from './format.js';

const VM_DELETED = 'VmDeleted';

function table(head: string[]) {
  return compactTable(head, colors(false));
}

/**
 * The VMs a vault sees, with what stands in the way of protecting each (`preflight`, by VM id) and, once per
 * finding, the guide's remedy.
 */
export function renderVms(obs: Observation, preflight: ReadonlyMap<string, readonly PreflightFinding[]> = new Map()): string {
  const t = table(['VM', 'Region', 'Power', 'Agent', 'Registered', 'Protection', 'Policy', 'Disks', 'Pre-flight']);
  const vms = [...obs.vms].sort((a, b) => a.resourceGroup.localeCompare(b.resourceGroup) || a.name.localeCompare(b.name));
  const remedies = new Map<string, string>();
  for (const vm of vms) {
    const item = obs.protectedItems.find((p) => sameArmId(p.vmId, vm.id));
    const protection = item ? item.protectionState : protectionElsewhere(vm, obs.vault.location);
    const findings = preflight.get(vm.id.toLowerCase()) ?? [];
    for (const f of findings) remedies.set(f.code, f.remedy);
    const checks = findings.length ? findings.map((f) => f.code).join(', ') : 'ok';
    const disks = item ? describeDisks(item.disks) : '';
    t.push([vmLabel(vm.resourceGroup, vm.name), vm.location, vm.powerState, vm.agentVersion ?? 'missing', vm.registered ? 'yes' : 'no', protection, item?.policyName ?? '', disks, checks]);
  }
  // Items whose VM was deleted: their recovery points are still in the vault, and their protection should stop.
  const orphans = obs.protectedItems.filter((p) => !obs.vms.some((vm) => sameArmId(p.vmId, vm.id)));
  for (const item of orphans) {
    const state = item.softDeleted ? `${item.protectionState} (soft-deleted)` : item.protectionState;
    t.push([vmLabelOfId(item.vmId, parseArmId(item.vmId).virtualmachines ?? item.friendlyName), '', 'VM deleted', '', 'yes', state, item.policyName ?? '', describeDisks(item.disks), VM_DELETED]);
  }
  if (orphans.length > 0) remedies.set(VM_DELETED, azureCodeRemedy('UserErrorVmNotFoundV2')!);
  const protectedCount = obs.protectedItems.filter((p) => p.protectionState !== 'ProtectionStopped').length;
  const fixes = [...remedies].map(([code, remedy]) => `  ${code}: ${remedy}`);
  const deleted = orphans.length ? `, ${plural(orphans.length, 'protected item')} of deleted VMs` : '';
  return `Vault ${obs.vault.name} (${obs.vault.location}): ${plural(obs.vms.length, 'VM')}, ${protectedCount} protected${deleted}.\n${t.toString()}\n${fixes.length ? `Pre-flight remedies:\n${fixes.join('\n')}\n` : ''}`;
}

/** What protects a VM this vault does not: another vault ("Protected by vault rg/name"), or nothing. */
function protectionElsewhere(vm: ObservedVm, vaultLocation: string): string {
  if (vm.otherVault) {
    const where = describeOtherVault(vm.otherVault);
    return `${where[0].toUpperCase()}${where.slice(1)}`;
  }
  return vm.location.toLowerCase() === vaultLocation.toLowerCase() ? 'NotProtected' : 'other region';
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function renderJobs(jobs: readonly ObservedJob[]): string {
  if (jobs.length === 0) return 'No jobs in this window.\n';
  const t = table(['Job', 'Operation', 'Status', 'VM', 'Start', 'Duration', 'Error']);
  const sorted = [...jobs].sort((a, b) => b.startTime.localeCompare(a.startTime));
  for (const j of sorted) {
    const err = j.errors[0];
    t.push([j.name, j.operation, j.status, vmLabelOfId(j.vmId, j.vmName), shortTime(j.startTime), duration(j.durationSeconds), err ? `${err.code}: ${err.message}` : '']);
  }
  const remedies = sorted.flatMap((j) => j.errors.filter((e) => e.recommendations.length > 0).map((e) => `  ${vmLabelOfId(j.vmId, j.vmName)} ${e.code}: ${e.recommendations.join(' ')}`));
  return `${t.toString()}\n${plural(jobs.length, 'job')}.${remedies.length ? `\nRemedies:\n${[...new Set(remedies)].join('\n')}` : ''}\n`;
}
