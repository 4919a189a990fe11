// What the view tests share: where artifacts go, and the two SARIF checks (Microsoft's validator, the schema).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);

export const ARTIFACTS = resolve('test-artifacts', 'render');

export function writeArtifact(name: string, text: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name);
  writeFileSync(file, text);
  return file;
}

export interface ValidatorIssue {
  readonly ruleId: string;
  readonly level: string;
  readonly message: string;
}

/**
 * Runs Microsoft's SARIF validator with its SARIF rules and GitHub's ingestion rules ("Gh"), and returns
 * what it reports. The validator is a .NET single-file build: invariant globalization spares it ICU.
 */
export function sarifMultitoolValidate(file: string): ValidatorIssue[] {
  const binary = require('@microsoft/sarif-multitool') as string;
  const out = `${file}.validation.sarif`;
  const run = spawnSync(binary, ['validate', file, '--rule-kind', 'Sarif;Gh', '--output', out, '--log', 'ForceOverwrite', '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`sarif-multitool validate exited ${run.status}: ${run.stderr}${run.stdout}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as {
    runs: { tool: { driver: { rules?: { id: string; defaultConfiguration?: { level?: string } }[] } }; results?: { ruleId: string; level?: string; message: { text?: string; id?: string; arguments?: string[] } }[] }[];
  };
  const run0 = log.runs[0];
  const defaults = new Map((run0.tool.driver.rules ?? []).map((r) => [r.id, r.defaultConfiguration?.level ?? 'warning']));
  return (run0.results ?? []).map((r) => ({
    ruleId: r.ruleId,
    level: r.level ?? defaults.get(r.ruleId) ?? 'warning',
    message: r.message.text ?? [r.message.id, ...(r.message.arguments ?? [])].join(' '),
  }));
}

let schemaValidator: ReturnType<Ajv2020['compile']> | undefined;

/** Validates against the SARIF 2.1.0 JSON Schema the validator's own package ships. */
export function sarifSchemaErrors(text: string): string[] {
  if (!schemaValidator) {
    const schemaFile = join(require.resolve('@microsoft/sarif-multitool-linux/package.json'), '..', 'sarif-2.1.0.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    schemaValidator = ajv.compile(schema);
  }
  const ok = schemaValidator(JSON.parse(text));
  return ok ? [] : (schemaValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
