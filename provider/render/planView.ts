// Views of a plan: terraform-like text, the JSON document, a pull-request comment, SARIF and JUnit.
import { describeDisks, vmLabel, type ActionKind, type Plan, type PlannedAction, type PolicySettings } from '../core/index.js';
import { colors, formatLocation, json, mdCell, mdCode, plural, unreachable, type Colors, type ReportFormat, type ReportOptions } from './format.js';
import { junitXml, type JunitCase } from './junit.js';
import { PREFLIGHT_CODES, PREFLIGHT_RULES } from './rules.js';
import { pascalCase, sarifLog } from './sarif.js';

export function renderPlan(plan: Plan, format: ReportFormat, opts: ReportOptions = {}): string {
  switch (format) {
    case 'text':
      return planText(plan, colors(opts.color));
    case 'json':
      return json(plan);
    case 'markdown':
      return planMarkdown(plan);
    case 'sarif':
      return planSarif(plan, opts.baseDir ?? process.cwd());
    case 'junit':
      return planJunit(plan);
    default:
      return unreachable(format, 'format');
  }
}

type ActionSymbol = '+' | '~' | '-' | '!';

const KIND_SYMBOL: Readonly<Record<ActionKind, ActionSymbol>> = {
  createPolicy: '+',
  register: '+',
  protect: '+',
  undelete: '+',
  updatePolicy: '~',
  changePolicy: '~',
  changeDisks: '~',
  stopProtection: '-',
  stopProtectionDeleteData: '-',
  unregister: '-',
  vaultSettings: '~',
};

export function actionSymbol(a: PlannedAction): ActionSymbol {
  return a.blockedBy.length > 0 ? '!' : KIND_SYMBOL[a.kind];
}

function vmWords(a: PlannedAction): string {
  const t = a.target;
  return `VM ${vmLabel(t.resourceGroup, t.vmName ?? t.vmId ?? '?')}`;
}

/** What an action acts on, in words: "VM rg-web/web-01 with policy daily". */
export function actionTarget(a: PlannedAction): string {
  switch (a.kind) {
    case 'createPolicy':
    case 'updatePolicy':
      return `policy ${a.target.policyName ?? '?'}`;
    case 'register':
      return vmWords(a);
    case 'protect':
      return `${vmWords(a)} with policy ${a.target.policyName ?? '?'}${a.disks ? `, disks: ${describeDisks(a.disks)}` : ''}`;
    case 'changePolicy':
      return `${vmWords(a)}: policy ${a.fromPolicyName ?? '?'} -> ${a.target.policyName ?? '?'}${a.disks ? `, disks -> ${describeDisks(a.disks)}` : ''}`;
    case 'changeDisks':
      return `${vmWords(a)}: disks ${describeDisks(a.fromDisks)} -> ${describeDisks(a.disks)}`;
    case 'stopProtection':
      return `${vmWords(a)} (backup data retained)`;
    case 'stopProtectionDeleteData':
      return `${vmWords(a)} (backup data DELETED)`;
    case 'unregister':
      return `${vmWords(a)} from the vault (no backup data deleted)`;
    case 'undelete':
      return `${vmWords(a)} (soft-deleted backup data brought back)`;
    case 'vaultSettings':
      return `vault settings ${a.changes.map((c) => c.setting).join(', ')}`;
    default:
      return unreachable(a, 'action kind');
  }
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return out;
}

/** The settings an updatePolicy changes, one "path: before -> after" per leaf. */
export function policyChanges(before: PolicySettings | undefined, after: PolicySettings | undefined): string[] {
  if (!before || !after) return [];
  const a = flatten(before, '', new Map());
  const b = flatten(after, '', new Map());
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? '(none)'} -> ${b.get(k) ?? '(none)'}`);
}

function summaryLine(plan: Plan): string {
  return `Plan: ${plan.summary.toApply} to apply, ${plan.summary.blocked} blocked.`;
}

/** Where the plan left VM agents to apply (an estate's first plan through Resource Graph), one sentence saying so. */
function agentNote(plan: Plan): string | undefined {
  const n = plan.actions.filter((a) => a.agentCheckAtApply && a.blockedBy.length === 0).length;
  if (n === 0) return undefined;
  return `The VM agent of ${plural(n, 'VM')} was not read (Resource Graph does not carry it): apply checks it on each VM before its first write, and blocks a VM whose agent fails pre-flight. \`--consistent\` reads it now.`;
}

function vault(plan: Plan): string {
  return `${plan.target.vaultResourceGroup}/${plan.target.vaultName}`;
}

/** An estate plan's vault, or the declared VMs no vault can take, as the heading of its actions. */
function estateHeading(plan: Plan, key: string | undefined): string {
  const v = plan.vaults?.find((x) => x.key === key);
  return v ? `Vault ${v.vaultResourceGroup}/${v.vaultName} (${v.location}, subscription ${v.subscriptionId}):` : 'Declared VMs no declared vault can take:';
}

function planText(plan: Plan, c: Colors): string {
  const head = plan.vaults
    ? `Plan for ${plan.vaults.length === 1 ? '1 vault' : `${plan.vaults.length} vaults`} of the estate, spec ${plan.spec.file}:`
    : `Plan for vault ${vault(plan)} (subscription ${plan.target.subscriptionId}), spec ${plan.spec.file}:`;
  const out: string[] = [head, ''];
  if (plan.actions.length === 0) {
    out.push(c.green(plan.vaults ? 'No changes: every vault matches the spec.' : 'No changes: the vault matches the spec.'), '', summaryLine(plan));
    return `${out.join('\n')}\n`;
  }
  const paint: Record<ActionSymbol, (s: string) => string> = { '+': c.green, '~': c.yellow, '-': c.red, '!': c.magenta };
  const width = Math.max(...plan.actions.map((a) => a.kind.length));
  let group: string | undefined | null = null;
  for (const a of plan.actions) {
    if (plan.vaults && a.vault !== group) {
      if (group !== null) out.push('');
      group = a.vault;
      out.push(c.bold(estateHeading(plan, a.vault)));
    }
    const sym = actionSymbol(a);
    out.push(`  ${paint[sym](`${sym} ${a.kind.padEnd(width)}`)} ${actionTarget(a)}`);
    out.push(`      ${c.dim(`# ${a.reason}`)}`);
    if (a.kind === 'updatePolicy') for (const change of policyChanges(a.previousPolicy, a.policy)) out.push(`      ${c.yellow('~')} ${change}`);
    if (a.kind === 'vaultSettings') {
      for (const change of a.changes) {
        const weaker = change.weakens ? ` ${c.red('(weaker: needs --allow-weaker-vault-settings)')}` : '';
        out.push(`      ${c.yellow('~')} ${change.setting}: ${String(change.from)} -> ${String(change.to)}${weaker}`);
      }
    }
    for (const f of a.blockedBy) {
      const code = f.azureErrorCode ? ` (${f.azureErrorCode})` : '';
      out.push(`      ${c.magenta(`blocked: ${f.code}${code}`)}: ${f.message}`);
      out.push(`        ${c.cyan('Remedy:')} ${f.remedy}`);
    }
  }
  const note = agentNote(plan);
  if (note) out.push('', c.dim(note));
  out.push('', c.bold(summaryLine(plan)));
  return `${out.join('\n')}\n`;
}

export const PLAN_COMMENT_MARKER = '<!-- vmbackup-plan -->';

function planMarkdown(plan: Plan): string {
  const out: string[] = [PLAN_COMMENT_MARKER, `## vmbackup plan: ${plan.summary.toApply} to apply, ${plan.summary.blocked} blocked`, ''];
  out.push(
    plan.vaults
      ? `Vaults ${plan.vaults.map((v) => mdCode(`${v.vaultResourceGroup}/${v.vaultName}`)).join(', ')}, spec ${mdCode(plan.spec.file)}.`
      : `Vault ${mdCode(vault(plan))}, spec ${mdCode(plan.spec.file)}.`,
  );
  if (plan.actions.length === 0) {
    out.push('', ':white_check_mark: **No changes:** the vault matches the spec.');
    return `${out.join('\n')}\n`;
  }
  out.push('', '### Actions', '', '| | Action | Target | Reason | Spec |', '| --- | --- | --- | --- | --- |');
  for (const a of plan.actions) {
    const spec = a.source ? mdCode(`${a.source.file}:${a.source.line}`) : '';
    const where = plan.vaults ? `${mdCell(estateHeading(plan, a.vault).replace(/:$/, ''))}: ` : '';
    out.push(`| ${mdCode(actionSymbol(a))} | ${a.kind} | ${where}${mdCell(actionTarget(a))} | ${mdCell(a.reason)} | ${spec} |`);
  }
  const note = agentNote(plan);
  if (note) out.push('', note);
  const blocked = plan.actions.filter((a) => a.blockedBy.length > 0);
  if (blocked.length > 0) {
    out.push('', `### Blocked (${blocked.length})`, '', 'These actions are shown but not attempted until their pre-flight findings are fixed.', '');
    out.push('| Action | Target | Finding | Remedy |', '| --- | --- | --- | --- |');
    for (const a of blocked) {
      for (const f of a.blockedBy) {
        const code = f.azureErrorCode ? ` (${mdCode(f.azureErrorCode)})` : '';
        out.push(`| ${a.kind} | ${mdCell(actionTarget(a))} | ${mdCode(f.code)}${code}: ${mdCell(f.message)} | ${mdCell(f.remedy)} |`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

function planSarif(plan: Plan, baseDir: string): string {
  return sarifLog({
    rules: PREFLIGHT_CODES.map((code) => ({
      id: `preflight/${code}`,
      name: pascalCase(code),
      info: PREFLIGHT_RULES[code],
      tags: ['vmbackup', 'preflight', 'azure-backup'],
    })),
    findings: plan.actions.flatMap((a) =>
      a.blockedBy.map((f) => ({
        ruleId: `preflight/${f.code}`,
        level: PREFLIGHT_RULES[f.code].level,
        message: `${a.kind} ${actionTarget(a)} is blocked: ${f.message} Remedy: ${f.remedy}`,
        location: a.source,
        fingerprintKey: `${vault(plan).toLowerCase()}\u0000${a.id.toLowerCase()}`,
        properties: { actionId: a.id, azureErrorCode: f.azureErrorCode, remedy: f.remedy },
      })),
    ),
    specFile: plan.spec.file,
    baseDir,
    automationId: `vmbackup/plan/${vault(plan)}/`,
  });
}

function planJunit(plan: Plan): string {
  const cases: JunitCase[] = plan.actions.map((a) => ({
    name: `${a.kind} ${actionTarget(a)}`,
    classname: `vmbackup.plan.${a.kind}`,
    file: a.source?.file,
    line: a.source?.line,
    failures: a.blockedBy.map((f) => ({
      message: `${f.code}: ${f.message}`,
      type: f.code,
      body: [
        `${f.code}: ${f.message}`,
        ...(f.azureErrorCode ? [`Azure error code: ${f.azureErrorCode}`] : []),
        `Remedy: ${f.remedy}`,
        ...(a.source ? [`Spec: ${formatLocation(a.source)}`] : []),
      ].join('\n'),
    })),
    systemOut: a.reason,
  }));
  // An empty suite reads as "no tests ran" in most CI servers; a plan with nothing to do is a pass.
  if (cases.length === 0) cases.push({ name: 'the vault matches the spec', classname: 'vmbackup.plan', failures: [] });
  return junitXml({
    name: `vmbackup plan ${vault(plan)}`,
    timestamp: plan.createdAt,
    properties: {
      spec: plan.spec.file,
      specDigest: plan.spec.digest,
      subscriptionId: plan.target.subscriptionId,
      vault: vault(plan),
      stateFingerprint: plan.stateFingerprint,
      summary: `${plan.summary.toApply} to apply, ${plural(plan.summary.blocked, 'blocked action')}`,
    },
    cases,
  });
}
