export { observe, observeJobs, jobFilterDate, durationSeconds, type ObserveOptions } from './observe.js';
