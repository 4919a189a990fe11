export { observe, observeJobs, observeJobsInProgress, jobFilterDate, durationSeconds, type ObserveOptions } from './observe.js';
