// An estate's dashboard as one self-contained page, drawn on the server: the estate's totals and coverage,
// then one row per vault by subscription and region, each with the command that opens its own dashboard.
import type { EstateDashboard } from '../core/index.js';
import { pageHead } from './dashboardPage.js';
import { plural, shortTime, xmlEscape } from './format.js';

export interface EstatePageOptions {
  /** The spec the estate comes from, for the drill-down commands; default `SPEC`. */
  specFile?: string;
}

function card(testId: string, label: string, value: number, tone: string, hint = ''): string {
  return `<div class="card ${tone}" data-testid="${testId}"><span class="label">${xmlEscape(label)}</span><span class="value">${value}</span>${hint ? `<span class="hint">${xmlEscape(hint)}</span>` : ''}</div>`;
}

export function estateDashboardHtml(data: EstateDashboard, opts: EstatePageOptions = {}): string {
  const t = data.totals;
  const spec = opts.specFile ?? 'SPEC';
  const cov = data.coverage;
  const coverage = cov
    ? `<section class="panel" aria-labelledby="coverage-h" data-testid="coverage">
  <h2 id="coverage-h">Coverage of the scope</h2>
  <div class="cards">
    ${card('coverage-in-scope', 'VMs in scope', cov.inScope, 'accent')}
    ${card('coverage-protected', 'Protected', cov.protected, 'ok')}
    ${card('coverage-declared', 'Declared, not yet protected', cov.declaredUnprotected, cov.declaredUnprotected > 0 ? 'warn' : 'ok')}
    ${card('coverage-exempt', 'Exempt', cov.exempt, 'run')}
    ${card('coverage-uncovered', 'Uncovered', cov.uncovered, cov.uncovered > 0 ? 'bad' : 'ok', cov.uncovered > 0 ? 'no rule, no exemption, no backup' : '')}
  </div>
  ${
    cov.exemptions.length > 0
      ? `<table data-testid="exemptions"><caption class="sub">Exempt VMs and why</caption><thead><tr><th scope="col">VM</th><th scope="col">Reason</th></tr></thead><tbody>${cov.exemptions
          .map((e) => `<tr data-testid="exemption-row"><td>${xmlEscape(`${e.resourceGroup}/${e.name}`)}</td><td>${xmlEscape(e.reason)}</td></tr>`)
          .join('')}</tbody></table>`
      : ''
  }
</section>`
    : '';
  const rows = data.vaults
    .map(
      (v) => `<tr data-testid="vault-row">
<td>${xmlEscape(v.subscriptionId)}</td><td>${xmlEscape(v.location)}</td><td>${xmlEscape(`${v.vaultResourceGroup}/${v.vaultName}`)}</td>
<td class="num">${v.protectedVms}</td><td class="num">${v.jobs24h.succeeded}</td><td class="num${v.jobs24h.failed > 0 ? ' bad' : ''}">${v.jobs24h.failed}</td><td class="num">${v.jobs24h.inProgress}</td>
<td><code>vmbackup dashboard -f ${xmlEscape(spec)} --vault ${xmlEscape(`${v.vaultResourceGroup}/${v.vaultName}`)} --format html</code></td>
</tr>`,
    )
    .join('\n');
  return `${pageHead(`Backup dashboard · estate of ${plural(t.vaults, 'vault')}`)}
<body>
<header class="top">
  <div>
    <h1>Backup dashboard</h1>
    <p class="sub">Estate of <strong data-testid="estate-vaults">${xmlEscape(plural(t.vaults, 'vault'))}</strong> · as of <time datetime="${xmlEscape(data.generatedAt)}">${xmlEscape(shortTime(data.generatedAt))}</time></p>
  </div>
</header>
<main data-testid="estate-dashboard">
<section class="cards" aria-label="Estate totals">
  ${card('total-protected', 'Protected VMs', t.protectedVms, 'accent')}
  ${card('total-succeeded', 'Jobs succeeded (24 h)', t.jobs24h.succeeded, 'ok')}
  ${card('total-failed', 'Jobs failed (24 h)', t.jobs24h.failed, t.jobs24h.failed > 0 ? 'bad' : 'ok')}
  ${card('total-in-progress', 'Jobs in progress', t.jobs24h.inProgress, 'run')}
  ${card('total-vaults', 'Vaults', t.vaults, 'accent')}
</section>
${coverage}
<section class="panel" aria-labelledby="vaults-h">
  <h2 id="vaults-h">Vaults by subscription and region</h2>
  <table data-testid="vaults">
    <thead><tr><th scope="col">Subscription</th><th scope="col">Region</th><th scope="col">Vault</th><th scope="col" class="num">Protected VMs</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col" class="num">In progress</th><th scope="col">Its own dashboard</th></tr></thead>
    <tbody>
${rows}
    </tbody>
    <tfoot><tr data-testid="estate-total"><th scope="row" colspan="3">Estate</th><td class="num">${t.protectedVms}</td><td class="num">${t.jobs24h.succeeded}</td><td class="num">${t.jobs24h.failed}</td><td class="num">${t.jobs24h.inProgress}</td><td></td></tr></tfoot>
  </table>
</section>
</main>
</body>
</html>
`;
}
