export { observe, observeJobs, observeJobsInProgress, observeProtectedItem, jobFilterDate, durationSeconds, type ObserveOptions } from './observe.js';
