export { observe, observeJobs, observeProtectedItem, type ObserveOptions } from './observe.js';
