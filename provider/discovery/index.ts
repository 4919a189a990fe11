export { observe, observeJobs, type ObserveOptions } from './observe.js';
