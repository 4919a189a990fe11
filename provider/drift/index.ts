export { detectEstateDrift } from './estateDrift.js';
export { detectDrift, maxBackupGapHours, DEFAULT_GRACE_HOURS, type DriftOptions } from './detectDrift.js';
export { buildDashboard } from './buildDashboard.js';
export { judgesConsistency, needsRecoveryPoints } from './healthRules.js';
export { DRIFT_REMEDIES, remedyForAzureCode } from './remedies.js';
