export { observe, observeJobs, observeProtectedItem, observeVmItem, mapBounded, type ObserveOptions } from './observe.js';
export { observeEstate, type EstateObserveOptions } from './observeEstate.js';
export { type RecoveryPointChoice } from './observe.js';
export { discoverEstate, discoverEstateForDrift, observeVaultForDrift, type DiscoverOptions, type DriftReadOptions } from './discover.js';
