// Loads a schema of schemas/ into ajv (draft 2020-12) and validates documents the way consumers read them: as JSON text.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function schemaValidator(file: string): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (doc) => {
    const ok = validate(JSON.parse(JSON.stringify(doc)));
    return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  };
}
