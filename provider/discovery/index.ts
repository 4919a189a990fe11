export { observe, observeJobs, observeProtectedItem, type ObserveOptions } from './observe.js';
export { observeEstate } from './observeEstate.js';
