// Selective disk backup: what a protected item's diskExclusionProperties say, checked against the VM's data
// disks, and which disks a backup then holds (the OS disk always, LUN -1 as Azure lists it).
import { ArmErrors } from './errors.js';
import type { DiskExclusion, DiskInfo, Vm } from './model.js';

export const OS_DISK_LUN = -1;

export function osDiskName(vm: Pick<Vm, 'name'>): string {
  return `${vm.name}_OsDisk`;
}

export function dataDiskName(vm: Pick<Vm, 'name'>, lun: number): string {
  return `${vm.name}_DataDisk_${lun}`;
}

/** The fleet's data disks sit at LUN 0 .. dataDisks - 1. */
function dataDiskLuns(vm: Vm): number[] {
  return Array.from({ length: vm.dataDisks }, (_, lun) => lun);
}

/**
 * The exclusion a PUT writes: undefined when the body has none (the item keeps its own), null when it clears
 * it (an exclusion list of no LUN: every disk, which Azure then reports as no exclusion properties).
 */
export function diskExclusionOf(extendedProperties: unknown, vm: Vm | undefined): DiskExclusion | null | undefined {
  if (extendedProperties === undefined || extendedProperties === null) return undefined;
  const props = (extendedProperties as Record<string, unknown>).diskExclusionProperties;
  if (props === undefined) return undefined;
  if (props === null) return null;
  const { diskLunList, isInclusionList } = props as Record<string, unknown>;
  const luns = diskLunList ?? [];
  if (!Array.isArray(luns) || !luns.every((l) => Number.isInteger(l) && l >= 0)) {
    throw ArmErrors.invalidBody('properties.extendedProperties.diskExclusionProperties.diskLunList must be a list of data disk LUNs (integers from 0).');
  }
  if (isInclusionList !== undefined && typeof isInclusionList !== 'boolean') {
    throw ArmErrors.invalidBody('properties.extendedProperties.diskExclusionProperties.isInclusionList must be true or false.');
  }
  if (vm) {
    const have = dataDiskLuns(vm);
    const missing = (luns as number[]).filter((l) => !have.includes(l));
    if (missing.length > 0) throw ArmErrors.invalidDiskLun(vm.name, missing, have);
  }
  const sorted = [...new Set(luns as number[])].sort((a, b) => a - b);
  if (isInclusionList !== true && sorted.length === 0) return null;
  return { diskLunList: sorted, isInclusionList: isInclusionList === true };
}

/** The disks a backup of the VM holds and leaves out under the exclusion. */
export function disksHeld(vm: Vm, exclusion: DiskExclusion): { included: DiskInfo[]; excluded: DiskInfo[] } {
  const listed = new Set(exclusion.diskLunList);
  const included: DiskInfo[] = [{ lun: OS_DISK_LUN, name: osDiskName(vm) }];
  const excluded: DiskInfo[] = [];
  for (const lun of dataDiskLuns(vm)) {
    (listed.has(lun) === exclusion.isInclusionList ? included : excluded).push({ lun, name: dataDiskName(vm, lun) });
  }
  return { included, excluded };
}
