// Views of a drift report: a terminal summary, the JSON document, a pull-request comment, SARIF and JUnit.
import { sameArmId, vmLabel, type DriftCategory, type DriftFinding, type DriftReport, type DriftSubject, type SourceLocation } from '../core/index.js';
import { colors, formatLocation, json, mdCell, mdCode, plural, unreachable, type Colors, type ReportFormat, type ReportOptions } from './format.js';
import { junitXml, type JunitCase, type JunitFailure } from './junit.js';
import { DRIFT_CATEGORIES, DRIFT_RULES } from './rules.js';
import { pascalCase, sarifLog } from './sarif.js';

export function renderDrift(report: DriftReport, format: ReportFormat, opts: ReportOptions = {}): string {
  switch (format) {
    case 'text':
      return driftText(report, colors(opts.color));
    case 'json':
      return json(report);
    case 'markdown':
      return driftMarkdown(report);
    case 'sarif':
      return driftSarif(report, opts.baseDir ?? process.cwd());
    case 'junit':
      return driftJunit(report);
    default:
      return unreachable(format, 'format');
  }
}

export function subjectLabel(s: DriftSubject): string {
  if (s.kind === 'policy') return `policy ${s.name}`;
  if (s.kind === 'exemption') return s.name;
  if (s.kind === 'vault') return `vault ${vmLabel(s.resourceGroup, s.name)}`;
  return `VM ${vmLabel(s.resourceGroup, s.name)}`;
}

function byCategory(report: DriftReport): [DriftCategory, DriftFinding[]][] {
  return DRIFT_CATEGORIES.map((c) => [c, report.findings.filter((f) => f.category === c)] as [DriftCategory, DriftFinding[]]).filter(
    ([, fs]) => fs.length > 0,
  );
}

function vault(report: DriftReport): string {
  return `${report.target.vaultResourceGroup}/${report.target.vaultName}`;
}

/** The vault a report speaks for, or its estate's vaults. */
function reportScope(report: DriftReport): string {
  return report.vaults ? `the estate (${plural(report.vaults.length, 'vault')})` : `vault ${vault(report)}`;
}

/** The audit's one number per state, and each exempt VM with its reason. */
export function coverageLines(cov: NonNullable<DriftReport['coverage']>): string[] {
  const lines = [
    `Coverage: ${plural(cov.inScope, 'VM')} in scope: ${cov.protected} protected, ${cov.declaredUnprotected} declared but not yet protected, ${cov.exempt} exempt, ${cov.uncovered} uncovered.`,
  ];
  for (const e of cov.exemptions) lines.push(`  exempt: VM ${e.resourceGroup}/${e.name}: ${e.reason}`);
  return lines;
}

function checkedLine(report: DriftReport): string {
  return `${plural(report.checked.vms.length, 'declared VM')} and ${plural(report.checked.policies.length, 'policy', 'policies')} checked`;
}

function countsLine(report: DriftReport): string {
  return byCategory(report)
    .map(([c, fs]) => `${fs.length} ${DRIFT_RULES[c].title.toLowerCase()}`)
    .join(', ');
}

function driftText(report: DriftReport, c: Colors): string {
  const out: string[] = [`Drift report for ${reportScope(report)} (spec ${report.spec.file}): ${checkedLine(report)}.`, ''];
  if (report.coverage) out.push(...coverageLines(report.coverage), '');
  for (const [category, findings] of byCategory(report)) {
    const rule = DRIFT_RULES[category];
    const paint = rule.level === 'error' ? c.red : c.yellow;
    out.push(paint(c.bold(`${rule.title} (${findings.length})`)));
    for (const f of findings) {
      const where = f.source ? `  ${c.dim(formatLocation(f.source))}` : '';
      out.push(`  ${paint('✗')} ${subjectLabel(f.subject)}${f.vault ? ` in vault ${f.vault}` : ''}${where}`);
      out.push(`      ${f.message}`);
      if (f.expected !== undefined || f.actual !== undefined) {
        out.push(`      expected: ${f.expected ?? '-'}    actual: ${f.actual ?? '-'}`);
      }
      if (f.azureErrorCode) out.push(`      Azure error code: ${f.azureErrorCode}`);
      out.push(`      ${c.cyan('Remedy:')} ${f.remedy}`);
    }
    out.push('');
  }
  if (report.findings.length === 0) out.push(c.green('In sync.'));
  else out.push(c.bold(`Drift: ${plural(report.findings.length, 'finding')} (${countsLine(report)}).`));
  return `${out.join('\n')}\n`;
}

// Bots look for this marker to update their previous comment instead of adding a new one.
export const DRIFT_COMMENT_MARKER = '<!-- vmbackup-drift-report -->';

function driftMarkdown(report: DriftReport): string {
  const out: string[] = [DRIFT_COMMENT_MARKER];
  const where = report.vaults
    ? `Vaults ${report.vaults.map((v) => mdCode(`${v.vaultResourceGroup}/${v.vaultName}`)).join(', ')}, spec ${mdCode(report.spec.file)}`
    : `Vault ${mdCode(vault(report))}, spec ${mdCode(report.spec.file)}`;
  const coverage = report.coverage ? ['', ...coverageLines(report.coverage).map((l) => (l.startsWith('  ') ? `- ${mdCell(l.trim())}` : l))] : [];
  if (report.findings.length === 0) {
    out.push('## vmbackup drift: in sync', '', `:white_check_mark: **In sync.** ${where}: ${checkedLine(report)}, no drift found.`, ...coverage);
    return `${out.join('\n')}\n`;
  }
  const groups = byCategory(report);
  out.push(
    `## vmbackup drift: ${plural(report.findings.length, 'finding')}`,
    '',
    `:warning: **Drift found:** ${plural(report.findings.length, 'finding')} in ${plural(groups.length, 'category', 'categories')}. ${where}: ${checkedLine(report)}.`,
    ...coverage,
  );
  for (const [category, findings] of groups) {
    const rule = DRIFT_RULES[category];
    out.push('', `### ${rule.title} (${findings.length})`, '', rule.description, '');
    out.push('| Subject | Finding | Expected | Actual | Remedy | Spec |', '| --- | --- | --- | --- | --- | --- |');
    for (const f of findings) {
      const code = f.azureErrorCode ? ` (${mdCode(f.azureErrorCode)})` : '';
      const spec = f.source ? mdCode(`${f.source.file}:${f.source.line}`) : '';
      out.push(
        `| ${mdCell(`${subjectLabel(f.subject)}${f.vault ? ` (vault ${f.vault})` : ''}`)} | ${mdCell(f.message)}${code} | ${mdCell(f.expected)} | ${mdCell(f.actual)} | ${mdCell(f.remedy)} | ${spec} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function findingMessage(f: DriftFinding): string {
  const diff = f.expected !== undefined || f.actual !== undefined ? ` Expected: ${f.expected ?? '-'}; actual: ${f.actual ?? '-'}.` : '';
  return `${subjectLabel(f.subject)}${f.vault ? ` in vault ${f.vault}` : ''}: ${f.message}${diff} Remedy: ${f.remedy}`;
}

function subjectKey(s: DriftSubject): string {
  return s.kind === 'policy' ? `policy:${s.name.toLowerCase()}` : `vm:${(s.id ?? `${s.resourceGroup ?? ''}/${s.name}`).toLowerCase()}`;
}

function isVm(s: DriftSubject, vm: DriftReport['checked']['vms'][number]): boolean {
  if (s.kind !== 'vm') return false;
  if (s.id) return sameArmId(s.id, vm.id);
  return s.name.toLowerCase() === vm.name.toLowerCase() && (s.resourceGroup ?? '').toLowerCase() === vm.resourceGroup.toLowerCase();
}

/** Where a finding points: its own source, else the declared VM's or policy's line. */
function findingSource(report: DriftReport, f: DriftFinding): SourceLocation | undefined {
  if (f.source) return f.source;
  if (f.subject.kind === 'vm') return report.checked.vms.find((vm) => isVm(f.subject, vm))?.source;
  return report.checked.policies.find((p) => p.name === f.subject.name)?.source;
}

function driftSarif(report: DriftReport, baseDir: string): string {
  return sarifLog({
    rules: DRIFT_CATEGORIES.map((c) => ({ id: `drift/${c}`, name: pascalCase(c), info: DRIFT_RULES[c], tags: ['vmbackup', 'drift', 'azure-backup'] })),
    findings: report.findings.map((f) => ({
      ruleId: `drift/${f.category}`,
      level: DRIFT_RULES[f.category].level,
      message: findingMessage(f),
      location: findingSource(report, f),
      fingerprintKey: `${(f.vault ?? vault(report)).toLowerCase()}\u0000${subjectKey(f.subject)}`,
      properties: { subject: subjectLabel(f.subject), expected: f.expected, actual: f.actual, azureErrorCode: f.azureErrorCode, remedy: f.remedy },
    })),
    specFile: report.spec.file,
    baseDir,
    automationId: `vmbackup/drift/${vault(report)}/`,
  });
}

function junitFailure(f: DriftFinding): JunitFailure {
  const rule = DRIFT_RULES[f.category];
  const lines = [`[${rule.title}] ${subjectLabel(f.subject)}: ${f.message}`];
  if (f.expected !== undefined) lines.push(`Expected: ${f.expected}`);
  if (f.actual !== undefined) lines.push(`Actual: ${f.actual}`);
  if (f.azureErrorCode) lines.push(`Azure error code: ${f.azureErrorCode}`);
  lines.push(`Remedy: ${f.remedy}`);
  if (f.source) lines.push(`Spec: ${formatLocation(f.source)}`);
  return { message: `${rule.title}: ${f.message}`, type: f.category, body: lines.join('\n') };
}

function driftJunit(report: DriftReport): string {
  const claimed = new Set<DriftFinding>();
  const take = (match: (f: DriftFinding) => boolean) => {
    const fs = report.findings.filter((f) => !claimed.has(f) && match(f));
    for (const f of fs) claimed.add(f);
    return fs.map(junitFailure);
  };
  const cases: JunitCase[] = [];
  for (const vm of report.checked.vms) {
    cases.push({
      name: vmLabel(vm.resourceGroup, vm.name),
      classname: 'vmbackup.vm',
      file: vm.source?.file,
      line: vm.source?.line,
      failures: take((f) => isVm(f.subject, vm)),
      systemOut: `Declared with policy ${vm.policy}.`,
    });
  }
  for (const p of report.checked.policies) {
    cases.push({
      name: p.name,
      classname: 'vmbackup.policy',
      file: p.source?.file,
      line: p.source?.line,
      failures: take((f) => f.subject.kind === 'policy' && f.subject.name === p.name),
    });
  }
  // Findings about subjects the spec does not declare (e.g. protected but undeclared VMs) get a case each.
  const rest = new Map<string, DriftFinding[]>();
  for (const f of report.findings.filter((x) => !claimed.has(x))) {
    const key = subjectKey(f.subject);
    rest.set(key, [...(rest.get(key) ?? []), f]);
  }
  for (const fs of rest.values()) {
    const s = fs[0].subject;
    const src = findingSource(report, fs[0]);
    cases.push({
      name: s.kind === 'vm' ? vmLabel(s.resourceGroup, s.name) : s.kind === 'vault' ? subjectLabel(s) : s.name,
      classname: s.kind === 'vm' ? 'vmbackup.undeclared' : s.kind === 'vault' ? 'vmbackup.vault' : 'vmbackup.policy',
      file: src?.file,
      line: src?.line,
      failures: fs.map(junitFailure),
    });
  }
  return junitXml({
    name: `vmbackup drift ${vault(report)}`,
    timestamp: report.generatedAt,
    properties: { spec: report.spec.file, specDigest: report.spec.digest, subscriptionId: report.target.subscriptionId, vault: vault(report) },
    cases,
  });
}
