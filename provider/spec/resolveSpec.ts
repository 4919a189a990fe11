// The spec pipeline: YAML with positions -> JSON Schema -> rules -> ResolvedSpec. Every problem is collected;
// a spec comes back only when there is no error.
import { createHash } from 'node:crypto';
import type { Diagnostic, PolicySettings, ResolvedSpec } from '../core/index.js';
import type { Profile } from './limits.js';
import { normalizeSpec, policyFromWritten } from './normalize.js';
import { checkPolicy } from './policyRules.js';
import { createReporter } from './reporter.js';
import { validatePolicySchema, validateSpecSchema } from './schema.js';
import { readSourceFile } from './sourceFile.js';
import { checkSpec } from './specRules.js';
import type { WrittenPolicy, WrittenSpec } from './writtenSpec.js';
import { noLocation, parseYaml } from './yamlSource.js';

export interface ResolveSpecOptions {
  /** Limits to check policies against; default: accept what any profile accepts (the target's profile is checked later). */
  readonly profile?: Profile;
}

export interface SpecResult {
  /** Absent when any diagnostic is an error. */
  readonly spec?: ResolvedSpec;
  readonly diagnostics: readonly Diagnostic[];
}

export async function resolveSpecFile(path: string, opts: ResolveSpecOptions = {}): Promise<SpecResult> {
  const source = await readSourceFile(path, 'spec');
  if ('diagnostic' in source) return { diagnostics: [source.diagnostic] };
  return resolveSpecText(source.text, path, opts);
}

/** `file` is the name diagnostics and the ResolvedSpec carry. */
export function resolveSpecText(text: string, file: string, opts: ResolveSpecOptions = {}): SpecResult {
  const yaml = parseYaml(text, file);
  if (yaml.value === undefined) return { diagnostics: yaml.diagnostics };

  const reporter = createReporter(yaml.locate);
  validateSpecSchema(yaml.value, reporter);
  checkSpec(yaml.value, { reporter, ...(opts.profile ? { profile: opts.profile } : {}) });

  const diagnostics = byPlace([...yaml.diagnostics, ...reporter.diagnostics]);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return { spec: normalizeSpec(yaml.value as WrittenSpec, file, digest, yaml.locate), diagnostics };
}

export interface ValidatePolicyOptions {
  readonly profile?: Profile;
  /** Prefix of every diagnostic's path, e.g. "policy"; default none ("retention.daily"). */
  readonly path?: string;
}

/** Checks one policy object given on its own (a resource input), with the same schema and rules as in a spec. */
export function validatePolicyInput(value: unknown, opts: ValidatePolicyOptions = {}): { policy?: PolicySettings; diagnostics: Diagnostic[] } {
  const reporter = createReporter(noLocation, opts.path ?? '');
  validatePolicySchema(value, reporter);
  if (reporter.clean([])) checkPolicy(value as WrittenPolicy, [], { reporter, ...(opts.profile ? { profile: opts.profile } : {}) });
  const { diagnostics } = reporter;
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { policy: policyFromWritten(value as WrittenPolicy), diagnostics };
}

/** In the order a reader meets them in the file; the sort is stable, so one place keeps its order of discovery. */
function byPlace(diagnostics: Diagnostic[]): Diagnostic[] {
  const position = (d: Diagnostic) => (d.location ? d.location.line * 1e6 + d.location.col : 0);
  return diagnostics.sort((a, b) => position(a) - position(b));
}
