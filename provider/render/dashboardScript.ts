// The dashboard page's script, inlined into the page. Plain browser JavaScript kept in a string so the page
// stays one file; it builds every element with the DOM API (never innerHTML), so data cannot inject markup.
// It holds no backtick and no template placeholder, which keeps it safe inside this String.raw literal.
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var lastBody = null;
  var ui = { filter: 'all', selected: null, error: null };
  var app = document.getElementById('app');
  var liveStatus = document.querySelector('[data-testid="live-status"]');
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var GROUPS = [
    { id: 'succeeded', label: 'Succeeded', tone: 'ok', color: '#2f8a57', key: 'succeeded' },
    { id: 'failed', label: 'Failed', tone: 'bad', color: '#c23b3b', key: 'failed' },
    { id: 'inProgress', label: 'In progress', tone: 'run', color: '#3a74c4', key: 'inProgress' }
  ];
  var STATE_COLORS = {
    Protected: '#2f8a57', IRPending: '#5b8fd9', ProtectionError: '#c23b3b', ProtectionStopped: '#98a2b3',
    ProtectionPaused: '#d6a13a', BackupsSuspended: '#b8741a', Invalid: '#5b6676'
  };
  var STATE_LABELS = {
    IRPending: 'Initial backup pending', ProtectionError: 'Protection error', ProtectionStopped: 'Protection stopped',
    ProtectionPaused: 'Protection paused', BackupsSuspended: 'Backups suspended'
  };
  // Keyed by Azure's recoveryPointType, the spelling the dashboard data gives every point.
  var CONSISTENCY = {
    AppConsistent: { label: 'Application-consistent', short: 'Application', cls: 'c-app', tone: 'ok' },
    FileSystemConsistent: { label: 'File-system-consistent', short: 'File system', cls: 'c-fs', tone: 'run' },
    CrashConsistent: { label: 'Crash-consistent', short: 'Crash', cls: 'c-crash', tone: 'warn' }
  };

  function h(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.append(child instanceof Node ? child : String(child));
  }

  function group(status) { return config.statusGroups[status] || 'other'; }
  function words(id) {
    var s = String(id).replace(/([a-z])([A-Z])/g, '$1 $2');
    return s.charAt(0) + s.slice(1).toLowerCase();
  }
  function stateLabel(state) { return STATE_LABELS[state] || words(state); }
  function fmtTime(iso, seconds, bare) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || '');
    return d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ') + (bare ? '' : ' UTC');
  }
  function fmtDuration(s) {
    if (s === null || s === undefined) return '';
    var total = Math.round(s);
    var hours = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), sec = total % 60;
    if (hours > 0) return hours + ' h ' + String(m).padStart(2, '0') + ' min';
    if (m > 0) return m + ' min ' + String(sec).padStart(2, '0') + ' s';
    return sec + ' s';
  }
  // Two VMs may share a name; the resource group in their ARM id tells them apart.
  function resourceGroup(armId) {
    var parts = String(armId || '').split('/');
    for (var i = 0; i + 1 < parts.length; i++) if (parts[i].toLowerCase() === 'resourcegroups') return parts[i + 1];
    return '';
  }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : (many || one + 's')); }
  function statusTone(status) {
    if (status === 'CompletedWithWarnings') return 'warn';
    var g = group(status);
    return g === 'succeeded' ? 'ok' : g === 'failed' ? 'bad' : g === 'inProgress' ? 'run' : 'idle';
  }
  function badge(text, tone, testid) { return h('span', { class: 'badge b-' + tone, 'data-testid': testid }, text); }
  function jobs() {
    return data.jobs24h.jobs.slice().sort(function (a, b) { return a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0; });
  }
  function findJob(id) { return data.jobs24h.jobs.filter(function (j) { return j.id === id; })[0]; }

  function setFilter(id) {
    ui.filter = id;
    var selected = ui.selected && findJob(ui.selected);
    if (selected && id !== 'all' && group(selected.status) !== id) ui.selected = null;
    render();
  }
  function select(id) { ui.selected = id; render(); }

  function cards() {
    var total = data.protectedVms.total;
    var states = Object.keys(data.protectedVms.byState).filter(function (s) { return data.protectedVms.byState[s] > 0; });
    var list = [
      h('div', { class: 'card accent', 'data-testid': 'card-protected' },
        h('span', { class: 'label' }, 'Protected VMs'),
        h('span', { class: 'value', 'data-testid': 'count-protected' }, total),
        h('span', { class: 'hint' }, plural(states.length, 'protection state')))
    ];
    GROUPS.forEach(function (g) {
      list.push(h('button', {
        type: 'button', class: 'card ' + g.tone, 'data-testid': 'card-' + g.id, 'data-key': 'card-' + g.id,
        'aria-pressed': ui.filter === g.id ? 'true' : 'false',
        'aria-label': g.label + ' in the last 24 hours: ' + data.jobs24h[g.key] + '. Show these jobs.',
        onclick: function () { setFilter(ui.filter === g.id ? 'all' : g.id); }
      },
        h('span', { class: 'label' }, g.label + ' · 24 h'),
        h('span', { class: 'value', 'data-testid': 'count-' + g.id }, data.jobs24h[g.key]),
        h('span', { class: 'hint' }, 'Show these jobs')));
    });
    var drift = data.drift;
    var tone = !drift ? 'idle' : drift.inSync ? 'ok' : 'warn';
    list.push(h('div', { class: 'card ' + tone, 'data-testid': 'card-drift' },
      h('span', { class: 'label' }, 'Drift findings'),
      h('span', { class: 'value', 'data-testid': 'count-drift' }, drift ? drift.findings : '–'),
      h('span', { class: 'hint' }, !drift ? 'Not checked' : drift.inSync ? 'In sync with the spec' : 'See the drift summary')));
    return h('section', { class: 'cards', 'aria-label': 'Totals' }, list);
  }

  function donut(entries, total) {
    var r = 52, c = 2 * Math.PI * r, offset = 0;
    var sum = entries.reduce(function (a, e) { return a + e[1]; }, 0);
    var gap = entries.length > 1 ? 1.5 : 0;
    var label = 'Protected VMs by protection state: ' +
      (entries.length ? entries.map(function (e) { return stateLabel(e[0]) + ' ' + e[1]; }).join(', ') : 'none');
    var parts = [svg('circle', { cx: 70, cy: 70, r: r, fill: 'none', stroke: '#eef0f4', 'stroke-width': 16 })];
    entries.forEach(function (e) {
      var len = (e[1] / sum) * c;
      parts.push(svg('circle', {
        cx: 70, cy: 70, r: r, fill: 'none', stroke: STATE_COLORS[e[0]] || '#a0aec0', 'stroke-width': 16,
        'stroke-dasharray': Math.max(len - gap, 0.5) + ' ' + (c - Math.max(len - gap, 0.5)),
        'stroke-dashoffset': -offset, transform: 'rotate(-90 70 70)', 'data-testid': 'donut-segment', 'data-state': e[0]
      }, svg('title', null, stateLabel(e[0]) + ': ' + plural(e[1], 'VM'))));
      offset += len;
    });
    parts.push(svg('text', { x: 70, y: 72, 'text-anchor': 'middle', class: 'total' }, total));
    parts.push(svg('text', { x: 70, y: 88, 'text-anchor': 'middle', class: 'caption' }, 'protected VMs'));
    return svg('svg', { class: 'donut', viewBox: '0 0 140 140', role: 'img', 'aria-label': label, 'data-testid': 'chart-protection' }, parts);
  }

  function protectionPanel() {
    var byState = data.protectedVms.byState;
    var entries = Object.keys(byState).filter(function (s) { return byState[s] > 0; })
      .map(function (s) { return [s, byState[s]]; })
      .sort(function (a, b) { return b[1] - a[1]; });
    var legend = h('ul', { class: 'legend', 'data-testid': 'state-legend' }, entries.map(function (e) {
      return h('li', { 'data-testid': 'state-legend-item', 'data-state': e[0], 'data-count': e[1] },
        h('span', { class: 'swatch', style: 'background:' + (STATE_COLORS[e[0]] || '#a0aec0'), 'aria-hidden': 'true' }),
        h('span', null, stateLabel(e[0])), h('span', { class: 'n' }, e[1]));
    }));
    if (entries.length === 0) legend = h('p', { class: 'empty' }, 'No VM is protected yet.');
    return h('section', { class: 'panel', 'aria-labelledby': 'h-states' },
      h('h2', { id: 'h-states' }, 'Protection states'),
      h('div', { class: 'donut-wrap' }, donut(entries, data.protectedVms.total), legend));
  }

  function jobsChartPanel() {
    var max = Math.max.apply(null, GROUPS.map(function (g) { return data.jobs24h[g.key]; }).concat([1]));
    var bars = GROUPS.map(function (g) {
      var n = data.jobs24h[g.key];
      return h('button', {
        type: 'button', class: 'bar', 'data-testid': 'bar-' + g.id, 'data-key': 'bar-' + g.id,
        'aria-pressed': ui.filter === g.id ? 'true' : 'false',
        'aria-label': g.label + ': ' + plural(n, 'job') + '. Show them in the jobs list.',
        onclick: function () { setFilter(ui.filter === g.id ? 'all' : g.id); }
      },
        h('span', null, g.label),
        h('span', { class: 'track', 'aria-hidden': 'true' },
          h('span', { class: 'fill', style: 'display:block;width:' + (n === 0 ? '0' : 'max(4px, ' + (n / max * 100) + '%)') + ';background:' + g.color })),
        h('span', { class: 'n' }, n));
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'h-jobchart' },
      h('h2', { id: 'h-jobchart' }, 'Jobs · last 24 hours'),
      h('div', { class: 'bars', 'data-testid': 'chart-jobs' }, bars),
      h('p', { class: 'muted small' }, 'Choose a bar or a card to list those jobs.'));
  }

  function driftPanel() {
    var d = data.drift;
    var body;
    if (!d) {
      body = h('p', { class: 'empty', 'data-testid': 'drift-status' }, 'Not checked: give a spec (-f) to compare the vault with it.');
    } else if (d.inSync) {
      body = h('div', null, badge('In sync', 'ok', 'drift-status'),
        h('p', { class: 'muted' }, 'The vault matches the spec: no drift found.'));
    } else {
      var rows = config.drift.filter(function (c) { return (d.byCategory[c.id] || 0) > 0; }).map(function (c) {
        return h('li', { 'data-testid': 'drift-category', 'data-category': c.id, title: c.help },
          h('span', null, c.title), badge(d.byCategory[c.id], c.level === 'error' ? 'bad' : 'warn'));
      });
      body = h('div', null,
        h('p', { class: 'headline', 'data-testid': 'drift-status' }, plural(d.findings, 'finding') + ' between the spec and the vault'),
        h('ul', { class: 'drift-list' }, rows),
        h('p', { class: 'muted small' }, 'Details and remedies: vmbackup drift -f SPEC.'));
    }
    return h('section', { class: 'panel', 'aria-labelledby': 'h-drift', 'data-testid': 'drift-summary' },
      h('h2', { id: 'h-drift' }, 'Drift'), body);
  }

  function filterChips(all) {
    var counts = { all: all.length, succeeded: 0, failed: 0, inProgress: 0, other: 0 };
    all.forEach(function (j) { counts[group(j.status)]++; });
    var chips = [{ id: 'all', label: 'All' }].concat(GROUPS.map(function (g) { return { id: g.id, label: g.label }; }));
    if (counts.other > 0) chips.push({ id: 'other', label: 'Other' });
    return h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter jobs by status' }, chips.map(function (c) {
      return h('button', {
        type: 'button', class: 'chip', 'data-testid': 'filter-' + c.id, 'data-key': 'filter-' + c.id,
        'aria-pressed': ui.filter === c.id ? 'true' : 'false', onclick: function () { setFilter(c.id); }
      }, c.label + ' (' + counts[c.id] + ')');
    }));
  }

  function jobRow(j) {
    var open = function () { select(j.id); };
    return h('tr', {
      'data-testid': 'job-row', 'data-job-id': j.id, 'data-status': j.status, 'data-group': group(j.status),
      'aria-selected': ui.selected === j.id ? 'true' : 'false', onclick: open
    },
      h('td', null, badge(words(j.status), statusTone(j.status))),
      h('td', null, h('button', {
        type: 'button', class: 'linkish', 'data-testid': 'job-open', 'data-key': 'job:' + j.id,
        'aria-label': 'Details of ' + j.operation + ' on ' + j.vmName,
        onclick: function (e) { e.stopPropagation(); open(); }
      }, j.operation)),
      h('td', null, j.vmName),
      h('td', { class: 'nowrap' }, fmtTime(j.startTime, false, true)),
      h('td', { class: 'num nowrap' }, fmtDuration(j.durationSeconds)));
  }

  function details() {
    var j = ui.selected && findJob(ui.selected);
    if (!j) {
      return h('aside', { class: 'details', 'data-testid': 'job-details', 'aria-live': 'polite' },
        h('p', { class: 'muted' }, 'Choose a job to see its details: status, times, and for a failed job the Azure Backup error code and the remedy.'));
    }
    var errors = j.errors.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'job-no-errors' }, 'No errors reported.')
      : j.errors.map(function (e) {
        return h('div', { class: 'error', 'data-testid': 'job-error' },
          h('p', null, h('code', { 'data-testid': 'job-error-code' }, e.code)),
          h('p', { 'data-testid': 'job-error-message' }, e.message),
          e.recommendations.length ? [h('p', null, h('strong', null, 'Remedy')),
            h('ul', { class: 'remedy' }, e.recommendations.map(function (r) { return h('li', { 'data-testid': 'job-remedy' }, r); }))] : null);
      });
    return h('aside', { class: 'details', 'data-testid': 'job-details', 'aria-live': 'polite' },
      h('h3', { 'data-testid': 'job-details-title' }, j.operation + ' · ' + j.vmName),
      badge(words(j.status), statusTone(j.status), 'job-details-status'),
      h('dl', null,
        h('dt', null, 'Started'), h('dd', null, fmtTime(j.startTime, true)),
        h('dt', null, 'Ended'), h('dd', null, j.endTime ? fmtTime(j.endTime, true) : 'still running'),
        h('dt', null, 'Duration'), h('dd', null, fmtDuration(j.durationSeconds) || '–'),
        h('dt', null, 'Job'), h('dd', { class: 'small muted', title: j.id }, j.id.split('/').pop())),
      errors,
      h('p', null, h('button', { type: 'button', class: 'linkish', 'data-key': 'details-close', onclick: function () { select(null); } }, 'Close details')));
  }

  function jobsPanel() {
    var all = jobs();
    var shown = all.filter(function (j) { return ui.filter === 'all' || group(j.status) === ui.filter; });
    var rows = shown.length
      ? shown.map(jobRow)
      : [h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No such jobs in the last 24 hours.'))];
    var filterLabel = ui.filter === 'all' ? '' : ' (' + (ui.filter === 'other' ? 'other' : words(ui.filter).toLowerCase()) + ')';
    return h('section', { class: 'panel', id: 'jobs', 'aria-labelledby': 'h-jobs' },
      h('h2', { id: 'h-jobs' }, 'Jobs of the last 24 hours'),
      filterChips(all),
      h('div', { class: 'jobs-layout' },
        h('div', null,
          h('p', { class: 'muted small', 'data-testid': 'jobs-count', 'aria-live': 'polite' },
            'Showing ' + shown.length + ' of ' + plural(all.length, 'job') + filterLabel + ', newest first.'),
          h('div', { class: 'scroll', 'data-scroll': 'jobs' },
            h('table', { 'data-testid': 'jobs-table' },
              h('thead', null, h('tr', null, ['Status', 'Operation', 'VM', 'Started (UTC)', 'Duration'].map(function (t, i) {
                return h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t);
              }))),
              h('tbody', null, rows)))),
        details()));
  }

  function recoveryPanel() {
    var vms = data.recoveryPoints.slice().sort(function (a, b) {
      return a.vmName.localeCompare(b.vmName) || resourceGroup(a.vmId).localeCompare(resourceGroup(b.vmId));
    });
    var kinds = Object.keys(CONSISTENCY);
    var body;
    if (vms.length === 0) {
      body = h('p', { class: 'empty' }, 'No recovery points yet: the first ones appear after the scheduled backups.');
    } else {
      var head = ['VM', 'Latest (UTC)', 'Latest consistency', 'History, oldest to newest'].map(function (t) { return h('th', { scope: 'col' }, t); })
        .concat(kinds.map(function (k) { return h('th', { scope: 'col', class: 'num' }, CONSISTENCY[k].short); }))
        .concat([h('th', { scope: 'col', class: 'num' }, 'Points')]);
      body = h('div', { class: 'scroll', 'data-scroll': 'rp' }, h('table', { 'data-testid': 'rp-table' },
        h('thead', null, h('tr', null, head)),
        h('tbody', null, vms.map(function (vm) {
          var points = vm.points.slice().sort(function (a, b) { return a.time < b.time ? -1 : a.time > b.time ? 1 : 0; });
          var latest = points[points.length - 1];
          var info = latest && CONSISTENCY[latest.consistency];
          return h('tr', { class: 'static', 'data-testid': 'rp-row', 'data-vm': vm.vmName, 'data-vm-id': vm.vmId },
            h('td', null, vm.vmName, h('div', { class: 'muted small' }, resourceGroup(vm.vmId))),
            h('td', { class: 'nowrap' }, latest ? fmtTime(latest.time, false, true) : h('span', { class: 'muted' }, 'none')),
            h('td', null, latest ? badge(info ? info.label : words(latest.consistency), info ? info.tone : 'idle', 'rp-latest') : null),
            h('td', null, h('span', { class: 'dots', role: 'img', 'aria-label': consistencySummary(points) },
              points.slice(-30).map(function (p) {
                var c = CONSISTENCY[p.consistency];
                return h('span', { class: 'pt ' + (c ? c.cls : 'c-other'), title: fmtTime(p.time) + ' · ' + (c ? c.label : p.consistency) });
              }))),
            kinds.map(function (k) {
              var n = points.filter(function (p) { return p.consistency === k; }).length;
              return h('td', { class: 'num' + (n === 0 ? ' muted' : ''), 'data-testid': 'rp-count', 'data-consistency': k }, n);
            }),
            h('td', { class: 'num' }, points.length));
        }))));
    }
    return h('section', { class: 'panel', 'aria-labelledby': 'h-rp' },
      h('h2', { id: 'h-rp' }, 'Recovery points per VM'),
      body,
      h('div', { class: 'key', 'aria-hidden': 'true' }, kinds.map(function (k) {
        return h('span', null, h('span', { class: 'pt ' + CONSISTENCY[k].cls }), CONSISTENCY[k].label);
      })));
  }

  function consistencySummary(points) {
    var counts = {};
    points.forEach(function (p) { counts[p.consistency] = (counts[p.consistency] || 0) + 1; });
    return plural(points.length, 'recovery point') + ': ' + Object.keys(counts).map(function (k) {
      return counts[k] + ' ' + (CONSISTENCY[k] ? CONSISTENCY[k].label.toLowerCase() : k);
    }).join(', ');
  }

  function updateLiveStatus() {
    var cls = 'dot' + (config.liveUrl ? (ui.error ? ' err' : ' on') : '');
    var text = !config.liveUrl
      ? 'Snapshot of ' + fmtTime(data.generatedAt, true)
      : ui.error
        ? 'Live · update failed (' + ui.error + '), retrying every ' + config.refreshSeconds + ' s'
        : 'Live · data of ' + fmtTime(data.generatedAt, true) + ' · refreshes every ' + config.refreshSeconds + ' s';
    liveStatus.replaceChildren(h('span', { class: cls, 'aria-hidden': 'true' }),
      h('span', { 'data-testid': 'generated-at', 'data-generated-at': data.generatedAt }, text));
  }

  function render() {
    var focused = document.activeElement && document.activeElement.getAttribute('data-key');
    var scrolls = {};
    app.querySelectorAll('[data-scroll]').forEach(function (e) { scrolls[e.getAttribute('data-scroll')] = e.scrollTop; });
    app.replaceChildren(
      cards(),
      h('div', { class: 'row' }, protectionPanel(), jobsChartPanel(), driftPanel()),
      jobsPanel(),
      recoveryPanel());
    app.querySelectorAll('[data-scroll]').forEach(function (e) { e.scrollTop = scrolls[e.getAttribute('data-scroll')] || 0; });
    if (focused) {
      var again = app.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
    updateLiveStatus();
    app.setAttribute('data-rendered-at', data.generatedAt);
  }

  function refresh() {
    fetch(config.liveUrl, { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (body) {
        ui.error = null;
        if (body !== lastBody) {
          lastBody = body;
          data = JSON.parse(body);
          if (ui.selected && !findJob(ui.selected)) ui.selected = null;
          render();
        } else {
          updateLiveStatus();
        }
      })
      .catch(function (e) { ui.error = e && e.message ? e.message : 'unreachable'; updateLiveStatus(); })
      .finally(function () { setTimeout(refresh, config.refreshSeconds * 1000); });
  }

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && ui.selected) select(null);
  });
  render();
  if (config.liveUrl) setTimeout(refresh, config.refreshSeconds * 1000);
})();
`;
