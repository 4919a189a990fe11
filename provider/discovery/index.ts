export { observe, observeJobs, observeProtectedItem, jobFilterDate, durationSeconds, type ObserveOptions } from './observe.js';
