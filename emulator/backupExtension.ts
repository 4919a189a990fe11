// The backup extension Azure Backup installs on a VM through its agent: VMSnapshot on Windows,
// VMSnapshotLinux on Linux, published by Microsoft.Azure.RecoveryServices.
import type { OsType, Vm } from './model.js';
import { hasBackupExtension } from './preconditions.js';

export const BACKUP_EXTENSION_PUBLISHER = 'Microsoft.Azure.RecoveryServices';

export function backupExtensionType(os: OsType): 'VMSnapshot' | 'VMSnapshotLinux' {
  return os === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux';
}

/** The VM with its backup extension installed; the same VM when it already has one. */
export function withBackupExtension(vm: Vm): Vm {
  if (hasBackupExtension(vm)) return vm;
  const type = backupExtensionType(vm.os);
  const extension = { name: type, publisher: BACKUP_EXTENSION_PUBLISHER, type, typeHandlerVersion: '1.0', autoUpgradeMinorVersion: true, provisioningState: 'Succeeded' as const };
  return { ...vm, extensions: { ...vm.extensions, [type]: extension } };
}
