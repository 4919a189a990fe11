// Which disks of a VM a protection backs up. The OS disk always is: Azure Backup cannot exclude it.

/**
 * `all`: every disk (Azure's item has no diskExclusionProperties); `include`: the OS disk and these data disk
 * LUNs; `exclude`: every disk but these LUNs; `osOnly`: the OS disk alone (Azure's inclusion list of zero LUNs).
 */
export type DiskSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'include'; readonly luns: readonly number[] }
  | { readonly kind: 'exclude'; readonly luns: readonly number[] }
  | { readonly kind: 'osOnly' };

export const ALL_DISKS: DiskSelection = Object.freeze({ kind: 'all' });

/** One selection, one spelling: LUNs sorted and unique, an empty list said as `all` or `osOnly`. */
export function normalizeDisks(selection: DiskSelection): DiskSelection {
  if (selection.kind === 'all' || selection.kind === 'osOnly') return selection;
  const luns = [...new Set(selection.luns)].sort((a, b) => a - b);
  if (luns.length === 0) return selection.kind === 'include' ? { kind: 'osOnly' } : ALL_DISKS;
  return { kind: selection.kind, luns };
}

/** A selection as a spec's `disks:` or a Pulumi `disks` input writes it: include, exclude or osOnly. */
export function disksFromWritten(written: { readonly include?: readonly number[]; readonly exclude?: readonly number[]; readonly osOnly?: boolean }): DiskSelection {
  if (written.osOnly) return { kind: 'osOnly' };
  return normalizeDisks(written.include ? { kind: 'include', luns: written.include } : { kind: 'exclude', luns: written.exclude ?? [] });
}

export function sameDisks(a: DiskSelection | undefined, b: DiskSelection | undefined): boolean {
  return describeDisks(a) === describeDisks(b);
}

/** "all", "OS only", "LUN 0,2" or "all except LUN 1": how plan, drift, discover and the dashboard say it. */
export function describeDisks(selection: DiskSelection | undefined): string {
  const s = normalizeDisks(selection ?? ALL_DISKS);
  switch (s.kind) {
    case 'all':
      return 'all';
    case 'osOnly':
      return 'OS only';
    case 'include':
      return `LUN ${s.luns.join(',')}`;
    case 'exclude':
      return `all except LUN ${s.luns.join(',')}`;
  }
}

/** The LUNs a selection names that the VM has no data disk at. */
export function missingLuns(selection: DiskSelection | undefined, vmLuns: readonly number[]): number[] {
  if (!selection || selection.kind === 'all' || selection.kind === 'osOnly') return [];
  const have = new Set(vmLuns);
  return selection.luns.filter((l) => !have.has(l));
}
