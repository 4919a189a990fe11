// The vmbackup Pulumi package for TypeScript programs: `import * as vmbackup from 'vmbackup/pulumi'`.
export { Provider, type ProviderArgs } from './provider.js';
export { Policy, type PolicyArgs } from './policy.js';
export { VmProtection, type VmProtectionArgs } from './vmProtection.js';
export { ProtectionSet, type ProtectionSetArgs } from './protectionSet.js';
export {
  getVirtualMachines,
  getVirtualMachinesOutput,
  getDrift,
  type GetVirtualMachinesArgs,
  type GetVirtualMachinesResult,
  type GetDriftArgs,
  type GetDriftResult,
} from './functions.js';
export type { PolicySchedule, PolicyRetention, VmSelector, VirtualMachine, DriftFinding, DriftCoverage, DriftExemption, EstateScope, EstateVault, WeekDay } from './types.js';
export type { DiskSelection } from './types.js';
