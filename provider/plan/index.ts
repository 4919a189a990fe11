export { planProtection, type PlanOptions } from './planProtection.js';
export { isActive, isStopped, itemPolicyName, protectedWith, registeredWithExtension, findItem, findPolicy, itemVm, policyChoice } from './observed.js';
export {
  selectVms,
  resolveDeclarations,
  findConflicts,
  rulesSelectingNothing,
  pickMatches,
  selectorMatches,
  declaresVm,
  everyPickFound,
  vmOrder,
  undeclaredItems,
  type SelectOptions,
  type DeclaredVm,
  type MissingPick,
  type Declarations,
} from './selectVms.js';
export {
  preflight,
  agentFindings,
  preflightFinding,
  policyChangeFindings,
  diskFindings,
  enhancedPolicyReason,
  type PreflightContext,
  type PolicyChoice,
  compareVersions,
  unsupportedOsReason,
  jobsInProgress,
  PREFLIGHT_REMEDIES,
  PREFLIGHT_AZURE_CODES,
} from './preflight.js';
export { fingerprintObservation } from './fingerprint.js';
export { samePolicySettings, normalizePolicySettings, describePolicySettings, diffPolicySettings } from './policySettings.js';
export { unaskedDataDeletions, unaskedSettingChanges } from './dataDeletions.js';
export { vaultSettingChanges, describeSettingChange, weakeningChanges } from './vaultSettings.js';
export {
  compareProtection,
  type Comparison,
  type CompareOptions,
  type ComparedPolicy,
  type ComparedVm,
  type ComparedMissingVm,
  type ComparedStop,
  type ComparedRegistration,
  type ComparedUndeclared,
  type DeclaredState,
} from './compare.js';
export {
  planEstate,
  resolveEstate,
  splitEstatePlan,
  vaultKey,
  subscriptionOf,
  exemptionMatches,
  VAULT_LIMITS,
  type EstateResolution,
  type EstateSlice,
  type UnroutedVm,
} from './estate.js';
