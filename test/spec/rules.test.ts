// Every rule, with a case that breaks it and a near miss that does not. Specs are written inline so that each
// expected LINE:COL can be read off the text: the header takes lines 1-4, the body starts on line 5.
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../provider/core/index.js';
import { resolveSpecText, type Profile } from '../../provider/spec/index.js';

const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const HEADER = `apiVersion: vmbackup/v1
target:
  subscriptionId: ${SUB}
  vault: { resourceGroup: rg-backup, name: vault-weu }
`;

/** A spec whose only policy, "p-test", has the given lines (from line 7, indented 4) and protects web-01. */
function withPolicy(...lines: string[]): string {
  return `${HEADER}policies:
  - name: p-test
${lines.map((l) => `    ${l}`).join('\n')}
protect:
  - name: web
    policy: p-test
    vms: [{ resourceGroup: rg-web, name: web-01 }]
`;
}

/** Two policies on lines 6-11 (daily-1000 and weekly-0600), then the body from line 12. */
function withRules(body: string): string {
  return `${HEADER}policies:
  - name: daily-1000
    schedule: { frequency: Daily, time: "10:00" }
    retention: { daily: 30 }
  - name: weekly-0600
    schedule: { frequency: Weekly, days: [Sunday], time: "06:00" }
    retention: { weekly: { count: 4, days: [Sunday] } }
${body}`;
}

interface Expected {
  /** `LINE:COL severity Code` */
  readonly at: string;
  /** Text the message must contain. */
  readonly message?: string;
  /** Text the remedy must contain. */
  readonly remedy?: string;
}

interface Case {
  readonly reason: string;
  readonly text: string;
  readonly profile?: Profile;
  readonly expected: readonly Expected[];
}

const DAILY_RETENTION = 'retention: { daily: 30 }';
const DAILY_1000 = 'schedule: { frequency: Daily, time: "10:00" }';

const policyCases: readonly Case[] = [
  {
    reason: 'a weekly schedule without days cannot run',
    text: withPolicy('schedule: { frequency: Weekly, time: "06:00" }', 'retention: { weekly: { count: 4, days: [Sunday] } }'),
    expected: [{ at: '7:15 error WeeklyScheduleNeedsDays', remedy: 'days: [Sunday]' }],
  },
  {
    reason: 'a weekly schedule with its days is complete',
    text: withPolicy('schedule: { frequency: Weekly, days: [Sunday], time: "06:00" }', 'retention: { weekly: { count: 4, days: [Sunday] } }'),
    expected: [],
  },
  {
    reason: 'a daily schedule needs its time',
    text: withPolicy('schedule: { frequency: Daily }', DAILY_RETENTION),
    expected: [{ at: '7:15 error MissingScheduleField', message: 'a Daily schedule needs "time"' }],
  },
  {
    reason: 'hourly fields do not apply to a daily schedule; the diagnostic points at the key',
    text: withPolicy('schedule: { frequency: Daily, time: "10:00", windowHours: 4 }', DAILY_RETENTION),
    expected: [{ at: '7:50 error ScheduleFieldNotApplicable', message: '"windowHours" does not apply to a Daily schedule' }],
  },
  {
    reason: 'an hourly schedule needs interval, window start and window length',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 4 }', 'retention: { daily: 7 }'),
    expected: [
      { at: '7:15 error MissingScheduleField', message: '"windowStart"' },
      { at: '7:15 error MissingScheduleField', message: '"windowHours"' },
    ],
  },
  {
    reason: 'an hourly schedule cannot be a standard (V1) policy',
    text: withPolicy(
      'schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12 }',
      'retention: { daily: 7 }',
      'enhanced: false',
    ),
    expected: [{ at: '9:15 error HourlyNeedsEnhanced' }],
  },
  {
    reason: 'a complete hourly schedule is valid without a profile',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12 }', 'retention: { daily: 7 }'),
    expected: [],
  },
  {
    reason: 'a daily schedule keeps daily points',
    text: withPolicy(DAILY_1000, 'retention: { weekly: { count: 4, days: [Sunday] } }'),
    expected: [{ at: '8:16 error MissingRetention', message: 'needs daily retention' }],
  },
  {
    reason: 'a weekly schedule keeps weekly points, not daily ones',
    text: withPolicy('schedule: { frequency: Weekly, days: [Sunday], time: "06:00" }', DAILY_RETENTION),
    expected: [
      { at: '8:16 error MissingRetention', message: 'needs weekly retention' },
      { at: '8:18 error RetentionNotApplicable' },
    ],
  },
  {
    reason: 'a weekly schedule keeps only the days it backs up',
    text: withPolicy(
      'schedule: { frequency: Weekly, days: [Sunday, Wednesday], time: "06:00" }',
      'retention:',
      '  weekly: { count: 4, days: [Wednesday, Saturday] }',
      '  monthly: { count: 2, weeks: [First], days: [Sunday] }',
    ),
    expected: [
      { at: '9:45 error RetentionDayNotScheduled', message: 'weekly retention keeps Saturday, but backups run only on Sunday, Wednesday' },
      { at: '10:25 error RetentionOutOfRange', message: 'the classic profile allows 1 month' },
    ],
    profile: 'classic',
  },
  {
    reason: 'under the modern profile two months of retention are allowed; only the unscheduled day remains',
    text: withPolicy(
      'schedule: { frequency: Weekly, days: [Sunday, Wednesday], time: "06:00" }',
      'retention:',
      '  weekly: { count: 4, days: [Wednesday, Saturday] }',
      '  monthly: { count: 2, weeks: [First], days: [Sunday] }',
    ),
    expected: [{ at: '9:45 error RetentionDayNotScheduled' }],
    profile: 'modern',
  },
  {
    reason: 'classic counts a month as 30 days, so one month of retention fits',
    text: withPolicy(DAILY_1000, 'retention:', '  daily: 30', '  monthly: { count: 1, weeks: [Last], days: [Sunday] }'),
    profile: 'classic',
    expected: [],
  },
  {
    reason: 'classic allows no hourly schedule',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12 }', 'retention: { daily: 7 }'),
    profile: 'classic',
    expected: [{ at: '7:28 error HourlyNotAllowed', message: 'the classic profile allows at most one backup a day' }],
  },
  {
    reason: 'modern allows an hourly schedule',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12 }', 'retention: { daily: 7 }'),
    profile: 'modern',
    expected: [],
  },
  {
    reason: 'classic keeps 30 days of daily points at most: 30 passes',
    text: withPolicy(DAILY_1000, 'retention: { daily: 30 }'),
    profile: 'classic',
    expected: [],
  },
  {
    reason: 'classic keeps 30 days of daily points at most: 31 fails',
    text: withPolicy(DAILY_1000, 'retention: { daily: 31 }'),
    profile: 'classic',
    expected: [{ at: '8:25 error RetentionOutOfRange', message: 'the classic profile allows 1-30 days', remedy: 'keep 1-30 days' }],
  },
  {
    reason: 'classic: four weeks stay within 30 days, five do not',
    text: withPolicy(DAILY_1000, 'retention: { daily: 7, weekly: { count: 5, days: [Sunday] } }'),
    profile: 'classic',
    expected: [{ at: '8:45 error RetentionOutOfRange', message: 'weekly retention of 5 weeks' }],
  },
  {
    reason: 'classic: a yearly point outlives 30 days',
    text: withPolicy(DAILY_1000, 'retention:', '  daily: 7', '  yearly: { count: 1, months: [May], weeks: [Last], days: [Friday] }'),
    profile: 'classic',
    expected: [{ at: '10:7 error RetentionNotAllowed', remedy: 'remove "yearly"' }],
  },
  {
    reason: 'modern: daily retention starts at 7 days',
    text: withPolicy(DAILY_1000, 'retention: { daily: 6 }'),
    profile: 'modern',
    expected: [{ at: '8:25 error RetentionOutOfRange', message: 'Azure (the modern profile) allows 7-9999 days' }],
  },
  {
    reason: 'instant restore of a standard policy: 5 days pass',
    text: withPolicy(DAILY_1000, DAILY_RETENTION, 'instantRestoreDays: 5'),
    profile: 'classic',
    expected: [],
  },
  {
    reason: 'instant restore of a standard policy: 6 days fail even on modern',
    text: withPolicy(DAILY_1000, DAILY_RETENTION, 'instantRestoreDays: 6'),
    profile: 'modern',
    expected: [{ at: '9:25 error InstantRestoreOutOfRange', message: 'for standard policies' }],
  },
  {
    reason: 'an enhanced policy keeps snapshots up to 30 days on modern',
    text: withPolicy(DAILY_1000, DAILY_RETENTION, 'instantRestoreDays: 30', 'enhanced: true'),
    profile: 'modern',
    expected: [],
  },
  {
    reason: 'an enhanced policy keeps snapshots at most 5 days on classic',
    text: withPolicy(DAILY_1000, DAILY_RETENTION, 'instantRestoreDays: 30', 'enhanced: true'),
    profile: 'classic',
    expected: [{ at: '9:25 error InstantRestoreOutOfRange', message: 'for enhanced policies' }],
  },
  {
    reason: 'a backup window is 4-24 hours',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 3 }', 'retention: { daily: 7 }'),
    profile: 'modern',
    expected: [{ at: '7:89 error ScheduleOutOfRange' }],
  },
  {
    reason: 'a backup window shorter than the interval would hold a single backup at most',
    text: withPolicy('schedule: { frequency: Hourly, intervalHours: 12, windowStart: "08:00", windowHours: 6 }', 'retention: { daily: 7 }'),
    profile: 'modern',
    expected: [{ at: '7:90 error ScheduleOutOfRange', remedy: 'at least 12 hours' }],
  },
  {
    reason: 'times are HH:MM, 24-hour',
    text: withPolicy('schedule: { frequency: Daily, time: "24:00" }', DAILY_RETENTION),
    expected: [{ at: '7:41 error InvalidTime', remedy: 'HH:MM' }],
  },
  {
    reason: 'an unquoted number is not a time',
    text: withPolicy('schedule: { frequency: Daily, time: 1000 }', DAILY_RETENTION),
    expected: [{ at: '7:41 error WrongType', remedy: 'quote it' }],
  },
  {
    reason: 'time zones are Windows ids, with a suggestion for a near miss',
    text: withPolicy('schedule: { frequency: Daily, time: "10:00", timeZone: Tokyo Standard Tme }', DAILY_RETENTION),
    expected: [{ at: '7:60 error UnknownTimeZone', remedy: 'did you mean "Tokyo Standard Time"?' }],
  },
  {
    reason: 'a known Windows time zone id passes',
    text: withPolicy('schedule: { frequency: Daily, time: "10:00", timeZone: Tokyo Standard Time }', DAILY_RETENTION),
    expected: [],
  },
  {
    reason: 'unknown policy keys come with a suggestion and the allowed keys',
    text: withPolicy(DAILY_1000, DAILY_RETENTION, 'instantRestore: 2'),
    expected: [{ at: '9:5 error UnknownKey', message: 'unknown key "instantRestore" in policies[0]', remedy: 'did you mean "instantRestoreDays"?' }],
  },
];

const specCases: readonly Case[] = [
  {
    reason: 'policy names are case-insensitive in Azure, so two names differing in case collide',
    text: withRules(`  - name: DAILY-1000
    schedule: { frequency: Daily, time: "11:00" }
    retention: { daily: 30 }
`),
    expected: [
      { at: '12:11 error DuplicatePolicy', message: 'already used at <inline>:6:11' },
      { at: '6:11 warning UnusedPolicy' },
      { at: '9:11 warning UnusedPolicy' },
      { at: '12:11 warning UnusedPolicy' },
    ],
  },
  {
    reason: 'rule names are unique',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: Web
    policy: weekly-0600
    vms: [{ resourceGroup: rg-web, name: web-02 }]
`),
    expected: [{ at: '16:11 error DuplicateRule', message: 'already used at <inline>:13:11' }],
  },
  {
    reason: 'a rule names a declared policy, with a suggestion for a near miss',
    text: withRules(`protect:
  - name: web
    policy: daily-1001
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
`),
    expected: [
      { at: '14:13 error UnknownPolicy', remedy: 'did you mean "daily-1000"?' },
      { at: '6:11 warning UnusedPolicy' },
    ],
  },
  {
    reason: 'a rule may name its policy in another case; it resolves to the declared name',
    text: withRules(`protect:
  - name: web
    policy: DAILY-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
`),
    expected: [],
  },
  {
    reason: 'a rule with neither vms nor select picks nothing; an empty selector would pick everything',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
  - name: all
    policy: weekly-0600
    select: { exclude: { names: ["*-02"] } }
`),
    expected: [{ at: '13:5 error EmptyRule' }, { at: '17:13 error EmptySelector', remedy: 'names: ["*"]' }],
  },
  {
    reason: 'selecting every VM is said explicitly',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: all
    policy: weekly-0600
    select: { names: ["*"], exclude: { names: ["web-01"] } }
`),
    expected: [],
  },
  {
    reason: 'picks: neither id nor both names, both id and names, a bad id, another subscription',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms:
      - { resourceGroup: rg-web }
      - { id: /subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-02, resourceGroup: rg-web }
      - id: /subscriptions/${SUB}/resourceGroups/rg-web/virtualMachines/web-03
      - id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-04
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
`),
    expected: [
      { at: '16:9 error IncompleteVmPick' },
      { at: '17:9 error AmbiguousVmPick' },
      { at: '18:13 error InvalidArmId', message: 'it is not the id of a virtual machine' },
      { at: '19:13 error VmInOtherSubscription' },
    ],
  },
  {
    reason: 'ARM ids are case-insensitive and may pick the same name in another resource group',
    text: withRules(`protect:
  - name: databases
    policy: daily-1000
    vms:
      - { resourceGroup: rg-data, name: db-01 }
      - id: /SUBSCRIPTIONS/${SUB.toUpperCase()}/resourcegroups/rg-data-dr/providers/microsoft.compute/virtualmachines/db-01
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
`),
    expected: [],
  },
  {
    reason: 'one policy per VM: the same VM by id in a rule with another policy conflicts',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: web-weekly
    policy: weekly-0600
    vms:
      - id: /subscriptions/${SUB}/resourceGroups/RG-WEB/providers/Microsoft.Compute/virtualMachines/web-01
`),
    expected: [{ at: '19:9 error ConflictingRules', message: 'gets policy "weekly-0600" here and "daily-1000" from rule "web" at <inline>:15:11' }],
  },
  {
    reason: 'the same VM in two rules with the same policy is still picked twice',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: web-again
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
`),
    expected: [{ at: '18:11 error DuplicateVm', message: 'already picked at <inline>:15:11' }],
  },
  {
    reason: 'a VM cannot be both protected and stopped; a stop entry appears once',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
stopProtection:
  - vm: { resourceGroup: rg-web, name: web-01 }
  - vm: { resourceGroup: rg-old, name: old-01 }
  - vm: { resourceGroup: rg-old, name: old-01 }
`),
    expected: [{ at: '20:9 error ConflictingStopProtection' }, { at: '22:9 error DuplicateVm' }],
  },
  {
    reason: 'deleting backup data is allowed but never silent: a warning, and the spec still resolves',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
stopProtection:
  - vm: { resourceGroup: rg-old, name: old-01 }
    retainData: false
`),
    expected: [{ at: '21:17 warning DataDeletion', remedy: '--allow-data-deletion' }],
  },
  {
    reason: 'unknown top-level keys suggest the right one',
    text: withRules(`protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: dev
    policy: weekly-0600
    vms: [{ resourceGroup: rg-dev, name: dev-01 }]
undeclard: stop
`),
    expected: [{ at: '19:1 error UnknownKey', remedy: 'did you mean "undeclared"?' }],
  },
];

function check(diagnostics: readonly Diagnostic[], expected: readonly Expected[]): void {
  const actual = diagnostics.map((d) => ({ at: `${d.location?.line}:${d.location?.col} ${d.severity} ${d.code}`, d }));
  expect(actual.map((a) => a.at).sort()).toEqual(expected.map((e) => e.at).sort());
  for (const e of expected) {
    const matching = actual.filter((a) => a.at === e.at);
    if (e.message) expect(matching.some((a) => a.d.message.includes(e.message!)), `message of ${e.at}: ${matching.map((a) => a.d.message)}`).toBe(true);
    if (e.remedy) expect(matching.some((a) => a.d.remedy?.includes(e.remedy!)), `remedy of ${e.at}: ${matching.map((a) => a.d.remedy)}`).toBe(true);
  }
}

describe.each([
  ['policy rules', policyCases],
  ['spec rules', specCases],
])('%s', (_, cases) => {
  test.each(cases)('$reason', ({ text, profile, expected }) => {
    const { spec, diagnostics } = resolveSpecText(text, '<inline>', profile ? { profile } : {});
    check(diagnostics, expected);
    const errors = expected.filter((e) => e.at.includes(' error '));
    expect(spec === undefined, 'a spec comes back exactly when there is no error').toBe(errors.length > 0);
  });
});
