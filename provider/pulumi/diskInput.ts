// A resource's `disks` input (include / exclude / osOnly, as a spec rule writes it) and the selection the
// engine plans with. Reading back gives the same shape, so OS disk only diffs clean after it is applied.
import { disksFromWritten, normalizeDisks, type DiskSelection } from '../core/index.js';
import { containsUnknown, type PropertyMap } from './protocol.js';

const KEYS = ['include', 'exclude', 'osOnly'] as const;

function isLunList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((l) => Number.isInteger(l) && (l as number) >= 0 && (l as number) <= 63);
}

/** What is wrong with a `disks` input, in a program's terms; empty when it is absent, unknown or well-formed. */
export function checkDisksInput(value: unknown): string[] {
  if (value === undefined || containsUnknown(value)) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['disks must be an object: { include: [LUNs] }, { exclude: [LUNs] } or { osOnly: true }'];
  const disks = value as PropertyMap;
  const unknown = Object.keys(disks).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) return [`unknown property ${unknown.map((k) => `"${k}"`).join(', ')} of disks: write include, exclude or osOnly`];
  const written = KEYS.filter((k) => disks[k] !== undefined);
  if (written.length !== 1) return ['disks takes exactly one of include: [LUNs], exclude: [LUNs] or osOnly: true; leave disks out to back up every disk'];
  const [key] = written;
  if (key === 'osOnly') return disks.osOnly === true ? [] : ['disks.osOnly must be true; leave disks out to back up every disk'];
  const luns = disks[key];
  if (!isLunList(luns) || new Set(luns).size !== luns.length) return [`disks.${key} must list data disk LUNs (integers 0 to 63), each once`];
  if (luns.length === 0) {
    return [key === 'include' ? 'disks.include lists no LUN: write osOnly: true to back up the OS disk alone' : 'disks.exclude lists no LUN: leave disks out to back up every disk'];
  }
  return [];
}

/** The selection of a well-formed `disks` input; undefined when it is absent (every disk). */
export function disksFromInput(value: unknown): DiskSelection | undefined {
  if (value === undefined) return undefined;
  return disksFromWritten(value as { include?: number[]; exclude?: number[]; osOnly?: boolean });
}

/** The `disks` input a protection's selection reads back as; undefined for every disk. */
export function disksToInput(selection: DiskSelection | undefined): PropertyMap | undefined {
  const s = normalizeDisks(selection ?? { kind: 'all' });
  switch (s.kind) {
    case 'all':
      return undefined;
    case 'osOnly':
      return { osOnly: true };
    case 'include':
      return { include: [...s.luns] };
    case 'exclude':
      return { exclude: [...s.luns] };
  }
}
