// A protection's disk selection <-> the item's extendedProperties.diskExclusionProperties (bms 2023-06-01).
// OS disk only is an inclusion list of zero LUNs; no exclusion properties at all is every disk. The two must
// never be read as one another (an empty inclusion list read back as "all disks" is the bug to avoid).
import type { DiskExclusionProperties, ExtendedProperties } from '@azure/arm-recoveryservicesbackup';
import { ALL_DISKS, normalizeDisks, type DiskSelection } from '../core/index.js';

/** What a PUT of the item writes for a selection; every disk is an exclusion list of none, which clears the selection. */
export function disksToAzure(selection: DiskSelection): ExtendedProperties {
  const s = normalizeDisks(selection);
  const props: DiskExclusionProperties =
    s.kind === 'osOnly'
      ? { diskLunList: [], isInclusionList: true }
      : s.kind === 'all'
        ? { diskLunList: [], isInclusionList: false }
        : { diskLunList: [...s.luns], isInclusionList: s.kind === 'include' };
  return { diskExclusionProperties: props };
}

/** The selection an item reports; absent or null exclusion properties are every disk. */
export function disksFromAzure(extended: ExtendedProperties | undefined): DiskSelection {
  const props = extended?.diskExclusionProperties;
  if (!props) return ALL_DISKS;
  const luns = props.diskLunList ?? [];
  if (props.isInclusionList) return luns.length === 0 ? { kind: 'osOnly' } : normalizeDisks({ kind: 'include', luns });
  return normalizeDisks({ kind: 'exclude', luns });
}
