export {
  applyPlan,
  DEPENDENCY_FAILED,
  type ApplyOptions,
  type ApplyEvent,
  type ApplyPhase,
  type ApplyResult,
  type ActionResult,
  type ActionStatus,
} from './applyPlan.js';
export { lockVault, runtimeDir, type VaultLock, type VaultLockOptions } from './vaultLock.js';
export { applyEstatePlan, type EstateApplyOptions } from './applyEstate.js';
