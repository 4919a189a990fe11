// Every command of the CLI given bad flags and paths: exit 1, a line or two that says what to give instead, no stack
// trace, and an end within seconds (a pipe, a device or a path under /proc never makes it wait).
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../provider/cli/main.js';
import { DEMO_FLEET, requireBuild, ROOT, runCli } from './harness.js';

/** Stands for a port another process listens on. */
const IN_USE = '<port in use>';
/** A refusal says what to do: one of these words starts its remedy. */
const REMEDY = /\b(use|give|choose|run|pass|write|save|seed|leave|check|set|remove|split)\b|--help/i;

interface Case {
  reason: string;
  args: string[];
}

/** The flags every command that opens a target shares, each given wrongly; `plan` gets them all. */
const allTargetCases = (base: string[]): Case[] => [
  { reason: 'an unknown target', args: [...base, '--target', 'aws'] },
  { reason: 'an endpoint that is not a URL', args: [...base, '--endpoint', 'abc'] },
  { reason: 'a state directory that is a file', args: [...base, '--state', 'afile'] },
  { reason: 'a state directory under a file', args: [...base, '--state', 'afile/state', '--fleet', DEMO_FLEET] },
  { reason: 'a state directory the system cannot make', args: [...base, '--state', '/proc/nope/x', '--fleet', DEMO_FLEET] },
  { reason: 'a fleet that is a pipe', args: [...base, '--state', 'never-made', '--fleet', 'pipe'] },
  { reason: 'a fleet that never ends', args: [...base, '--state', 'never-made', '--fleet', '/dev/zero'] },
  { reason: 'a CA file that is a pipe', args: [...base, '--endpoint', 'https://127.0.0.1:1', '--ca-file', 'pipe'] },
  { reason: 'a token file that never ends', args: [...base, '--endpoint', 'https://127.0.0.1:1', '--token-file', '/dev/zero'] },
  { reason: 'an unknown flag', args: [...base, '--colour'] },
];
/** The other commands share plan's handling of the target flags; these show that they reach it. */
const targetCases = (base: string[]): Case[] => allTargetCases(base).filter((c) => /state directory that is a file|fleet that never ends|endpoint that|unknown flag/.test(c.reason));

const VAULT = ['--vault', 'rg-backup/vault-weu', '--state', 'state'];
const outCases = (base: string[]): Case[] => [
  { reason: '--out under a regular file', args: [...base, '--out', 'afile/report'] },
  { reason: '--out where no directory can be made', args: [...base, '--out', '/proc/nope/x'] },
  { reason: '--out naming a directory', args: [...base, '--out', '.'] },
];
const portCases = (base: string[]): Case[] =>
  ['abc', '99999', '-1', '1.5', IN_USE].map((port) => ({ reason: `--port ${port}`, args: [...base, '--port', port] }));

/** Keyed by the command's words after `vmbackup`; '' is vmbackup itself. */
const CASES: Record<string, Case[]> = {
  '': [
    { reason: 'an unknown command', args: ['restore'] },
    { reason: 'an unknown flag', args: ['--colour'] },
  ],
  validate: [
    { reason: 'no spec', args: ['validate'] },
    { reason: 'a spec that is a pipe', args: ['validate', '-f', 'pipe'] },
    { reason: 'a spec that never ends', args: ['validate', '-f', '/dev/zero'] },
    { reason: 'a missing spec', args: ['validate', '-f', 'missing.yaml'] },
    { reason: 'an unknown profile', args: ['validate', '-f', 'spec.yaml', '--profile', 'future'] },
  ],
  discover: [
    ...targetCases(['discover', '--vault', 'rg-backup/vault-weu']),
    { reason: 'no vault', args: ['discover', '--state', 'state'] },
    { reason: 'a vault without its resource group', args: ['discover', '--vault', 'vault-weu', '--state', 'state'] },
    { reason: 'an unknown format', args: ['discover', ...VAULT, '--format', 'xml'] },
  ],
  plan: [
    ...allTargetCases(['plan', '-f', 'spec.yaml']),
    ...outCases(['plan', '-f', 'spec.yaml', '--state', 'state']),
    { reason: 'a spec that never ends', args: ['plan', '-f', '/dev/zero', '--state', 'state'] },
    { reason: 'an unknown format', args: ['plan', '-f', 'spec.yaml', '--state', 'state', '--format', 'pdf'] },
  ],
  apply: [
    ...targetCases(['apply', '-f', 'spec.yaml', '--yes']),
    ...['0', 'abc', '1.5', '-2'].map((n) => ({ reason: `--concurrency ${n}`, args: ['apply', '-f', 'spec.yaml', '--yes', '--state', 'state', '--concurrency', n] })),
    { reason: 'a saved plan that is a pipe', args: ['apply', '-f', 'spec.yaml', '--yes', '--state', 'state', '--plan', 'pipe'] },
    { reason: 'a saved plan that is not a plan', args: ['apply', '-f', 'spec.yaml', '--yes', '--state', 'state', '--plan', 'afile'] },
    { reason: 'an unknown format', args: ['apply', '-f', 'spec.yaml', '--yes', '--state', 'state', '--format', 'sarif'] },
  ],
  drift: [
    ...targetCases(['drift', '-f', 'spec.yaml']),
    ...outCases(['drift', '-f', 'spec.yaml', '--state', 'state']),
    { reason: '--grace-hours 0', args: ['drift', '-f', 'spec.yaml', '--state', 'state', '--grace-hours', '0'] },
    { reason: 'an unknown format', args: ['drift', '-f', 'spec.yaml', '--state', 'state', '--format', 'pdf'] },
  ],
  backup: [
    ...targetCases(['backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-01']),
    { reason: 'neither --vm nor --rule', args: ['backup', '-f', 'spec.yaml', '--state', 'state'] },
    { reason: 'both --vm and --rule', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--vm', 'rg-web/web-01', '--rule', 'web'] },
    { reason: 'a VM without its resource group', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--vm', 'web-01'] },
    { reason: 'an unknown rule', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--rule', 'nope'] },
    { reason: '--retain-until that is no time', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--vm', 'rg-web/web-01', '--retain-until', 'soon'] },
    { reason: 'an unknown format', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--vm', 'rg-web/web-01', '--format', 'csv'] },
    { reason: 'the classic profile', args: ['backup', '-f', 'spec.yaml', '--state', 'state', '--vm', 'rg-web/web-01'] },
  ],
  jobs: [
    ...targetCases(['jobs', '--vault', 'rg-backup/vault-weu']),
    { reason: '--since bogus', args: ['jobs', ...VAULT, '--since', 'bogus'] },
    { reason: '--since past 1970', args: ['jobs', ...VAULT, '--since', '99999999999d'] },
    { reason: 'an unknown status', args: ['jobs', ...VAULT, '--status', 'Done'] },
    { reason: 'an unknown format', args: ['jobs', ...VAULT, '--format', 'csv'] },
  ],
  dashboard: [
    ...targetCases(['dashboard', '--vault', 'rg-backup/vault-weu']),
    ...outCases(['dashboard', ...VAULT]),
    ...portCases(['dashboard', ...VAULT, '--serve']),
    { reason: '--refresh 0', args: ['dashboard', ...VAULT, '--serve', '--refresh', '0'] },
    { reason: 'an unknown format', args: ['dashboard', ...VAULT, '--format', 'pdf'] },
  ],
  demo: [
    ...targetCases(['demo']),
    { reason: 'a spec that never ends', args: ['demo', '-f', '/dev/zero', '--state', 'demo-state'] },
  ],
  emulator: [{ reason: 'an unknown flag', args: ['emulator', '--colour'] }],
  'emulator serve': [
    ...portCases(['emulator', 'serve', '--state', 'state']),
    { reason: 'an unknown profile', args: ['emulator', 'serve', '--state', 'state', '--profile', 'future'] },
    { reason: 'a state directory that is a file', args: ['emulator', 'serve', '--state', 'afile'] },
    { reason: 'a state directory the system cannot make', args: ['emulator', 'serve', '--state', '/proc/nope/x', '--fleet', DEMO_FLEET] },
    { reason: 'a fleet that never ends', args: ['emulator', 'serve', '--state', 'never-made', '--fleet', '/dev/zero'] },
  ],
  'emulator clock': [{ reason: 'an unknown flag', args: ['emulator', 'clock', '--colour'] }],
  'emulator clock show': [
    { reason: 'a state directory that is a file', args: ['emulator', 'clock', 'show', '--state', 'afile'] },
    { reason: 'a state directory without a world', args: ['emulator', 'clock', 'show', '--state', 'never-made'] },
  ],
  'emulator clock advance': [
    { reason: 'no duration', args: ['emulator', 'clock', 'advance', '--state', 'state'] },
    { reason: 'a duration that is not one', args: ['emulator', 'clock', 'advance', 'soon', '--state', 'state'] },
    { reason: 'a century at once', args: ['emulator', 'clock', 'advance', '36500d', '--state', 'state'] },
    { reason: 'a state directory under a file', args: ['emulator', 'clock', 'advance', '1h', '--state', 'afile/state'] },
  ],
  'emulator generate-fleet': [
    ...outCases(['emulator', 'generate-fleet', '--vms', '2']),
    ...['0', '1e9', '100000'].map((n) => ({ reason: `--vms ${n}`, args: ['emulator', 'generate-fleet', '--vms', n] })),
    { reason: '--seed x', args: ['emulator', 'generate-fleet', '--seed', 'x'] },
    { reason: '--spec-out without --estate', args: ['emulator', 'generate-fleet', '--spec-out', 'spec.yaml'] },
    { reason: 'fewer vaults than subscription and region pairs', args: ['emulator', 'generate-fleet', '--estate', '--vaults', '3'] },
    { reason: '--regions with a bad name', args: ['emulator', 'generate-fleet', '--estate', '--regions', 'westeurope,West Europe'] },
    { reason: '--regions naming one twice', args: ['emulator', 'generate-fleet', '--estate', '--regions', 'westeurope,westeurope'] },
    { reason: '--subscriptions 0', args: ['emulator', 'generate-fleet', '--estate', '--subscriptions', '0'] },
    { reason: '--spec-out under a regular file', args: ['emulator', 'generate-fleet', '--estate', '--vms', '24', '--spec-out', 'afile/spec.yaml'] },
  ],
};

function commandPaths(cmd: Command, words: string[] = []): string[] {
  return [words.join(' '), ...cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => commandPaths(c, [...words, c.name()]))];
}

let dir: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-flags-'));
  await copyFile(join(ROOT, 'examples/spec.yaml'), join(dir, 'spec.yaml'));
  await writeFile(join(dir, 'afile'), 'a regular file\n');
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  const seeded = await runCli(['discover', ...VAULT, '--fleet', DEMO_FLEET], dir);
  expect(seeded.code, seeded.stderr).toBe(0);
  busy = createServer();
  await new Promise<void>((ready) => busy.listen(0, '127.0.0.1', ready));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((closed) => busy?.close(closed));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bad flags and paths', () => {
  it('cover every command of the CLI', () => {
    expect(Object.keys(CASES).sort()).toEqual(commandPaths(buildProgram(() => undefined)).sort());
  });

  describe.concurrent.each(Object.entries(CASES).map(([command, cases]) => ({ command: command || 'vmbackup', cases })))('$command', ({ cases }) => {
    it.each(cases)('$reason: exit 1, a line with the fix, no stack trace, no wait', async ({ args }) => {
      const r = await runCli(args.map((a) => (a === IN_USE ? String(busyPort) : a)), dir, 20_000);
      const shown = `vmbackup ${args.join(' ')}\n${r.stderr}`;
      expect(r.code, shown).toBe(1);
      expect(r.stderr.trim().split('\n').length, shown).toBeLessThanOrEqual(3);
      expect(r.stderr, shown).toMatch(REMEDY);
      expect(r.stderr, shown).not.toMatch(/^\s+at |unexpected error|Error: /m);
    });
  });
});
