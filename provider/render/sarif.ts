// SARIF 2.1.0 logs as GitHub code scanning ingests them: rules with help, results located in the spec.
import { createHash } from 'node:crypto';
import type { SourceLocation } from '../core/index.js';
import { artifactUri } from './format.js';
import { HELP_URI, type Level, type RuleInfo } from './rules.js';
import { toolInfo } from './toolInfo.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifRuleInput {
  readonly id: string;
  /** PascalCase name, e.g. "DeclaredUnprotected". */
  readonly name: string;
  readonly info: RuleInfo;
  readonly tags: readonly string[];
}

export interface SarifFinding {
  readonly ruleId: string;
  readonly level: Level;
  readonly message: string;
  /** Where in the spec; the spec file's first line when absent (code scanning needs a location). */
  readonly location?: SourceLocation;
  /** Identifies the same finding across runs, e.g. rule + subject; hashed into partialFingerprints. */
  readonly fingerprintKey: string;
  readonly properties?: Readonly<Record<string, string | undefined>>;
}

export interface SarifLogInput {
  readonly rules: readonly SarifRuleInput[];
  readonly findings: readonly SarifFinding[];
  readonly specFile: string;
  readonly baseDir: string;
  /** Code scanning's category for this analysis, e.g. "vmbackup/drift/". */
  readonly automationId: string;
}

export function pascalCase(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function ruleDescriptor(rule: SarifRuleInput) {
  const { title, description, help, level } = rule.info;
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: title },
    fullDescription: { text: description },
    help: {
      text: `${description} Remedy: ${help.replace(/`/g, '')}`,
      markdown: `**${title}.** ${description}\n\n**Remedy:** ${help}\n\nSee [Troubleshoot backup errors with Azure virtual machines](${HELP_URI}).`,
    },
    helpUri: HELP_URI,
    defaultConfiguration: { level },
    properties: {
      tags: [...rule.tags],
      precision: 'very-high',
      'problem.severity': level === 'note' ? 'recommendation' : level,
    },
  };
}

function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function definedOnly(props: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> | undefined {
  if (!props) return undefined;
  const entries = Object.entries(props).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function sarifLog(input: SarifLogInput): string {
  const tool = toolInfo();
  const ruleIndex = new Map(input.rules.map((r, i) => [r.id, i]));
  const seen = new Map<string, number>();
  const results = input.findings.map((f) => {
    const index = ruleIndex.get(f.ruleId);
    if (index === undefined) throw new Error(`SARIF result refers to unknown rule ${f.ruleId}`);
    const loc = f.location ?? { file: input.specFile, line: 1, col: 1 };
    const properties = definedOnly(f.properties);
    // Two findings of one rule on one subject stay two alerts: number them in the order given.
    const key = `${f.ruleId}\u0000${f.fingerprintKey}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    return {
      ruleId: f.ruleId,
      ruleIndex: index,
      level: f.level,
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(loc.file, input.baseDir) },
            region: { startLine: Math.max(1, loc.line), startColumn: Math.max(1, loc.col) },
          },
        },
      ],
      partialFingerprints: { 'vmbackupFinding/v1': fingerprint(`${key}#${occurrence}`) },
      ...(properties ? { properties } : {}),
    };
  });
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            informationUri: tool.informationUri,
            rules: input.rules.map(ruleDescriptor),
          },
        },
        automationDetails: { id: input.automationId },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
