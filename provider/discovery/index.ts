export { observe, observeJobs, observeProtectedItem, type ObserveOptions, type RecoveryPointChoice } from './observe.js';
export { observeEstate, type EstateObserveOptions } from './observeEstate.js';
