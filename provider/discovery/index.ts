export { observe, jobFilterDate, durationSeconds, type ObserveOptions } from './observe.js';
