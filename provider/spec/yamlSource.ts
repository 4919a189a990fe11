// YAML with positions: parses a spec keeping every node's line:col, and reports YAML-level problems
// (syntax, duplicate keys, aliases) as diagnostics.
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceLocation } from '../core/index.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Finds where a path of the document was written; `key` asks for the key of the last segment. */
export type Locator = (path: Path, part?: 'key' | 'value') => SourceLocation | undefined;

export const noLocation: Locator = () => undefined;

/** `policies[0].retention.daily`; a prefix is prepended as is (used for a policy given alone). */
export function formatPath(path: Path, prefix = ''): string {
  let out = prefix;
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Turns ajv's instancePath (a JSON pointer) into path segments; array indexes become numbers. */
export function pathFromPointer(pointer: string, value: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(current) ? Number(segment) : Number.NaN;
    const next: PathSegment = Number.isInteger(index) ? index : segment;
    path.push(next);
    current = current !== null && typeof current === 'object' ? (current as Record<PathSegment, unknown>)[next] : undefined;
  }
  return path;
}

export interface ParsedYaml {
  /** The document as plain data; undefined when YAML errors make it untrustworthy. */
  readonly value: unknown;
  readonly locate: Locator;
  readonly diagnostics: Diagnostic[];
}

// Aliases multiply nodes; a spec has no reason to expand more than this (guards against alias bombs).
const MAX_ALIAS_COUNT = 100;

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by checkNodes in one pass: the library's own check takes time that grows with the
  // square of a mapping's size (30,000 keys, a minute).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });
  const diagnostics: Diagnostic[] = [];

  for (const error of doc.errors) diagnostics.push(yamlDiagnostic(doc, error, at(error.pos[0]), 'error'));
  for (const warning of doc.warnings) diagnostics.push(yamlDiagnostic(doc, warning, at(warning.pos[0]), 'warning'));
  diagnostics.push(...checkNodes(doc, at));

  const locate = createLocator(doc, at);
  if (diagnostics.some((d) => d.severity === 'error')) return { value: undefined, locate, diagnostics };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locate, diagnostics };
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      code: 'YamlAlias',
      message: `the aliases expand to too much data (${(error as Error).message})`,
      location: at(0),
      remedy: 'write the values out instead of nesting aliases',
    });
    return { value: undefined, locate, diagnostics };
  }
}

function yamlDiagnostic(
  doc: Document,
  error: { code: string; message: string; pos: [number, number] },
  location: SourceLocation,
  severity: 'error' | 'warning',
): Diagnostic {
  if (error.code === 'MULTIPLE_DOCS') {
    return {
      severity,
      code: 'YamlMultipleDocuments',
      message: 'a second YAML document starts here; a spec is one document',
      location,
      remedy: 'remove the `---` line and what follows, or put the second document in a file of its own',
    };
  }
  if (error.code === 'TAG_RESOLVE_FAILED') {
    return { severity, code: 'YamlTag', message: error.message, location, remedy: 'remove the tag; a spec uses plain YAML values' };
  }
  return { severity, code: 'YamlSyntax', message: `YAML: ${error.message}`, location };
}

/**
 * Aliases must name an anchor defined before them; an anchor defined twice is legal YAML but a trap.
 * Keys are plain scalars: a list or mapping as a key has no meaning in a spec. A key written twice is an error.
 */
function checkNodes(doc: Document, at: (offset: number) => SourceLocation): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const anchors = new Set<string>();
  visit(doc, (_, node) => {
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (keys.has(key)) {
          diagnostics.push({
            severity: 'error',
            code: 'DuplicateKey',
            message: `duplicate key "${key}"`,
            location: at(pair.key.range?.[0] ?? 0),
            remedy: 'keep one of them: YAML keeps only the last, silently',
          });
        }
        keys.add(key);
      }
    }
    if (isPair(node)) {
      if (node.key !== null && !isScalar(node.key)) {
        diagnostics.push({
          severity: 'error',
          code: 'YamlSyntax',
          message: 'a key must be a plain value, not a list, mapping or alias',
          location: at((node.key as Node).range?.[0] ?? 0),
        });
      }
      return;
    }
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        diagnostics.push({
          severity: 'error',
          code: 'YamlAlias',
          message: `alias *${node.source} refers to no anchor defined before it`,
          location: at(node.range?.[0] ?? 0),
          remedy: `define &${node.source} on a value above this line, or write the value out`,
        });
      }
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (!anchor) return;
    if (anchors.has(anchor)) {
      diagnostics.push({
        severity: 'warning',
        code: 'DuplicateAnchor',
        message: `anchor &${anchor} is defined again; later aliases refer to this one`,
        location: at((node as Node).range?.[0] ?? 0),
        remedy: 'give each anchor its own name',
      });
    }
    anchors.add(anchor);
  });
  return diagnostics;
}

function createLocator(doc: Document, at: (offset: number) => SourceLocation): Locator {
  // Each alias resolved once: the library searches the whole document for its anchor on every call, and a long
  // aliased list is located once for each of its entries.
  const aliases = new WeakMap<Alias, unknown>();
  const resolve = (node: unknown): unknown => {
    if (!(node instanceof Alias)) return node;
    if (!aliases.has(node)) aliases.set(node, node.resolve(doc));
    return aliases.get(node);
  };
  // Each mapping's pairs by key, made on first use: a spec with thousands of wrong keys is located in linear time.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path, part = 'value') => {
    let node: unknown = resolve(doc.contents);
    let where: number = (node as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      let keyOffset: number | undefined;
      let next: unknown;
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (!pair) break;
        keyOffset = (pair.key as Node).range?.[0];
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      } else {
        break;
      }
      const last = i === path.length - 1;
      const value = resolve(next) as Node | null;
      // A key written with no value (`schedule:`) has an empty node; its key is what the reader sees.
      const empty = isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1];
      const valueOffset = empty ? undefined : value?.range?.[0];
      if (last && part === 'key' && keyOffset !== undefined) return at(keyOffset);
      where = valueOffset ?? keyOffset ?? where;
      if (valueOffset === undefined) break;
      node = resolve(next);
    }
    return at(where);
  };
}
