// A saved plan is input like any other: it is checked against schemas/plan.schema.json before apply trusts it.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PLAN_FORMAT_VERSION, type Diagnostic } from '../core/index.js';
import { packagePath } from '../core/packagePath.js';

let validate: ((value: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;

export function validatePlanDocument(value: unknown, file: string): Diagnostic[] {
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    return [{
      severity: 'error',
      code: 'UnsupportedPlanVersion',
      message: `${file}: plan formatVersion ${JSON.stringify(version)} is not ${PLAN_FORMAT_VERSION}`,
      remedy: 'make the plan again with this version of vmbackup',
    }];
  }
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(packagePath('schemas', 'plan.schema.json'), 'utf8')));
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({
    severity: 'error' as const,
    code: 'InvalidPlan',
    message: `${file}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    path: e.instancePath,
    remedy: 'do not edit saved plans by hand; make the plan again with `vmbackup plan --out`',
  }));
}
