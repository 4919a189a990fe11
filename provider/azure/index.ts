export {
  openTarget,
  resolveTarget,
  type Target,
  type TargetOptions,
  type ResolvedTarget,
  type ClientSecret,
  type TargetClients,
  type TargetTiming,
  type Profile,
} from './target.js';
export { CallCounter, diffCalls, countWrites, isWrite, operationName, type ApiCallCounter, type CallCounts } from './callCounter.js';
export { classifyError, azureError, remedyFor, isTransient, parseRetryAfter, ClassifiedAzureError, REMEDIES } from './errors.js';
export { Pacer, ARM_SUBSCRIPTION_BUCKETS, paceSince, paceTotal, requestKind, subscriptionOf, type PaceCounts, type PaceSnapshot } from './pacing.js';
export { withRetry, DEFAULT_RETRY, type RetryOptions } from './retry.js';
export { policyToAzure, policyFromAzure, canonicalTime, WEEK_DAYS, WEEKS_OF_MONTH, MONTHS } from './policyMapping.js';
export {
  FABRIC,
  IAAS_VM_FILTER,
  BACKUP_EXTENSION_PUBLISHER,
  backupExtensionType,
  call,
  deletePolicy,
  deleteProtectedItem,
  installBackupExtension,
  protectVm,
  stopProtectionRetainingData,
  undeleteProtectedItem,
  writePolicy,
  jobError,
  jobErrorCode,
  operationIdFromUrl,
  putPolicy,
  putProtectedItem,
  readBackupStatus,
  refreshContainers,
  registerContainer,
  triggerBackup,
  unregisterContainer,
  waitForJob,
  type ItemRef,
  type OperationOutcome,
  type VaultRef,
  type VmBackupStatus,
  type WaitOptions,
} from './operations.js';
export { listAll, type Pager, type PagerSource } from './paging.js';
export { writeVaultSettings } from './vaultSettings.js';
export { startEmbeddedEmulator, openEmbeddedEmulatorState } from './embedded.js';
export { toVm, toProtectedItem, toPolicy, toJob, durationSeconds, type VmRecord } from './mapping.js';
export {
  readVault,
  listVms,
  listVmAgentFacts,
  readVmAgentFacts,
  type VmAgentFacts,
  readVm,
  listProtectableVmIds,
  listRegisteredVmIds,
  readRegistration,
  listProtectedItems,
  readProtectedItem,
  readRecoveryPoints,
  listPolicies,
  readPolicy,
  listJobs,
  jobFilterDate,
} from './reads.js';
export { queryEstate, queryVms, pageRows, parseQuotaResetsAfter, VM_FACTS_NOT_IN_RESOURCE_GRAPH, type Estate, type EstateVm, type InVault } from './resourceGraph.js';
export { RESOURCE_GRAPH_API_VERSION } from './target.js';
