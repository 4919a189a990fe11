// The dashboard as one self-contained page: inline CSS, inline script, inline SVG charts, no network
// unless it is served live, when it fetches the same JSON the CLI prints.
import type { DashboardData } from '../core/index.js';
import type { DashboardConfig } from './dashboardConfig.js';
import { dashboardScript } from './dashboardScript.js';
import { DASHBOARD_STYLE } from './dashboardStyle.js';
import { describeVaultSettings, xmlEscape } from './format.js';
import { JOB_STATUS_GROUPS } from './jobGroups.js';
import { DRIFT_CATEGORIES, DRIFT_RULES } from './rules.js';

export interface DashboardPageOptions {
  /** Seconds between refreshes when `liveUrl` is set; default 30. */
  refreshSeconds?: number;
  /** URL of the dashboard JSON the page polls (as served by `dashboard --serve`); default none: a snapshot. */
  liveUrl?: string;
}

/** JSON safe inside a <script> element: "<" never appears, so neither "</script>" nor "<!--" can. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The start of a dashboard page, up to its body: the title, the stylesheet, an icon that asks for no file. */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${xmlEscape(title)}</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%232563eb'/%3E%3C/svg%3E">
<style>${DASHBOARD_STYLE}</style>
</head>`;
}

export function dashboardHtml(data: DashboardData, opts: DashboardPageOptions = {}): string {
  const refreshSeconds = opts.refreshSeconds !== undefined && opts.refreshSeconds > 0 ? opts.refreshSeconds : 30;
  const config: DashboardConfig = {
    liveUrl: opts.liveUrl ?? null,
    refreshSeconds,
    statusGroups: JOB_STATUS_GROUPS,
    drift: DRIFT_CATEGORIES.map((id) => ({ id, title: DRIFT_RULES[id].title, level: DRIFT_RULES[id].level, help: DRIFT_RULES[id].help })),
  };
  return `${pageHead(`Backup dashboard · ${data.vault.name}`)}
<body>
<a class="skip" href="#jobs">Skip to jobs</a>
<header class="top">
  <div>
    <h1>Backup dashboard</h1>
    <p class="sub">Vault <strong data-testid="vault-name">${xmlEscape(data.vault.name)}</strong> · <span data-testid="vault-location">${xmlEscape(data.vault.location)}</span>${
      data.vault.settings ? ` · <span data-testid="vault-settings">${xmlEscape(describeVaultSettings(data.vault.settings))}</span>` : ''
    }</p>
  </div>
  <p class="live" data-testid="live-status" role="status" aria-live="polite"></p>
</header>
<main id="app" data-testid="dashboard">
  <noscript><p class="panel">This page draws its charts and tables with JavaScript. The same figures: <code>vmbackup dashboard --format text</code>.</p></noscript>
</main>
<script type="application/json" id="dashboard-data">${scriptJson(data)}</script>
<script type="application/json" id="dashboard-config">${scriptJson(config)}</script>
<script>${dashboardScript()}</script>
</body>
</html>
`;
}
