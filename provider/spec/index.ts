// provider/spec: the declarative spec, from YAML to ResolvedSpec with located diagnostics.
export { resolveSpecFile, resolveSpecText, validatePolicyInput } from './resolveSpec.js';
export type { ResolveSpecOptions, SpecResult, ValidatePolicyOptions } from './resolveSpec.js';
export { policyFromWritten } from './normalize.js';
export { loadSpecSchema, TIME_ZONES } from './schema.js';
export { profileLimits } from './limits.js';
export type { Profile, ProfileLimits, Range } from './limits.js';
export type { WrittenPolicy, WrittenSpec } from './writtenSpec.js';
export { readSourceFile, MAX_SOURCE_BYTES } from './sourceFile.js';
