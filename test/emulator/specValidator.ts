// Validates emulator responses against the Azure REST API specifications (OpenAPI 2.0) with ajv.
// $refs resolve across files; a `discriminator` base referenced from a property or a list validates
// the derived definition its discriminator value names (x-ms-discriminator-value or the definition name).
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The subset of the official specifications the tests validate against, copied into the repository (MIT, see its SOURCES.md). */
export const SPEC_ROOT = join(import.meta.dirname, '..', 'azure-rest-api');

const SPEC_FILES = {
  backup: 'recoveryservicesbackup/resource-manager/Microsoft.RecoveryServices/stable/2023-06-01/bms.json',
  vaults: 'recoveryservices/resource-manager/Microsoft.RecoveryServices/stable/2023-04-01/vaults.json',
  compute: 'compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-07-01/virtualMachine.json',
  graph: 'resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json',
} as const;

type Json = Record<string, any>;

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'examples') out.push(...listJson(p));
    } else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

interface Operation {
  readonly method: string;
  readonly segments: readonly (string | null)[];
  readonly responses: Json;
  readonly fileUrl: string;
  readonly apiVersion: string;
  readonly operationId: string;
}

export interface SpecProblem {
  readonly request: string;
  readonly status: number;
  readonly problem: string;
}

export class SpecValidator {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly polyOf = new Map<string, string>();

  constructor(root = SPEC_ROOT) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
    // Azure writes fractional seconds (PT12.4272909S), which ajv-formats' duration rejects.
    this.ajv.addFormat('duration', /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/);
    for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'arm-id', 'base64url', 'unixtime']) this.ajv.addFormat(f, true);
    const docs = new Map<string, Json>();
    for (const file of listJson(root)) docs.set(pathToFileURL(file).href, JSON.parse(readFileSync(file, 'utf8')) as Json);
    widenKnownGaps(docs, root);
    this.preparePolymorphism(docs);
    for (const [url, doc] of docs) {
      const schema: Json = { $id: url, definitions: doc.definitions ?? {}, parameters: doc.parameters ?? {} };
      sanitize(schema);
      this.ajv.addSchema(schema);
    }
    for (const [api, rel] of Object.entries(SPEC_FILES)) {
      const url = pathToFileURL(join(root, rel)).href;
      const doc = docs.get(url)!;
      const apiVersion = doc.info.version as string;
      for (const [path, item] of Object.entries(doc.paths as Json)) {
        for (const [method, op] of Object.entries(item as Json)) {
          if (method === 'parameters') continue;
          this.operations.push({
            method: method.toUpperCase(),
            segments: path
              .split('/')
              .filter(Boolean)
              .map((s) => (s.startsWith('{') ? null : s.toLowerCase())),
            responses: (op as Json).responses,
            fileUrl: url,
            apiVersion,
            operationId: `${api}:${(op as Json).operationId}`,
          });
        }
      }
    }
  }

  /** Adds `Name__poly` wrappers for discriminator bases and points non-allOf references at them. */
  private preparePolymorphism(docs: Map<string, Json>): void {
    const key = (url: string, name: string) => `${url}#/definitions/${name}`;
    const resolve = (fromUrl: string, ref: string) => {
      const [file, pointer] = ref.split('#');
      const url = file ? new URL(file, fromUrl).href : fromUrl;
      return `${url}#${pointer}`;
    };
    const defs = new Map<string, Json>();
    const parents = new Map<string, string[]>();
    for (const [url, doc] of docs) {
      for (const [name, def] of Object.entries((doc.definitions ?? {}) as Json)) {
        defs.set(key(url, name), def as Json);
        for (const part of ((def as Json).allOf ?? []) as Json[]) {
          if (part.$ref) parents.set(key(url, name), [...(parents.get(key(url, name)) ?? []), resolve(url, part.$ref)]);
        }
      }
    }
    const isDescendant = (child: string, base: string): boolean => (parents.get(child) ?? []).some((p) => p === base || isDescendant(p, base));
    for (const [url, doc] of docs) {
      for (const [name, def] of Object.entries((doc.definitions ?? {}) as Json)) {
        const prop = (def as Json).discriminator;
        if (typeof prop !== 'string') continue;
        const base = key(url, name);
        const cases: Json[] = [];
        const values: string[] = [(def as Json)['x-ms-discriminator-value'] ?? name];
        for (const [childKey, child] of defs) {
          if (!isDescendant(childKey, base)) continue;
          const value = child['x-ms-discriminator-value'] ?? childKey.slice(childKey.lastIndexOf('/') + 1);
          values.push(value);
          cases.push({ if: { properties: { [prop]: { const: value } }, required: [prop] }, then: { $ref: childKey } });
        }
        doc.definitions[`${name}__poly`] = { allOf: [{ $ref: `#/definitions/${name}` }, ...cases, { properties: { [prop]: { enum: values } } }] };
        this.polyOf.set(base, `${url}#/definitions/${name}__poly`);
      }
    }
    for (const [url, doc] of docs) {
      const walk = (node: unknown, inAllOf: boolean) => {
        if (Array.isArray(node)) {
          for (const n of node) walk(n, inAllOf);
          return;
        }
        if (node === null || typeof node !== 'object') return;
        const obj = node as Json;
        if (typeof obj.$ref === 'string' && !inAllOf) {
          const target = resolve(url, obj.$ref);
          const poly = this.polyOf.get(target);
          if (poly) obj.$ref = poly;
        }
        for (const [k, v] of Object.entries(obj)) {
          if (k === 'allOf') for (const part of v as unknown[]) walk(part, true);
          else walk(v, false);
        }
      };
      for (const [name, def] of Object.entries((doc.definitions ?? {}) as Json)) if (!name.endsWith('__poly')) walk(def, false);
    }
  }

  private validatorFor(ref: string): ValidateFunction {
    let v = this.compiled.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, v);
    }
    return v;
  }

  /** Validates a body against a named definition of one of the APIs. */
  validateDefinition(api: keyof typeof SPEC_FILES, name: string, body: unknown): string[] {
    const url = pathToFileURL(join(SPEC_ROOT, SPEC_FILES[api])).href;
    const base = `${url}#/definitions/${name}`;
    const v = this.validatorFor(this.polyOf.get(base) ?? base);
    return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** Finds the operation a request hit; undefined for paths outside the specs (admin, Compute's operation status). */
  operationFor(method: string, url: URL): Operation | undefined {
    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s).toLowerCase());
    const apiVersion = url.searchParams.get('api-version');
    const matches = this.operations.filter(
      (op) =>
        op.method === method &&
        op.apiVersion === apiVersion &&
        op.segments.length === parts.length &&
        op.segments.every((s, i) => s === null || s === parts[i]),
    );
    matches.sort((a, b) => b.segments.filter(Boolean).length - a.segments.filter(Boolean).length);
    return matches[0];
  }

  /** Problems with one response; [] when it matches the spec. */
  validateResponse(method: string, url: URL, status: number, bodyText: string | undefined): string[] {
    const op = this.operationFor(method, url);
    if (!op) return [];
    const response = op.responses[String(status)] ?? (status >= 400 ? op.responses.default : undefined);
    if (!response) return [`${op.operationId}: status ${status} is not declared`];
    const hasBody = bodyText !== undefined && bodyText.trim() !== '';
    if (!response.schema) return hasBody && status !== 202 ? [`${op.operationId}: status ${status} declares no body but one was sent`] : [];
    if (!hasBody) return status === 202 || status === 204 ? [] : [`${op.operationId}: status ${status} needs a body`];
    const ref = response.schema.$ref as string | undefined;
    const target = ref ? new URL(ref, op.fileUrl).href : undefined;
    const v = target ? this.validatorFor(this.polyOf.get(target) ?? target) : this.ajv.compile(response.schema);
    const body = JSON.parse(bodyText);
    return v(body) ? [] : (v.errors ?? []).map((e) => `${op.operationId} ${status}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** A pipeline policy that checks every response the SDK receives and records problems. */
  policy(problems: SpecProblem[], seen: Set<string>): PipelinePolicy {
    return {
      name: 'specResponseValidation',
      sendRequest: async (request, next) => {
        const response = await next(request);
        const url = new URL(request.url);
        const op = this.operationFor(request.method, url);
        if (op) seen.add(op.operationId);
        for (const problem of this.validateResponse(request.method, url, response.status, response.bodyAsText ?? undefined)) {
          problems.push({ request: `${request.method} ${url.pathname}`, status: response.status, problem });
        }
        return response;
      },
    };
  }
}

/**
 * Resource Graph's QueryResponse types `data` as an object, yet describes it as "JObject array or Table format" and
 * every example of the spec answers an array of rows: `data` is checked as the rows array or the table object.
 */
function widenKnownGaps(docs: Map<string, Json>, root: string): void {
  const graph = docs.get(pathToFileURL(join(root, SPEC_FILES.graph)).href);
  const data = graph?.definitions?.QueryResponse?.properties?.data as Json | undefined;
  if (data?.type !== 'object') return;
  delete data.type;
  data.anyOf = [{ type: 'array', items: { type: 'object' } }, { type: 'object', required: ['columns', 'rows'] }];
}

/** Swagger 2.0 -> what ajv accepts: drop boolean exclusive bounds and other draft-4-only forms. */
function sanitize(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(sanitize);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Json;
  if (typeof obj.exclusiveMinimum === 'boolean') delete obj.exclusiveMinimum;
  if (typeof obj.exclusiveMaximum === 'boolean') delete obj.exclusiveMaximum;
  if (typeof obj.discriminator === 'string') delete obj.discriminator;
  for (const v of Object.values(obj)) sanitize(v);
}

let shared: SpecValidator | undefined;
export function specValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}
