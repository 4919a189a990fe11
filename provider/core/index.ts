export * from './spec.js';
export * from './observation.js';
export * from './plan.js';
export * from './drift.js';
export * from './errors.js';
export * from './armId.js';
export * from './remedies.js';
export * from './supportMatrix.js';
