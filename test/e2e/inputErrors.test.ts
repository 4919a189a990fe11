// Bad input to the emulator side of the CLI: a broken fleet is reported like a broken spec (every problem, located,
// exit 1, no stack trace), and a state directory without a world says how to seed one.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { BIN, cliEnv, DEMO_FLEET, requireBuild, ROOT, runCli } from './harness.js';

const BAD_FLEET = `subscriptionId: not-a-guid
vaults:
  - { name: vault-x, resourceGroup: rg-backup, location: westeurope, colour: red }
vms:
  - { name: vm-1, resourceGroup: rg-app, location: westeurope, os: Solaris }
`;

let dir: string;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-input-'));
  await writeFile(join(dir, 'fleet.yaml'), BAD_FLEET);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('fleet and state errors', () => {
  it.each([
    { reason: 'the standalone emulator', args: ['emulator', 'serve', '--fleet', 'fleet.yaml', '--state', 'serve-state'] },
    { reason: 'the embedded emulator behind a command', args: ['discover', '--vault', 'rg-backup/vault-x', '--fleet', 'fleet.yaml', '--state', 'embedded-state'] },
  ])('a broken fleet given to $reason lists every problem with its place, and exits 1', async ({ args }) => {
    const r = await runCli(args, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fleet\.yaml:1:17: error: subscriptionId/m);
    expect(r.stderr).toMatch(/^fleet\.yaml:3:\d+: error: .*unknown key 'colour'/m);
    expect(r.stderr).toMatch(/^fleet\.yaml:5:\d+: error: .*os.*"Windows", "Linux"/m);
    expect(r.stderr).not.toMatch(/unexpected error| {4}at /);
  });

  it.each([
    { reason: 'a command on the embedded emulator', args: ['discover', '--vault', 'rg-backup/vault-weu', '--state', 'empty'] },
    { reason: 'the emulator clock', args: ['emulator', 'clock', 'show', '--state', 'nowhere'] },
  ])('$reason over a state directory without a world says how to seed one', async ({ args }) => {
    const r = await runCli(args, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no world yet: seed a new state directory with --fleet FILE or VMBACKUP_FLEET/);
    expect(r.stderr).not.toMatch(/unexpected error| {4}at /);
  });

  it('the same directory seeded later works', async () => {
    const r = await runCli(['discover', '--vault', 'rg-backup/vault-weu', '--state', 'seeded', '--fleet', DEMO_FLEET], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Vault vault-weu \(westeurope\): 20 VMs/);
  });
});

describe('spec files that are not spec text', () => {
  it.each([
    { reason: 'a device that never ends', file: '/dev/zero', message: /\/dev\/zero is a device, not a spec file/ },
    { reason: 'a pipe with no writer', file: 'pipe', message: /pipe is a pipe, not a spec file/ },
    { reason: 'Latin-1 text', file: 'latin1.yaml', message: /latin1\.yaml:2:6: error: latin1\.yaml is not UTF-8: byte 0xe9/ },
  ])('validate and plan refuse $reason at once, in one line, touching nothing', async ({ file, message }) => {
    if (file === 'pipe') execFileSync('mkfifo', [join(dir, 'pipe')]);
    if (file === 'latin1.yaml') await writeFile(join(dir, file), Buffer.concat([Buffer.from('apiVersion: vmbackup/v1\n# caf'), Buffer.from([0xe9]), Buffer.from('\ntarget: {}\n')]));
    for (const args of [['validate', '-f', file], ['plan', '-f', file, '--state', 'never-made', '--fleet', DEMO_FLEET]]) {
      const r = await runCli(args, dir);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/unexpected error| {4}at /);
    }
    // Nothing ran against a target: plan refused the spec before seeding a world.
    expect(existsSync(join(dir, 'never-made'))).toBe(false);
  });
});

describe('the state directory', () => {
  it('is private to its owner whatever the umask: the directory 0700, the world and the token 0600', async () => {
    execFileSync('sh', ['-c', `umask 000 && "${process.execPath}" "${BIN}" discover --vault rg-backup/vault-weu --state private-state --fleet "${DEMO_FLEET}" >/dev/null`], {
      cwd: dir,
      env: cliEnv(),
    });
    const mode = (p: string) => (statSync(join(dir, 'private-state', p)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    expect(mode('world.sqlite')).toBe('600');
    expect(mode('token')).toBe('600');
    expect(mode('tls/key.pem')).toBe('600');
    for (const f of ['world.sqlite-wal', 'world.sqlite-shm']) if (existsSync(join(dir, 'private-state', f))) expect(mode(f), f).toBe('600');
  });
});

describe('memory while refusing hostile input', () => {
  const LAUGHS_FLEET = join(ROOT, 'test/e2e/fixtures/billion-laughs-fleet.yaml');
  const laughs = readFileSync(LAUGHS_FLEET, 'utf8').split('\n').filter((l) => /^(laughs|a\d):/.test(l));
  const LAUGHS_SPEC = `apiVersion: vmbackup/v1\n${laughs.join('\n')}\ntarget: *a9\n`;

  /** Runs vmbackup with a preload that reports its peak resident set size (KiB) when it exits. */
  async function peakKiB(args: string[]): Promise<{ code: number; stderr: string; maxRss: number }> {
    const preload = join(ROOT, 'test/e2e/fixtures/reportMaxRss.mjs');
    const run = promisify(execFile)(process.execPath, ['--import', preload, BIN, ...args], { cwd: dir, env: cliEnv(), timeout: 60_000 });
    const { code, stderr } = await run.then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    return { code, stderr, maxRss: Number(/maxRSS=(\d+)/.exec(stderr)?.[1]) };
  }

  it.each([
    { reason: 'a spec that never ends', args: ['validate', '-f', '/dev/zero'] },
    { reason: 'a spec that never ends, given to plan', args: ['plan', '-f', '/dev/zero', '--state', 'mem-state', '--fleet', DEMO_FLEET] },
    { reason: 'a fleet that never ends', args: ['discover', '--vault', 'a/b', '--state', 'mem-state', '--fleet', '/dev/zero'] },
    { reason: 'a billion-laughs fleet', args: ['discover', '--vault', 'a/b', '--state', 'mem-state', '--fleet', LAUGHS_FLEET] },
    { reason: 'a billion-laughs spec', args: ['validate', '-f', 'laughs-spec.yaml'] },
    { reason: 'a fleet of more values than the cap', args: ['discover', '--vault', 'a/b', '--state', 'mem-state', '--fleet', 'flood.yaml'] },
  ])('$reason is refused in under 200 MB', async ({ args }) => {
    await writeFile(join(dir, 'laughs-spec.yaml'), LAUGHS_SPEC);
    await writeFile(join(dir, 'flood.yaml'), `vms: [${'1,'.repeat(1_000_000)}1]\n`);
    const r = await peakKiB(args);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/unexpected error| {4}at /);
    expect(r.maxRss, r.stderr).toBeGreaterThan(0);
    expect(r.maxRss, r.stderr).toBeLessThan(200 * 1024);
    expect(existsSync(join(dir, 'mem-state'))).toBe(false);
  });
});
