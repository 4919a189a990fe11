// JUnit XML as CI servers read it: one suite, a case per checked subject, one <failure> per failing case.
import { xmlEscape } from './format.js';

export interface JunitFailure {
  readonly message: string;
  readonly type: string;
  readonly body: string;
}

export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  readonly file?: string;
  readonly line?: number;
  /** Several problems of one case are folded into one <failure>, since the schema allows one per case. */
  readonly failures: readonly JunitFailure[];
  readonly systemOut?: string;
}

export interface JunitSuite {
  readonly name: string;
  readonly timestamp: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly cases: readonly JunitCase[];
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

function failureXml(failures: readonly JunitFailure[]): string {
  const first = failures[0];
  const message = failures.length === 1 ? first.message : `${failures.length} problems: ${failures.map((f) => f.type).join(', ')}`;
  const type = failures.length === 1 ? first.type : 'multiple';
  const body = failures.map((f) => f.body).join('\n\n');
  return `      <failure${attrs({ message, type })}>${xmlEscape(body)}</failure>\n`;
}

export function junitXml(suite: JunitSuite): string {
  const failures = suite.cases.filter((c) => c.failures.length > 0).length;
  const counts = { tests: suite.cases.length, failures, errors: 0, skipped: 0, time: 0 };
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  lines.push(`<testsuites${attrs({ name: suite.name, ...counts })}>\n`);
  lines.push(`  <testsuite${attrs({ name: suite.name, ...counts, timestamp: suite.timestamp })}>\n`);
  const props = Object.entries(suite.properties);
  if (props.length > 0) {
    lines.push('    <properties>\n');
    for (const [name, value] of props) lines.push(`      <property${attrs({ name, value })}/>\n`);
    lines.push('    </properties>\n');
  }
  for (const c of suite.cases) {
    const open = `    <testcase${attrs({ name: c.name, classname: c.classname, file: c.file, line: c.line, time: 0 })}`;
    if (c.failures.length === 0 && !c.systemOut) {
      lines.push(`${open}/>\n`);
      continue;
    }
    lines.push(`${open}>\n`);
    if (c.failures.length > 0) lines.push(failureXml(c.failures));
    if (c.systemOut) lines.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>\n`);
    lines.push('    </testcase>\n');
  }
  lines.push('  </testsuite>\n</testsuites>\n');
  return lines.join('');
}
