// What to do about each kind of drift, written once. Remedies for Azure Backup error codes follow the
// troubleshooting guides; an unknown code falls back to reading the failed job's own recommendation.
import { azureCodeRemedy, OTHER_VAULT_REMEDY, type DriftCategory } from '../core/index.js';

const READ_FAILED_JOB = 'Read the failed job (`vmbackup jobs --status Failed`), fix the cause it names, then let the next scheduled backup run.';

export const DRIFT_REMEDIES: Readonly<Record<DriftCategory, string>> = {
  declaredUnprotected: 'Run `vmbackup apply` to register and protect the VM.',
  protectedByOtherVault: OTHER_VAULT_REMEDY,
  wrongPolicy: 'Run `vmbackup apply` to assign the declared policy, or change the rule if the new policy is intended.',
  disksChanged:
    "Run `vmbackup apply` to restore the rule's disk selection, or write the new selection into the rule's `disks:` if it is intended.",
  policyMissing: 'Run `vmbackup apply` to create the policy in the vault.',
  policyChanged: 'Run `vmbackup apply` to restore the declared settings, or write the new settings into the spec if they are intended.',
  protectionStopped:
    'Run `vmbackup apply` to resume protection (the retained recovery points are kept), or list the VM under stopProtection if it should stay stopped.',
  undeclaredProtected:
    'Declare the VM in a rule, list it under stopProtection, or set `undeclared: stop` so that protections no rule declares are stopped (data retained).',
  protectionError: READ_FAILED_JOB,
  lastBackupFailed: READ_FAILED_JOB,
  recoveryPointOverdue:
    "Check the VM's recent backup jobs (`vmbackup jobs --since 48h`): the VM agent must be Ready and the VM able to reach Azure for the scheduled backup to run.",
  consistencyDegraded: 'Keep the VM running at the backup time, with its VM agent Ready, so the extension can quiesce the guest before the snapshot.',
  noVault: "Declare a vault of the VM's subscription and region under vaults: (backups stay in the VM's region), or exclude the VM from the rule.",
  uncovered: 'Declare the VM in a rule so that a vault protects it, or list it under exempt: with the reason it needs no backup.',
  exemptionUnused: 'Remove the exemption, or correct its picks and selector: it matches no VM in scope.',
  vaultSettings:
    "Run `vmbackup apply` to write the declared setting back (a weaker one needs --allow-weaker-vault-settings), or write the vault's value in the spec if the change is intended.",
};

/** The remedy for an Azure Backup error code, or `fallback` for a code the guides do not cover. */
export function remedyForAzureCode(code: string | undefined, fallback: string): string {
  return azureCodeRemedy(code) ?? fallback;
}
