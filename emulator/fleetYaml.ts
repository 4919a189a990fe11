// Fleet YAML read defensively. The YAML library spends about a kilobyte per value and checks duplicate keys in
// time that grows with the square of a mapping's size, so values and nesting are counted before parsing,
// duplicate keys are found here in one pass, and aliases are bounded by what they really expand to.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** A generated fleet of 10,000 VMs counts some 290,000 (see prescan); this bounds the memory a file can cost. */
export const MAX_FLEET_VALUES = 400_000;
// A fleet nests four levels (vms, a VM, its tags); past this, brackets are a parser bomb, not a fleet.
const MAX_FLEET_DEPTH = 64;
// Written out, a fleet of 10,000 VMs is some 200,000 values; aliases that expand far past that are an alias bomb.
const MAX_EXPANDED_VALUES = 1_000_000;

export interface YamlProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type Path = readonly (string | number)[];

export type ParsedYaml = { readonly problems: readonly YamlProblem[] } | { readonly value: unknown; locate(path: Path): { line: number; col: number } };

/** Parses one YAML document; any problem leaves no value. */
export function parseFleetYaml(text: string): ParsedYaml {
  const tooLarge = prescan(text);
  if (tooLarge) return { problems: [tooLarge] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number | undefined, message: string): YamlProblem => ({ ...lines.linePos(offset ?? 0), message });
  if (doc.errors.length) return { problems: doc.errors.map((e) => at(e.pos[0], yamlMessage(e))) };
  const problems = checkNodes(doc, at);
  if (problems.length) return { problems };
  return {
    // checkNodes bounds what aliases expand to by their real size, so the library's own guess is not needed.
    value: doc.toJS({ maxAliasCount: -1 }) as unknown,
    locate: (path) => lines.linePos(nodeAt(doc, path)?.range?.[0] ?? 0),
  };
}

/**
 * What the text would cost the YAML library, read before it parses: more than MAX_FLEET_VALUES values (counted as
 * what starts a value: a line, a comma, a colon, a dash, a bracket or a brace; every value but the first follows
 * one of these, so the count bounds them from above), or brackets nested deeper than MAX_FLEET_DEPTH.
 */
function prescan(text: string): YamlProblem | undefined {
  let count = 1;
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
    // \n , : - ? [ {
    if (c === 0x0a || c === 0x2c || c === 0x3a || c === 0x2d || c === 0x3f || c === 0x5b || c === 0x7b) count += 1;
    if (c === 0x5b || c === 0x7b) depth += 1;
    if (c === 0x5d || c === 0x7d) depth -= 1;
    const where = { line, col: i - lineStart + 1 };
    if (count > MAX_FLEET_VALUES) {
      return { ...where, message: `the fleet holds more than ${MAX_FLEET_VALUES.toLocaleString('en')} values by this line (10,000 VMs take some 290,000): give a smaller fleet` };
    }
    if (depth > MAX_FLEET_DEPTH) return { ...where, message: `brackets nest more than ${MAX_FLEET_DEPTH} deep here; a fleet nests a few levels: check the file` };
  }
  return undefined;
}

/** Duplicate keys, each at its place, and the alias at which the document written out passes MAX_EXPANDED_VALUES. */
function checkNodes(doc: Document, at: (offset: number | undefined, message: string) => YamlProblem): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const anchored = new Map<string, number>();
  let total = 0;
  let bombed = false;
  // The size of a node written out; `total` runs over the document in order, so the alias that passes the cap is found.
  const expand = (node: unknown): number => {
    if (bombed || node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const size = anchored.get(node.source) ?? 0;
      total += size;
      if (total > MAX_EXPANDED_VALUES) {
        bombed = true;
        problems.push(at(node.range?.[0], `alias *${node.source} makes the fleet expand past ${MAX_EXPANDED_VALUES.toLocaleString('en')} values; write the values out instead of nesting aliases`));
      }
      return size;
    }
    if (isPair(node)) return expand(node.key) + expand(node.value);
    total += 1;
    let size = 1;
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && keys.has(key)) problems.push(at((pair.key as Node).range?.[0], `duplicate key '${key}': keep one of them`));
        if (key !== undefined) keys.add(key);
      }
    }
    if (isCollection(node)) for (const item of node.items) size += expand(item);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchored.set(anchor, size);
    return size;
  };
  expand(doc.contents);
  return problems;
}

function nodeAt(doc: Document, path: Path): Node | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node) || isSeq(node)) node = node.get(key as never, true);
    else return undefined;
  }
  return node as Node | undefined;
}

function yamlMessage(e: { code: string; message: string }): string {
  if (e.code === 'MULTIPLE_DOCS') return 'a second YAML document starts here; a fleet is one document: remove the `---` line and what follows';
  return e.message.split('\n')[0]!;
}
