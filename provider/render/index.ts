// Views of plans, drift reports and the dashboard: pure string builders over provider/core's types.
export { renderPlan, actionSymbol, actionTarget, policyChanges, PLAN_COMMENT_MARKER } from './planView.js';
export { renderDrift, subjectLabel, DRIFT_COMMENT_MARKER } from './driftView.js';
export { renderDashboard, renderEstateDashboard, type DashboardOptions } from './dashboardView.js';
export type { DashboardPageOptions } from './dashboardPage.js';
export { JOB_STATUS_GROUPS, jobGroup, jobsNewestFirst, type JobGroup, type DashboardJob } from './jobGroups.js';
export { REPORT_FORMATS, DASHBOARD_FORMATS, plural, type ReportFormat, type DashboardFormat, type ReportOptions } from './format.js';
export { DRIFT_RULES, DRIFT_CATEGORIES, PREFLIGHT_RULES, PREFLIGHT_CODES, HELP_URI, type RuleInfo, type Level } from './rules.js';
export { SARIF_SCHEMA_URI } from './sarif.js';
