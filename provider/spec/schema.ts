// The spec's JSON Schema (schemas/spec.schema.json) compiled with ajv, and ajv's errors turned into located diagnostics.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import specSchema from '../../schemas/spec.schema.json' with { type: 'json' };
import { didYouMean } from './didYouMean.js';
import type { Finding, Reporter } from './reporter.js';
import { formatPath, pathFromPointer, type Path } from './yamlSource.js';

type SchemaObject = { [key: string]: unknown };

const SCHEMA = specSchema as SchemaObject & { $id: string; $defs: Record<string, SchemaObject> };

/** The spec's JSON Schema (draft 2020-12), as editors and other layers see it. */
export function loadSpecSchema(): Readonly<Record<string, unknown>> {
  return structuredClone(SCHEMA);
}

/** Windows time zone ids Azure Backup accepts. */
export const TIME_ZONES: readonly string[] = SCHEMA.$defs.timeZone.enum as string[];

/** The schema's pattern for a kind of name, so that names inside ARM ids follow the same rule. */
export function namePattern(def: 'resourceGroupName' | 'vmName'): RegExp {
  return new RegExp(String(SCHEMA.$defs[def].pattern), 'u');
}

let validators: { spec: ValidateFunction; policy: ValidateFunction; defs: Map<unknown, string> } | undefined;

function compile(): NonNullable<typeof validators> {
  if (validators) return validators;
  // verbose: errors carry the schema object they failed, which tells a time from a name from a time zone.
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  addFormatsModule.default(ajv, ['uuid']);
  const spec = ajv.compile(SCHEMA);
  const policy = ajv.getSchema(`${SCHEMA.$id}#/$defs/policyInput`);
  if (!policy) throw new Error('spec schema has no $defs/policyInput');
  const defs = new Map<unknown, string>(Object.entries(SCHEMA.$defs).map(([name, def]) => [def, name]));
  validators = { spec, policy, defs };
  return validators;
}

/** Validates a whole spec; each ajv error becomes a diagnostic on the YAML node it concerns. */
export function validateSpecSchema(value: unknown, reporter: Reporter): void {
  const { spec } = compile();
  if (!spec(value)) reportAjvErrors(spec.errors ?? [], value, reporter, 'the spec');
}

/** Validates one policy object given on its own (a resource input). */
export function validatePolicySchema(value: unknown, reporter: Reporter): void {
  const { policy } = compile();
  if (!policy(value)) reportAjvErrors(policy.errors ?? [], value, reporter, 'the policy');
}

/** `subject` names the root in messages: "the spec is missing ...". */
function reportAjvErrors(errors: readonly ErrorObject[], value: unknown, reporter: Reporter, subject: string): void {
  const { defs } = compile();
  const seen = new Set<string>();
  for (const finding of formFindings(errors, value)) reporter.report(finding);
  for (const error of errors.filter((e) => !isFormError(e))) {
    const path = pathFromPointer(error.instancePath, value);
    const finding = describe(error, path, valueAt(value, path), defs.get(error.parentSchema), subject);
    const key = `${finding.code}|${formatPath(finding.path)}|${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reporter.report(finding);
  }
}

/** The root's choice between the one-vault form and the estate form (the schema's oneOf and dependentSchemas). */
function isFormError(error: ErrorObject): boolean {
  return error.schemaPath.startsWith('#/oneOf') || error.schemaPath.startsWith('#/dependentSchemas');
}

/** One finding for the form instead of the schema's alternatives: which keys are missing, or which two forms are mixed. */
function formFindings(errors: readonly ErrorObject[], value: unknown): Finding[] {
  if (!errors.some(isFormError) || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const has = (key: string) => Object.prototype.hasOwnProperty.call(value, key);
  if (has('target') && (has('scope') || has('vaults'))) {
    return [{
      code: 'MixedSpecForms',
      message: `the spec has both target: and ${has('scope') ? 'scope' : 'vaults'}: target: is the one-vault form, scope: with vaults: the estate form`,
      path: [has('scope') ? 'scope' : 'vaults'],
      at: 'key' as const,
      remedy: 'keep target: for one vault, or replace it with scope: and vaults: for several',
    }];
  }
  if (has('scope') || has('vaults')) {
    const missing = has('scope') ? 'vaults' : 'scope';
    return [{ code: 'MissingKey', message: `the spec is missing "${missing}": an estate declares scope: and vaults: together`, path: [], remedy: `add ${missing}:` }];
  }
  if (has('target')) return [];
  return [{
    code: 'MissingKey',
    message: 'the spec is missing "target": name one vault with target:, or an estate with scope: and vaults:',
    path: [],
    remedy: 'add target: { subscriptionId, vault: { resourceGroup, name } }, or scope: and vaults:',
  }];
}

function describe(error: ErrorObject, path: Path, actual: unknown, def: string | undefined, subject: string): Finding {
  const where = formatPath(path) || subject;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      const allowed = allowedKeys(error.parentSchema as SchemaObject);
      const hint = key === '<<' ? 'YAML merge keys are not supported: write the keys out, or alias a whole value' : didYouMean(key, allowed);
      return {
        code: 'UnknownKey',
        message: `unknown key "${key}" in ${where}`,
        path: [...path, key],
        at: 'key' as const,
        contained: true,
        remedy: [hint, `allowed: ${allowed.join(', ')}`].filter(Boolean).join('; '),
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { code: 'MissingKey', message: `${where} is missing "${key}"`, path, remedy: `add ${key}:` };
    }
    case 'type': {
      const remedy = def === 'timeOfDay' ? 'quote it: "HH:MM"' : path.length === 0 ? 'a spec starts with apiVersion: vmbackup/v1' : undefined;
      return {
        code: 'WrongType',
        message: `${where} must be ${typeName(String(params.type))}, not ${describeValue(actual)}`,
        path,
        ...(remedy ? { remedy } : {}),
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      if (def === 'timeZone') {
        const hint = typeof actual === 'string' ? didYouMean(actual, allowed) : undefined;
        return {
          code: 'UnknownTimeZone',
          message: `${where}: ${describeValue(actual)} is not a Windows time zone id`,
          path,
          remedy: hint ?? 'Azure Backup takes Windows time zone ids such as "UTC" or "W. Europe Standard Time"',
        };
      }
      const hint = typeof actual === 'string' ? didYouMean(actual, allowed) : undefined;
      return {
        code: 'InvalidValue',
        message: `${where} must be one of ${allowed.join(', ')}, not ${describeValue(actual)}`,
        path,
        ...(hint ? { remedy: hint } : {}),
      };
    }
    case 'const':
      return {
        code: path.length === 1 && path[0] === 'apiVersion' ? 'UnsupportedApiVersion' : 'InvalidValue',
        message: `${where} must be ${JSON.stringify(params.allowedValue)}, not ${describeValue(actual)}`,
        path,
        remedy: `write ${String(path.at(-1))}: ${String(params.allowedValue)}`,
      };
    case 'pattern':
      if (def === 'timeOfDay') {
        return {
          code: 'InvalidTime',
          message: `${where}: ${describeValue(actual)} is not a time of day`,
          path,
          remedy: 'write "HH:MM", 24-hour, e.g. "22:30"',
        };
      }
      return {
        code: 'InvalidName',
        message: `${where}: ${describeValue(actual)} is not a valid ${nameKind(def)}`,
        path,
        remedy: String((error.parentSchema as SchemaObject | undefined)?.description ?? `match ${String(params.pattern)}`).replace(/\.$/, ''),
      };
    case 'format':
      return {
        code: 'InvalidSubscriptionId',
        message: `${where}: ${describeValue(actual)} is not a subscription id`,
        path,
        remedy: 'a subscription id is a GUID, e.g. 6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f',
      };
    case 'minimum':
      return { code: 'OutOfRange', message: `${where} must be at least ${String(params.limit)}, not ${describeValue(actual)}`, path };
    case 'maximum':
      return { code: 'OutOfRange', message: `${where} must be at most ${String(params.limit)}, not ${describeValue(actual)}`, path };
    case 'minItems':
      return { code: 'EmptyList', message: `${where} must not be empty`, path, remedy: 'list at least one value, or remove the key' };
    case 'minLength':
      return { code: 'EmptyString', message: `${where} must not be empty`, path };
    case 'uniqueItems':
      return {
        code: 'DuplicateItem',
        message: `${where} lists ${describeValue((actual as unknown[])[Number(params.i)])} twice`,
        path: [...path, Number(params.i)],
        remedy: 'list each value once',
      };
    default:
      return { code: 'SchemaViolation', message: `${where} ${error.message ?? 'is invalid'}`, path };
  }
}

/** Keys a schema object allows, following local $refs (a policy's fields live in $defs/policyFields). */
function allowedKeys(schema: SchemaObject | undefined): string[] {
  const keys: string[] = [];
  for (let current = schema; current; ) {
    keys.push(...Object.keys((current.properties as SchemaObject | undefined) ?? {}));
    const ref = current.$ref;
    current = typeof ref === 'string' && ref.startsWith('#/$defs/') ? SCHEMA.$defs[ref.slice('#/$defs/'.length)] : undefined;
  }
  return [...new Set(keys)].sort((a, b) => a.localeCompare(b));
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    current = current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[segment] : undefined;
  }
  return current;
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
  };
  return names[type] ?? type;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function nameKind(def: string | undefined): string {
  const kinds: Record<string, string> = {
    policyName: 'policy name',
    ruleName: 'rule name',
    vaultName: 'vault name',
    resourceGroupName: 'resource group name',
    vmName: 'VM name',
  };
  return (def && kinds[def]) ?? 'name';
}
