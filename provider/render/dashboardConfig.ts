// What the page hands its script besides the data, in the page's "dashboard-config" element. One type for
// both sides: the page builder writes it, the browser script (browser/dashboard.ts) reads it.
import type { DriftCategory } from '../core/index.js';
import type { JobGroup } from './jobGroups.js';
import type { Level } from './rules.js';

export interface DashboardConfig {
  /** URL of the dashboard JSON the page polls; null for a snapshot. */
  readonly liveUrl: string | null;
  readonly refreshSeconds: number;
  /** Azure job status -> dashboard column; statuses not listed count as "other". */
  readonly statusGroups: Readonly<Record<string, JobGroup>>;
  /** Drift categories in report order, with the titles and levels the reports use. */
  readonly drift: readonly { readonly id: DriftCategory; readonly title: string; readonly level: Level; readonly help: string }[];
}
