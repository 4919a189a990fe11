// The dashboard page's script. `npm run build` bundles it into one IIFE that the page inlines, so the page
// stays one file. It builds every element with the DOM API (never innerHTML), so data cannot inject markup.
import type { DashboardData, RecoveryPointConsistency } from '../../core/index.js';
import { vmLabelOfId } from '../../core/armId.js';
import { RECOVERY_POINT_CONSISTENCIES } from '../../core/observation.js';
import type { DashboardConfig } from '../dashboardConfig.js';
import type { DashboardJob, JobGroup } from '../jobGroups.js';

type Counted = Exclude<JobGroup, 'other'>;
type Filter = 'all' | JobGroup;
type Tone = 'ok' | 'bad' | 'run' | 'warn' | 'idle';
type RecoveryPoint = DashboardData['recoveryPoints'][number]['points'][number];
type Listener = (event: Event) => void;
/** Attributes by name; a listener is given as `onclick: fn`; null, undefined and false leave one out. */
type Attrs = Readonly<Record<string, string | number | boolean | null | undefined | Listener>> | null;
type Child = Node | string | number | null | undefined | false | readonly Child[];
interface ConsistencyInfo {
  readonly label: string;
  readonly short: string;
  readonly cls: string;
  readonly tone: Tone;
}

function required<T>(node: T | null, what: string): T {
  if (node === null) throw new Error(`the dashboard page has no ${what}`);
  return node;
}
function embeddedJson(id: string): unknown {
  return JSON.parse(required(document.getElementById(id), `#${id}`).textContent ?? '');
}

const config = embeddedJson('dashboard-config') as DashboardConfig;
let data = embeddedJson('dashboard-data') as DashboardData;
let lastBody: string | null = null;
const ui: { filter: Filter; selected: string | null; error: string | null } = { filter: 'all', selected: null, error: null };
const app = required(document.getElementById('app'), '#app');
const liveStatus = required(document.querySelector('[data-testid="live-status"]'), 'live status');
const SVG_NS = 'http://www.w3.org/2000/svg';

const GROUPS: readonly { readonly id: Counted; readonly label: string; readonly tone: Tone; readonly color: string }[] = [
  { id: 'succeeded', label: 'Succeeded', tone: 'ok', color: '#2f8a57' },
  { id: 'failed', label: 'Failed', tone: 'bad', color: '#c23b3b' },
  { id: 'inProgress', label: 'In progress', tone: 'run', color: '#3a74c4' },
];
const STATE_COLORS: Readonly<Record<string, string>> = {
  Protected: '#2f8a57', IRPending: '#5b8fd9', ProtectionError: '#c23b3b', ProtectionStopped: '#98a2b3',
  ProtectionPaused: '#d6a13a', BackupsSuspended: '#b8741a', Invalid: '#5b6676',
};
const STATE_LABELS: Readonly<Record<string, string>> = {
  IRPending: 'Initial backup pending', ProtectionError: 'Protection error', ProtectionStopped: 'Protection stopped',
  ProtectionPaused: 'Protection paused', BackupsSuspended: 'Backups suspended',
};
// Keyed by Azure's recoveryPointType, the spelling the dashboard data gives every point.
const CONSISTENCY: Readonly<Record<RecoveryPointConsistency, ConsistencyInfo>> = {
  AppConsistent: { label: 'Application-consistent', short: 'Application', cls: 'c-app', tone: 'ok' },
  FileSystemConsistent: { label: 'File-system-consistent', short: 'File system', cls: 'c-fs', tone: 'run' },
  CrashConsistent: { label: 'Crash-consistent', short: 'Crash', cls: 'c-crash', tone: 'warn' },
};
/** A point may carry a spelling the page has no label for; it is shown as it came. */
function consistency(kind: string): ConsistencyInfo | undefined {
  return (CONSISTENCY as Readonly<Record<string, ConsistencyInfo | undefined>>)[kind];
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}
function setAttrs(node: Element, attrs: Attrs): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
}
function append(node: Element, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(node, c);
    return;
  }
  node.append(child instanceof Node ? child : String(child));
}

function group(status: string): JobGroup {
  return config.statusGroups[status] ?? 'other';
}
function words(id: string): string {
  const s = id.replace(/([a-z])([A-Z])/g, '$1 $2');
  return s.charAt(0) + s.slice(1).toLowerCase();
}
function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? words(state);
}
function fmtTime(iso: string, seconds = false, bare = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ') + (bare ? '' : ' UTC');
}
function fmtDuration(s: number | undefined): string {
  if (s === undefined) return '';
  const total = Math.round(s);
  const hours = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (hours > 0) return `${hours} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}
function plural(n: number, one: string, many?: string): string {
  return `${n} ${n === 1 ? one : (many ?? `${one}s`)}`;
}
function statusTone(status: string): Tone {
  if (status === 'CompletedWithWarnings') return 'warn';
  const g = group(status);
  return g === 'succeeded' ? 'ok' : g === 'failed' ? 'bad' : g === 'inProgress' ? 'run' : 'idle';
}
function badge(text: string | number, tone: Tone, testid?: string): HTMLSpanElement {
  return h('span', { class: `badge b-${tone}`, 'data-testid': testid }, text);
}
function jobs(): DashboardJob[] {
  return [...data.jobs24h.jobs].sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
}
function findJob(id: string): DashboardJob | undefined {
  return data.jobs24h.jobs.find((j) => j.id === id);
}
function selectedJob(): DashboardJob | undefined {
  return ui.selected === null ? undefined : findJob(ui.selected);
}

function setFilter(id: Filter): void {
  ui.filter = id;
  const selected = selectedJob();
  if (selected && id !== 'all' && group(selected.status) !== id) ui.selected = null;
  render();
}
function select(id: string | null): void {
  ui.selected = id;
  render();
}
function toggleFilter(id: Counted): void {
  setFilter(ui.filter === id ? 'all' : id);
}

function cards(): HTMLElement {
  const states = Object.values(data.protectedVms.byState).filter((n) => n > 0);
  const list: HTMLElement[] = [
    h('div', { class: 'card accent', 'data-testid': 'card-protected' },
      h('span', { class: 'label' }, 'Protected VMs'),
      h('span', { class: 'value', 'data-testid': 'count-protected' }, data.protectedVms.total),
      h('span', { class: 'hint' }, plural(states.length, 'protection state'))),
  ];
  for (const g of GROUPS) {
    list.push(h('button', {
      type: 'button', class: `card ${g.tone}`, 'data-testid': `card-${g.id}`, 'data-key': `card-${g.id}`,
      'aria-pressed': ui.filter === g.id ? 'true' : 'false',
      'aria-label': `${g.label} in the last 24 hours: ${data.jobs24h[g.id]}. Show these jobs.`,
      onclick: () => toggleFilter(g.id),
    },
      h('span', { class: 'label' }, `${g.label} · 24 h`),
      h('span', { class: 'value', 'data-testid': `count-${g.id}` }, data.jobs24h[g.id]),
      h('span', { class: 'hint' }, 'Show these jobs')));
  }
  const drift = data.drift;
  const tone: Tone = !drift ? 'idle' : drift.inSync ? 'ok' : 'warn';
  list.push(h('div', { class: `card ${tone}`, 'data-testid': 'card-drift' },
    h('span', { class: 'label' }, 'Drift findings'),
    h('span', { class: 'value', 'data-testid': 'count-drift' }, drift ? drift.findings : '–'),
    h('span', { class: 'hint' }, !drift ? 'Not checked' : drift.inSync ? 'In sync with the spec' : 'See the drift summary')));
  return h('section', { class: 'cards', 'aria-label': 'Totals' }, list);
}

function donut(entries: readonly (readonly [string, number])[], total: number): SVGSVGElement {
  const r = 52;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const sum = entries.reduce((a, [, n]) => a + n, 0);
  const gap = entries.length > 1 ? 1.5 : 0;
  const label = `Protected VMs by protection state: ${entries.length ? entries.map(([state, n]) => `${stateLabel(state)} ${n}`).join(', ') : 'none'}`;
  const parts: SVGElement[] = [svg('circle', { cx: 70, cy: 70, r, fill: 'none', stroke: '#eef0f4', 'stroke-width': 16 })];
  for (const [state, n] of entries) {
    const len = (n / sum) * c;
    const dash = Math.max(len - gap, 0.5);
    parts.push(svg('circle', {
      cx: 70, cy: 70, r, fill: 'none', stroke: STATE_COLORS[state] ?? '#a0aec0', 'stroke-width': 16,
      'stroke-dasharray': `${dash} ${c - dash}`,
      'stroke-dashoffset': -offset, transform: 'rotate(-90 70 70)', 'data-testid': 'donut-segment', 'data-state': state,
    }, svg('title', null, `${stateLabel(state)}: ${plural(n, 'VM')}`)));
    offset += len;
  }
  parts.push(svg('text', { x: 70, y: 72, 'text-anchor': 'middle', class: 'total' }, total));
  parts.push(svg('text', { x: 70, y: 88, 'text-anchor': 'middle', class: 'caption' }, 'protected VMs'));
  return svg('svg', { class: 'donut', viewBox: '0 0 140 140', role: 'img', 'aria-label': label, 'data-testid': 'chart-protection' }, parts);
}

function protectionPanel(): HTMLElement {
  const entries = Object.entries(data.protectedVms.byState).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const legend = entries.length === 0
    ? h('p', { class: 'empty' }, 'No VM is protected yet.')
    : h('ul', { class: 'legend', 'data-testid': 'state-legend' }, entries.map(([state, n]) =>
      h('li', { 'data-testid': 'state-legend-item', 'data-state': state, 'data-count': n },
        h('span', { class: 'swatch', style: `background:${STATE_COLORS[state] ?? '#a0aec0'}`, 'aria-hidden': 'true' }),
        h('span', null, stateLabel(state)), h('span', { class: 'n' }, n))));
  return h('section', { class: 'panel', 'aria-labelledby': 'h-states' },
    h('h2', { id: 'h-states' }, 'Protection states'),
    h('div', { class: 'donut-wrap' }, donut(entries, data.protectedVms.total), legend));
}

function jobsChartPanel(): HTMLElement {
  const max = Math.max(...GROUPS.map((g) => data.jobs24h[g.id]), 1);
  const bars = GROUPS.map((g) => {
    const n = data.jobs24h[g.id];
    return h('button', {
      type: 'button', class: 'bar', 'data-testid': `bar-${g.id}`, 'data-key': `bar-${g.id}`,
      'aria-pressed': ui.filter === g.id ? 'true' : 'false',
      'aria-label': `${g.label}: ${plural(n, 'job')}. Show them in the jobs list.`,
      onclick: () => toggleFilter(g.id),
    },
      h('span', null, g.label),
      h('span', { class: 'track', 'aria-hidden': 'true' },
        h('span', { class: 'fill', style: `display:block;width:${n === 0 ? '0' : `max(4px, ${(n / max) * 100}%)`};background:${g.color}` })),
      h('span', { class: 'n' }, n));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-jobchart' },
    h('h2', { id: 'h-jobchart' }, 'Jobs · last 24 hours'),
    h('div', { class: 'bars', 'data-testid': 'chart-jobs' }, bars),
    h('p', { class: 'muted small' }, 'Choose a bar or a card to list those jobs.'));
}

function driftPanel(): HTMLElement {
  const d = data.drift;
  let body: HTMLElement;
  if (!d) {
    body = h('p', { class: 'empty', 'data-testid': 'drift-status' }, 'Not checked: give a spec (-f) to compare the vault with it.');
  } else if (d.inSync) {
    body = h('div', null, badge('In sync', 'ok', 'drift-status'),
      h('p', { class: 'muted' }, 'The vault matches the spec: no drift found.'));
  } else {
    const rows = config.drift.filter((c) => (d.byCategory[c.id] ?? 0) > 0).map((c) =>
      h('li', { 'data-testid': 'drift-category', 'data-category': c.id, title: c.help },
        h('span', null, c.title), badge(d.byCategory[c.id] ?? 0, c.level === 'error' ? 'bad' : 'warn')));
    body = h('div', null,
      h('p', { class: 'headline', 'data-testid': 'drift-status' }, `${plural(d.findings, 'finding')} between the spec and the vault`),
      h('ul', { class: 'drift-list' }, rows),
      h('p', { class: 'muted small' }, 'Details and remedies: vmbackup drift -f SPEC.'));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-drift', 'data-testid': 'drift-summary' },
    h('h2', { id: 'h-drift' }, 'Drift'), body);
}

function filterChips(all: readonly DashboardJob[]): HTMLElement {
  const counts: Record<Filter, number> = { all: all.length, succeeded: 0, failed: 0, inProgress: 0, other: 0 };
  for (const j of all) counts[group(j.status)]++;
  const chips: { id: Filter; label: string }[] = [{ id: 'all', label: 'All' }, ...GROUPS.map((g) => ({ id: g.id, label: g.label }))];
  if (counts.other > 0) chips.push({ id: 'other', label: 'Other' });
  return h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter jobs by status' }, chips.map((c) =>
    h('button', {
      type: 'button', class: 'chip', 'data-testid': `filter-${c.id}`, 'data-key': `filter-${c.id}`,
      'aria-pressed': ui.filter === c.id ? 'true' : 'false', onclick: () => setFilter(c.id),
    }, `${c.label} (${counts[c.id]})`)));
}

function jobRow(j: DashboardJob): HTMLTableRowElement {
  const open = () => select(j.id);
  return h('tr', {
    'data-testid': 'job-row', 'data-job-id': j.id, 'data-status': j.status, 'data-group': group(j.status),
    'aria-selected': ui.selected === j.id ? 'true' : 'false', onclick: open,
  },
    h('td', null, badge(words(j.status), statusTone(j.status))),
    h('td', null, h('button', {
      type: 'button', class: 'linkish', 'data-testid': 'job-open', 'data-key': `job:${j.id}`,
      'aria-label': `Details of ${j.operation} on ${vmLabelOfId(j.vmId, j.vmName)}`,
      onclick: (e) => {
        e.stopPropagation();
        open();
      },
    }, j.operation)),
    h('td', { 'data-testid': 'job-vm' }, vmLabelOfId(j.vmId, j.vmName)),
    h('td', { class: 'nowrap' }, fmtTime(j.startTime, false, true)),
    h('td', { class: 'num nowrap' }, fmtDuration(j.durationSeconds)));
}

function details(): HTMLElement {
  const j = selectedJob();
  if (!j) {
    return h('aside', { class: 'details', 'data-testid': 'job-details', 'aria-live': 'polite' },
      h('p', { class: 'muted' }, 'Choose a job to see its details: status, times, and for a failed job the Azure Backup error code and the remedy.'));
  }
  const errors = j.errors.length === 0
    ? h('p', { class: 'muted', 'data-testid': 'job-no-errors' }, 'No errors reported.')
    : j.errors.map((e) =>
      h('div', { class: 'error', 'data-testid': 'job-error' },
        h('p', null, h('code', { 'data-testid': 'job-error-code' }, e.code)),
        h('p', { 'data-testid': 'job-error-message' }, e.message),
        e.recommendations.length ? [h('p', null, h('strong', null, 'Remedy')),
          h('ul', { class: 'remedy' }, e.recommendations.map((r) => h('li', { 'data-testid': 'job-remedy' }, r)))] : null));
  return h('aside', { class: 'details', 'data-testid': 'job-details', 'aria-live': 'polite' },
    h('h3', { 'data-testid': 'job-details-title' }, `${j.operation} · ${vmLabelOfId(j.vmId, j.vmName)}`),
    badge(words(j.status), statusTone(j.status), 'job-details-status'),
    h('dl', null,
      h('dt', null, 'Started'), h('dd', null, fmtTime(j.startTime, true)),
      h('dt', null, 'Ended'), h('dd', null, j.endTime ? fmtTime(j.endTime, true) : 'still running'),
      h('dt', null, 'Duration'), h('dd', null, fmtDuration(j.durationSeconds) || '–'),
      h('dt', null, 'Job'), h('dd', { class: 'small muted', title: j.id }, j.id.split('/').pop())),
    errors,
    h('p', null, h('button', { type: 'button', class: 'linkish', 'data-key': 'details-close', onclick: () => select(null) }, 'Close details')));
}

function jobsPanel(): HTMLElement {
  const all = jobs();
  const shown = all.filter((j) => ui.filter === 'all' || group(j.status) === ui.filter);
  const rows = shown.length
    ? shown.map(jobRow)
    : [h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No such jobs in the last 24 hours.'))];
  const filterLabel = ui.filter === 'all' ? '' : ` (${ui.filter === 'other' ? 'other' : words(ui.filter).toLowerCase()})`;
  return h('section', { class: 'panel', id: 'jobs', 'aria-labelledby': 'h-jobs' },
    h('h2', { id: 'h-jobs' }, 'Jobs of the last 24 hours'),
    filterChips(all),
    h('div', { class: 'jobs-layout' },
      h('div', null,
        h('p', { class: 'muted small', 'data-testid': 'jobs-count', 'aria-live': 'polite' },
          `Showing ${shown.length} of ${plural(all.length, 'job')}${filterLabel}, newest first.`),
        h('div', { class: 'scroll', 'data-scroll': 'jobs' },
          h('table', { 'data-testid': 'jobs-table' },
            h('thead', null, h('tr', null, ['Status', 'Operation', 'VM', 'Started (UTC)', 'Duration'].map((t, i) =>
              h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t)))),
            h('tbody', null, rows)))),
      details()));
}

function recoveryPanel(): HTMLElement {
  const vms = data.recoveryPoints.map((rp) => ({ ...rp, label: vmLabelOfId(rp.vmId, rp.vmName) }))
    .sort((a, b) => a.label.localeCompare(b.label));
  let body: HTMLElement;
  if (vms.length === 0) {
    body = h('p', { class: 'empty' }, 'No recovery points yet: the first ones appear after the scheduled backups.');
  } else {
    const head = [
      ...['VM', 'Latest (UTC)', 'Latest consistency', 'History, oldest to newest'].map((t) => h('th', { scope: 'col' }, t)),
      ...RECOVERY_POINT_CONSISTENCIES.map((k) => h('th', { scope: 'col', class: 'num' }, CONSISTENCY[k].short)),
      h('th', { scope: 'col', class: 'num' }, 'Points'),
      h('th', { scope: 'col' }, 'Disks'),
    ];
    body = h('div', { class: 'scroll', 'data-scroll': 'rp' }, h('table', { 'data-testid': 'rp-table' },
      h('thead', null, h('tr', null, head)),
      h('tbody', null, vms.map((vm) => {
        const points = [...vm.points].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
        const latest = points[points.length - 1];
        const info = latest && consistency(latest.consistency);
        return h('tr', { class: 'static', 'data-testid': 'rp-row', 'data-vm': vm.vmName, 'data-vm-id': vm.vmId },
          h('td', { 'data-testid': 'rp-vm' }, vm.label),
          h('td', { class: 'nowrap' }, latest ? fmtTime(latest.time, false, true) : h('span', { class: 'muted' }, 'none')),
          h('td', null, latest ? badge(info ? info.label : words(latest.consistency), info ? info.tone : 'idle', 'rp-latest') : null),
          h('td', null, h('span', { class: 'dots', role: 'img', 'aria-label': consistencySummary(points) },
            points.slice(-30).map((p) => {
              const c = consistency(p.consistency);
              return h('span', { class: `pt ${c ? c.cls : 'c-other'}`, title: `${fmtTime(p.time)} · ${c ? c.label : p.consistency}` });
            }))),
          RECOVERY_POINT_CONSISTENCIES.map((k) => {
            const n = points.filter((p) => p.consistency === k).length;
            return h('td', { class: `num${n === 0 ? ' muted' : ''}`, 'data-testid': 'rp-count', 'data-consistency': k }, n);
          }),
          h('td', { class: 'num' }, points.length),
          h('td', { 'data-testid': 'rp-disks' }, vm.disks));
      }))));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-rp' },
    h('h2', { id: 'h-rp' }, 'Recovery points per VM'),
    body,
    h('div', { class: 'key', 'aria-hidden': 'true' }, RECOVERY_POINT_CONSISTENCIES.map((k) =>
      h('span', null, h('span', { class: `pt ${CONSISTENCY[k].cls}` }), CONSISTENCY[k].label))));
}

function consistencySummary(points: readonly RecoveryPoint[]): string {
  const counts: Record<string, number> = {};
  for (const p of points) counts[p.consistency] = (counts[p.consistency] ?? 0) + 1;
  const kinds = Object.entries(counts).map(([k, n]) => `${n} ${consistency(k)?.label.toLowerCase() ?? k}`);
  return `${plural(points.length, 'recovery point')}: ${kinds.join(', ')}`;
}

function updateLiveStatus(): void {
  const cls = `dot${config.liveUrl ? (ui.error ? ' err' : ' on') : ''}`;
  const text = !config.liveUrl
    ? `Snapshot of ${fmtTime(data.generatedAt, true)}`
    : ui.error
      ? `Live · update failed (${ui.error}), retrying every ${config.refreshSeconds} s`
      : `Live · data of ${fmtTime(data.generatedAt, true)} · refreshes every ${config.refreshSeconds} s`;
  liveStatus.replaceChildren(h('span', { class: cls, 'aria-hidden': 'true' }),
    h('span', { 'data-testid': 'generated-at', 'data-generated-at': data.generatedAt }, text));
}

// Redrawing replaces every element, so focus and scroll positions are carried over by key.
function render(): void {
  const focused = document.activeElement?.getAttribute('data-key');
  const scrolls: Record<string, number> = {};
  app.querySelectorAll('[data-scroll]').forEach((e) => {
    scrolls[e.getAttribute('data-scroll') ?? ''] = e.scrollTop;
  });
  app.replaceChildren(
    cards(),
    h('div', { class: 'row' }, protectionPanel(), jobsChartPanel(), driftPanel()),
    jobsPanel(),
    recoveryPanel());
  app.querySelectorAll('[data-scroll]').forEach((e) => {
    e.scrollTop = scrolls[e.getAttribute('data-scroll') ?? ''] ?? 0;
  });
  if (focused) app.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  updateLiveStatus();
  app.setAttribute('data-rendered-at', data.generatedAt);
}

function refresh(url: string): void {
  void fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } })
    .then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.text();
    })
    .then((body) => {
      ui.error = null;
      if (body !== lastBody) {
        lastBody = body;
        data = JSON.parse(body) as DashboardData;
        if (ui.selected && !findJob(ui.selected)) ui.selected = null;
        render();
      } else {
        updateLiveStatus();
      }
    })
    .catch((e: unknown) => {
      ui.error = e instanceof Error && e.message ? e.message : 'unreachable';
      updateLiveStatus();
    })
    .finally(() => setTimeout(() => refresh(url), config.refreshSeconds * 1000));
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && ui.selected) select(null);
});
render();
const liveUrl = config.liveUrl;
if (liveUrl) setTimeout(() => refresh(liveUrl), config.refreshSeconds * 1000);
