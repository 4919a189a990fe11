// The corpus of bad specs under fixtures/: every diagnostic of each file, with its exact place and code.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../../provider/core/index.js';
import { MAX_SOURCE_BYTES, resolveSpecFile, resolveSpecText, type Profile } from '../../provider/spec/index.js';

const DIR = 'test/spec/fixtures';

interface Case {
  readonly file: string;
  readonly profile?: Profile;
  readonly reason: string;
  /** `LINE:COL severity Code`, in any order. */
  readonly expected: readonly string[];
}

const cases: readonly Case[] = [
  {
    file: 'misspelt-key.yaml',
    profile: 'classic',
    reason: 'a misspelt key in a policy does not hide the policy\'s other problems, nor is it reported twice',
    expected: ['8:50 error UnknownKey', '9:25 error RetentionOutOfRange'],
  },
  {
    file: 'malformed-yaml.yaml',
    reason: 'an unclosed flow map and a tab used as indentation are YAML syntax errors, located where the parser stopped',
    expected: ['5:1 error YamlSyntax', '8:1 error YamlSyntax'],
  },
  {
    file: 'duplicate-keys.yaml',
    reason: 'YAML silently keeps the last of two equal keys; both duplicates are reported at the second key',
    expected: ['9:5 error DuplicateKey', '11:1 error DuplicateKey'],
  },
  {
    file: 'aliases.yaml',
    reason: 'an alias to an anchor never defined is an error; an anchor defined twice is legal YAML but a trap, so a warning',
    expected: ['8:16 error YamlAlias', '10:22 warning DuplicateAnchor'],
  },
  {
    file: 'collection-key.yaml',
    reason: 'a list as a key has no meaning in a spec',
    expected: ['6:7 error YamlSyntax'],
  },
  {
    file: 'empty-values.yaml',
    reason: 'a key written with no value is reported on the key',
    expected: ['2:1 error WrongType', '5:5 error WrongType'],
  },
  {
    file: 'alias-bomb.yaml',
    reason: 'aliases that expand exponentially are refused before they are expanded',
    expected: ['1:1 error YamlAlias'],
  },
  {
    file: 'empty.yaml',
    reason: 'an empty file is not a spec',
    expected: ['1:1 error WrongType'],
  },
  {
    file: 'not-a-mapping.yaml',
    reason: 'a list at the top is not a spec',
    expected: ['1:1 error WrongType'],
  },
  {
    file: 'wrong-types.yaml',
    reason: 'each value of the wrong type is reported on the value itself, all at once',
    expected: [
      '7:41 error WrongType',
      '8:25 error WrongType',
      '9:25 error WrongType',
      '11:28 error InvalidValue',
      '11:42 error WrongType',
      '12:53 error DuplicateItem',
      '16:10 error WrongType',
      '19:17 error WrongType',
      '20:13 error InvalidValue',
    ],
  },
  {
    file: 'unknown-keys.yaml',
    reason: 'unknown keys are located on the key; a merge key is unknown too; a misspelt required key is also missing',
    expected: [
      '4:55 error UnknownKey',
      '5:1 error UnknownKey',
      '8:5 error MissingKey',
      '8:5 error MissingKey',
      '8:5 error UnknownKey',
      '9:50 error UnknownKey',
      '10:5 error UnknownKey',
      '11:5 error MissingKey',
      '11:5 error UnknownKey',
      '14:1 error UnknownKey',
    ],
  },
  {
    file: 'structure.yaml',
    reason: 'wrong apiVersion, bad ids and names, zero counts, and rules that pick nothing are all reported together',
    expected: [
      '1:13 error UnsupportedApiVersion',
      '3:19 error InvalidSubscriptionId',
      '4:27 error InvalidName',
      '4:46 error InvalidName',
      '6:11 error InvalidName',
      '8:25 error OutOfRange',
      '9:25 error OutOfRange',
      '14:5 error EmptyRule',
      '18:13 error EmptySelector',
      '22:13 error EmptySelector',
      '23:11 error InvalidName',
    ],
  },
  {
    file: 'duplicate-names.yaml',
    reason: 'policy and rule names are unique (case-insensitive) and a rule must name a declared policy',
    expected: ['9:11 error DuplicatePolicy', '16:11 error DuplicateRule', '17:13 error UnknownPolicy', '20:13 error UnknownPolicy'],
  },
  {
    file: 'conflicting-rules.yaml',
    reason: 'one policy per VM: the same VM by name or id in two rules, a VM both protected and stopped, a stop entry twice',
    expected: [
      '17:9 error DuplicateVm',
      '21:9 error ConflictingRules',
      '24:9 error ConflictingStopProtection',
      '26:17 warning DataDeletion',
      '27:9 error DuplicateVm',
    ],
  },
  {
    file: 'schedules.yaml',
    reason: 'schedule fields and retention must fit the frequency; retention days must be backup days',
    expected: [
      '6:11 warning UnusedPolicy',
      '7:15 error WeeklyScheduleNeedsDays',
      '9:11 warning UnusedPolicy',
      '10:50 error ScheduleFieldNotApplicable',
      '10:66 error ScheduleFieldNotApplicable',
      '11:16 error MissingRetention',
      '12:11 warning UnusedPolicy',
      '13:15 error MissingScheduleField',
      '13:15 error MissingScheduleField',
      '13:15 error MissingScheduleField',
      '13:36 error ScheduleFieldNotApplicable',
      '15:15 error HourlyNeedsEnhanced',
      '16:11 warning UnusedPolicy',
      '19:7 error RetentionNotApplicable',
      '20:42 error RetentionDayNotScheduled',
      '21:50 error RetentionDayNotScheduled',
      '22:11 warning UnusedPolicy',
      '24:16 error MissingRetention',
    ],
  },
  {
    file: 'times-and-zones.yaml',
    reason: 'times are 24-hour HH:MM, time zones are Windows ids, hourly intervals are 4, 6, 8, 12 or 24',
    expected: [
      '7:41 error InvalidTime',
      '7:60 error UnknownTimeZone',
      '10:41 error InvalidTime',
      '10:59 error UnknownTimeZone',
      '13:58 error InvalidTime',
      '13:77 error UnknownTimeZone',
      '16:51 error InvalidValue',
      '16:67 error InvalidTime',
    ],
  },
  {
    file: 'arm-ids.yaml',
    reason: 'malformed ARM ids, a VM of another subscription, picks with both or neither identity, in rules and exclusions',
    expected: [
      '13:13 error InvalidArmId',
      '14:13 error InvalidArmId',
      '15:13 error InvalidArmId',
      '16:13 error InvalidArmId',
      '17:13 error VmInOtherSubscription',
      '18:9 error AmbiguousVmPick',
      '19:9 error IncompleteVmPick',
      '20:9 error IncompleteVmPick',
      '27:13 error IncompleteVmPick',
    ],
  },
  {
    file: 'beyond-classic.yaml',
    profile: 'classic',
    reason: 'the classic profile allows one backup a day, 30 days of retention (one month at most, no years) and 1-5 days of instant restore',
    expected: [
      '7:28 error HourlyNotAllowed',
      '9:25 error InstantRestoreOutOfRange',
      '13:14 error RetentionOutOfRange',
      '14:24 error RetentionOutOfRange',
      '15:25 error RetentionOutOfRange',
      '16:7 error RetentionNotAllowed',
      '17:25 error InstantRestoreOutOfRange',
    ],
  },
  {
    file: 'beyond-classic.yaml',
    profile: 'modern',
    reason: 'the same spec fits Azure today, apart from 6 days of instant restore on a standard policy',
    expected: ['17:25 error InstantRestoreOutOfRange'],
  },
  {
    file: 'beyond-classic.yaml',
    reason: 'without a profile a value is rejected only when no profile accepts it',
    expected: ['17:25 error InstantRestoreOutOfRange'],
  },
  {
    file: 'beyond-modern.yaml',
    profile: 'modern',
    reason: "every one of Azure's ranges is exceeded by one",
    expected: [
      '7:89 error ScheduleOutOfRange',
      '8:25 error RetentionOutOfRange',
      '9:25 error InstantRestoreOutOfRange',
      '13:14 error RetentionOutOfRange',
      '14:24 error RetentionOutOfRange',
      '15:25 error RetentionOutOfRange',
      '16:24 error RetentionOutOfRange',
      '17:25 error InstantRestoreOutOfRange',
    ],
  },
  {
    file: 'beyond-modern.yaml',
    reason: 'without a profile, 3 days of daily retention passes (classic accepts it) but the maxima still apply',
    expected: [
      '7:89 error ScheduleOutOfRange',
      '9:25 error InstantRestoreOutOfRange',
      '13:14 error RetentionOutOfRange',
      '14:24 error RetentionOutOfRange',
      '15:25 error RetentionOutOfRange',
      '16:24 error RetentionOutOfRange',
      '17:25 error InstantRestoreOutOfRange',
    ],
  },
  {
    file: 'bad-globs.yaml',
    reason: 'name globs outside the documented grammar (unclosed class or brace, leading !, too many alternatives, a backwards range) are refused where they stand',
    expected: ['13:15 error InvalidNamePattern', '13:26 error InvalidNamePattern', '13:38 error InvalidNamePattern', '13:47 error InvalidNamePattern', '14:26 error InvalidNamePattern'],
  },
  {
    file: 'multi-document.yaml',
    reason: 'a second YAML document is refused in our words, where it starts',
    expected: ['5:1 error YamlMultipleDocuments'],
  },
];

function summary(d: Diagnostic): string {
  return `${d.location?.line}:${d.location?.col} ${d.severity} ${d.code}`;
}

function byPlace(a: string, b: string): number {
  const [la, ca] = a.split(/[: ]/).map(Number);
  const [lb, cb] = b.split(/[: ]/).map(Number);
  return la - lb || ca - cb || a.localeCompare(b);
}

describe('bad input corpus', () => {
  test.each(cases)('$file ($profile): $reason', async ({ file, profile, expected }) => {
    const path = `${DIR}/${file}`;
    const { spec, diagnostics } = await resolveSpecFile(path, profile ? { profile } : {});
    expect(spec, 'no spec comes back from an invalid file').toBeUndefined();
    expect(diagnostics.map(summary).sort(byPlace)).toEqual([...expected].sort(byPlace));
    for (const d of diagnostics) {
      expect(d.location?.file).toBe(path);
      expect(formatDiagnostic(d)).toMatch(new RegExp(`^${path}:\\d+:\\d+: (error|warning): \\S`));
    }
  });

  test('a file that does not exist is one located diagnostic, not an exception', async () => {
    const { spec, diagnostics } = await resolveSpecFile(`${DIR}/missing.yaml`);
    expect(spec).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, formatDiagnostic(d)])).toEqual([
      ['SpecUnreadable', `${DIR}/missing.yaml:1:1: error: cannot read spec ${DIR}/missing.yaml: no such file (give the path of a readable spec file)`],
    ]);
  });
});

describe('files that are not spec text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmbackup-spec-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = readFileSync('examples/spec.yaml');
  function file(name: string, bytes: Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }
  /** The example with `bytes` in place of the first "web" it names on line `line`. */
  function withBytesOnLine(line: number, bytes: number[]): Buffer {
    const lines = good.toString('utf8').split('\n');
    const at = lines[line - 1]!.indexOf('web');
    const before = Buffer.from(`${lines.slice(0, line - 1).join('\n')}\n${lines[line - 1]!.slice(0, at)}`, 'utf8');
    const after = Buffer.from(`${lines[line - 1]!.slice(at)}\n${lines.slice(line).join('\n')}`, 'utf8');
    return Buffer.concat([before, Buffer.from(bytes), after]);
  }
  function lineNaming(word: string): number {
    return good.toString('utf8').split('\n').findIndex((l) => l.includes(word)) + 1;
  }

  const cases: { reason: string; make: () => string; message: RegExp; at?: string }[] = [
    {
      reason: 'Latin-1 text: the first byte that is not UTF-8, at its line and column',
      make: () => file('latin1.yaml', withBytesOnLine(lineNaming('web'), [0xe9])),
      message: /is not UTF-8: byte 0xe9/,
      at: `${lineNaming('web')}:${good.toString('utf8').split('\n')[lineNaming('web') - 1]!.indexOf('web') + 1}`,
    },
    { reason: 'UTF-16 with its byte order mark', make: () => file('utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good.toString('utf8'), 'utf16le')])), message: /UTF-16/ },
    { reason: 'UTF-16 without a mark shows as NUL bytes', make: () => file('utf16-nobom.yaml', Buffer.from(good.toString('utf8'), 'utf16le')), message: /NUL byte/, at: '1:2' },
    { reason: 'an overlong encoding is not UTF-8', make: () => file('overlong.yaml', Buffer.concat([Buffer.from([0xc0, 0xaf]), good])), message: /0xc0/, at: '1:1' },
    { reason: 'a directory', make: () => dir, message: /directory/ },
    { reason: 'a pipe is refused at once instead of waiting for a writer', make: () => { const p = join(dir, 'fifo'); execFileSync('mkfifo', [p]); return p; }, message: /a pipe/ },
    { reason: 'a device that never ends is refused, not read', make: () => '/dev/zero', message: /a device/ },
    { reason: 'a file over the size cap is not read', make: () => { const p = join(dir, 'huge.yaml'); writeFileSync(p, ''); truncateSync(p, MAX_SOURCE_BYTES + 1); return p; }, message: /MiB; a spec is at most 4 MiB/ },
  ];
  test.each(cases)('$reason', async ({ make, message, at }) => {
    const path = make();
    const { spec, diagnostics } = await resolveSpecFile(path);
    expect(spec).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(message);
    expect(diagnostics[0]!.remedy).toBeTruthy();
    if (at) expect(`${diagnostics[0]!.location?.line}:${diagnostics[0]!.location?.col}`).toBe(at);
  });

  test('a UTF-8 byte order mark is allowed, and the text behind it is the spec', async () => {
    const { spec, diagnostics } = await resolveSpecFile(file('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good])));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(spec?.rules.length).toBeGreaterThan(0);
  });

  test('a key written twice among 40,000, and each of 40,000 unknown keys, are found in one pass over the file', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n');
    const twice = resolveSpecText(`apiVersion: vmbackup/v1\n${keys}\nk7: 2\n`, 'wide.yaml').diagnostics;
    expect(twice.filter((d) => d.code === 'DuplicateKey').map((d) => `${d.location?.line}:${d.location?.col}`)).toEqual(['40002:1']);
    const unknown = resolveSpecText(`apiVersion: vmbackup/v1\n${keys}\n`, 'wide.yaml').diagnostics.filter((d) => d.location?.line === 40_001);
    expect(unknown.map((d) => d.message)).toEqual([expect.stringMatching(/k39999/)]);
  });
});

describe('every value of the example replaced by a value of another kind', () => {
  /** Paths to every leaf of a plain value. */
  function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
    if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
    return [path];
  }

  // Each replacement must come back as diagnostics, never as an exception.
  test('is reported, never thrown', () => {
    const text = readFileSync('examples/spec.yaml', 'utf8');
    const paths = leaves(parse(text));
    expect(paths.length).toBeGreaterThan(40);
    let rejected = 0;
    for (const path of paths) {
      for (const replacement of [null, ['x'], { x: 1 }, 12345]) {
        const doc = parseDocument(text);
        doc.setIn(path, doc.createNode(replacement));
        const result = resolveSpecText(doc.toString(), 'mutated.yaml');
        if (!result.spec) rejected++;
        expect(result.spec !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      }
    }
    // Every leaf of the example is typed and bounded, so no replacement is accepted.
    expect(rejected).toBe(paths.length * 4);
  });
});
