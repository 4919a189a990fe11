// The operator's commands end to end: `vmbackup emulator serve` answering the official SDK, its clock moved by
// another process, drift that apply cannot repair (a VM shut down or deleted under its protection), and the
// dashboard as JSON, as a page and served live, each page showing the JSON's counts in headless Chromium.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget, refreshContainers, type Target } from '../../provider/azure/index.js';
import type { DashboardData, DriftReport } from '../../provider/core/index.js';
import { launchChromium, watchPage } from '../render/browser.js';
import { DAILY_1000, DEMO_FLEET, DEMO_VAULT as VAULT, requireBuild, runCli, specText, startCli, stopCli } from './harness.js';

const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: fleet
    policy: daily-1000
    vms:
      - { resourceGroup: rg-web, name: web-01 }
      - { resourceGroup: rg-web, name: web-02 }
      - { resourceGroup: rg-app, name: app-02 }
`);

let dir: string;
let server: ChildProcess;
let endpoint: string;
let sdk: Target;
let browser: Browser;

const cli = (...args: string[]) => runCli(args, dir);
const start = (args: string[], ready: RegExp) => startCli(args, dir, ready);

/** The commands that talk to the served emulator: its endpoint and the state directory it shares. */
const served = (...args: string[]) => cli(...args, '--endpoint', endpoint, '--state', 'state');

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-operator-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  const started = await start(['emulator', 'serve', '--fleet', DEMO_FLEET, '--state', 'state'], /endpoint: +(https:\/\/127\.0\.0\.1:\d+)/);
  server = started.child;
  endpoint = started.match[1];
  expect(started.output()).toMatch(/token file: +\S*state\/token/);
  expect(started.output()).toMatch(/CA file: +\S*state\/tls\/ca\.pem/);
  sdk = await openTarget({ kind: 'emulator', endpoint, stateDir: join(dir, 'state') });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sdk?.close();
  if (server && server.exitCode === null) await stopCli(server);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vmbackup emulator serve', () => {
  it('answers the official SDK with exactly the VMs of the vault\'s region', async () => {
    await refreshContainers(sdk, VAULT);
    const names: string[] = [];
    for await (const item of sdk.clients.backup.backupProtectableItems.list(VAULT.name, VAULT.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM'" })) {
      names.push(item.properties?.friendlyName ?? '?');
    }
    const fleet = parse(await readFile(DEMO_FLEET, 'utf8')) as { vms: { name: string; location: string }[] };
    const inRegion = fleet.vms.filter((vm) => vm.location === 'westeurope').map((vm) => vm.name);
    expect(names.sort()).toEqual(inRegion.sort());
    expect(names).not.toContain('web-ne-01');
  });

  it('shares its clock with another process: `emulator clock advance` moves the time it answers with', async () => {
    const before = (await cli('emulator', 'clock', 'show', '--state', 'state')).stdout.match(/emulator time: (\S+)/)![1];
    const after = (await cli('emulator', 'clock', 'advance', '2h', '--state', 'state')).stdout.match(/emulator time: (\S+)/)![1];
    const moved = Date.parse(after) - Date.parse(before);
    expect(moved).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(moved).toBeLessThan(2 * 3_600_000 + 60_000);
    const vault = await sdk.clients.vaults.vaults.get(VAULT.resourceGroup, VAULT.name, {
      onResponse: (r) => expect(Date.parse(r.headers.get('date')!)).toBeGreaterThanOrEqual(Date.parse(after) - 1000),
    });
    expect(vault.name).toBe(VAULT.name);
  });

  it('generates the same large fleet for the same seed', async () => {
    expect((await cli('emulator', 'generate-fleet', '--vms', '60', '--seed', '3', '--out', 'a.yaml')).code).toBe(0);
    expect((await cli('emulator', 'generate-fleet', '--vms', '60', '--seed', '3', '--out', 'b.yaml')).code).toBe(0);
    const a = await readFile(join(dir, 'a.yaml'), 'utf8');
    expect(a).toBe(await readFile(join(dir, 'b.yaml'), 'utf8'));
    expect((parse(a) as { vms: unknown[] }).vms).toHaveLength(60);
  });
});

describe('drift apply cannot repair', () => {
  let report: DriftReport;

  beforeAll(async () => {
    const apply = await served('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    // A day of good backups; then, out of band, web-02 (Windows) is shut down and app-02 deleted for the next day's run.
    await cli('emulator', 'clock', 'advance', '24h', '--state', 'state');
    await sdk.clients.compute.virtualMachines.beginPowerOffAndWait('rg-web', 'web-02', { updateIntervalInMs: 50 });
    await sdk.clients.compute.virtualMachines.beginDeleteAndWait('rg-app', 'app-02', { updateIntervalInMs: 50 });
    await cli('emulator', 'clock', 'advance', '24h', '--state', 'state');
    // Running again, web-02's newest point is still the crash-consistent one taken while it was off.
    await sdk.clients.compute.virtualMachines.beginStartAndWait('rg-web', 'web-02', { updateIntervalInMs: 50 });
    const drift = await served('drift', '-f', 'spec.yaml', '--format', 'json', '--all-recovery-points');
    expect(drift.code, drift.stderr).toBe(2);
    report = JSON.parse(drift.stdout) as DriftReport;
  });

  const categoriesOf = (r: DriftReport, vm: string) => r.findings.filter((f) => f.subject.name === vm).map((f) => f.category);

  it('a VM shut down at backup time gives a crash-consistent point, less than the running Windows VM should give', () => {
    expect(categoriesOf(report, 'web-02')).toEqual(['consistencyDegraded']);
    expect(categoriesOf(report, 'web-01')).toEqual([]);
  });

  it('without --all-recovery-points drift trusts the clean backup job and reads no point: the rest of the report is the same', async () => {
    const drift = await served('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stderr).toBe(2);
    const trusting = JSON.parse(drift.stdout) as DriftReport;
    expect(categoriesOf(trusting, 'web-02')).toEqual([]);
    // The clock runs on between the two reports, so each finding is compared by what and whom it is about.
    const about = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup}/${f.subject.name}`);
    expect(about(trusting)).toEqual(about(report).filter((line) => !line.endsWith(' rg-web/web-02')));
  });

  // Which reads each makes is counted in test/discovery/vaultDriftReads.test.ts; here, the executable's flag.
  it('drift --consistent (the VMs from Compute\'s list, not Resource Graph) reports the same, a deleted VM and a VM stopped at backup time included', async () => {
    const [graph, compute] = await Promise.all([served('drift', '-f', 'spec.yaml', '--format', 'json', '--all-recovery-points'), served('drift', '-f', 'spec.yaml', '--format', 'json', '--all-recovery-points', '--consistent')]);
    expect([graph.code, compute.code], `${graph.stderr}${compute.stderr}`).toEqual([2, 2]);
    const shape = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup}/${f.subject.name} ${f.azureErrorCode ?? ''} ${f.message}`);
    const [fromGraph, fromCompute] = [JSON.parse(graph.stdout) as DriftReport, JSON.parse(compute.stdout) as DriftReport];
    expect(shape(fromGraph)).toEqual(shape(fromCompute));
    // The clock runs on since the first report: the same findings, about the same VMs.
    const about = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup}/${f.subject.name}`);
    expect(about(fromGraph)).toEqual(about(report));
  });

  it('a deleted VM\'s protection errs with Azure Backup\'s code and the guide\'s remedy, and its recovery point falls overdue', async () => {
    const failed = report.findings.find((f) => f.subject.name === 'app-02');
    expect(failed).toMatchObject({ category: 'protectionError', azureErrorCode: 'UserErrorVmNotFoundV2', remedy: expect.stringMatching(/retain/) });
    // A day later its newest point is over two days old (whatever the time of day the test runs at): more than
    // the daily interval plus the grace period.
    await cli('emulator', 'clock', 'advance', '1d', '--state', 'state');
    const later = JSON.parse((await served('drift', '-f', 'spec.yaml', '--format', 'json')).stdout) as DriftReport;
    expect(categoriesOf(later, 'app-02')).toContain('recoveryPointOverdue');
  });

  it('apply repairs none of it: it exits 1 naming the deleted VM it cannot protect, and drift still exits 2', async () => {
    const apply = await served('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/does not match the spec: 1 declared item is blocked/);
    expect(apply.stderr).toMatch(/rg-app\/app-02: VmNotFound/);
    expect((await served('drift', '-f', 'spec.yaml')).code).toBe(2);
  });
});

describe('dashboard', () => {
  const counts = async (url: string) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const watch = watchPage(page);
    await page.goto(url);
    await page.getByTestId('count-protected').waitFor();
    const read = async (id: string) => Number(await page.getByTestId(id).first().innerText());
    const shown = {
      protected: await read('count-protected'),
      succeeded: await read('count-succeeded'),
      failed: await read('count-failed'),
      inProgress: await read('count-inProgress'),
      drift: await read('count-drift'),
    };
    await page.close();
    return { shown, problems: watch.problems };
  };
  const expected = (d: DashboardData) => ({
    protected: d.protectedVms.total,
    succeeded: d.jobs24h.succeeded,
    failed: d.jobs24h.failed,
    inProgress: d.jobs24h.inProgress,
    drift: d.drift?.findings ?? 0,
  });

  it('the page written by --format html shows the counts --format json prints', async () => {
    const json = await served('dashboard', '-f', 'spec.yaml', '--format', 'json');
    const data = JSON.parse(json.stdout) as DashboardData;
    expect(data.jobs24h.failed).toBeGreaterThan(0);
    expect((await served('dashboard', '-f', 'spec.yaml', '--format', 'html', '--out', 'dashboard.html')).code).toBe(0);
    const { shown, problems } = await counts(pathToFileURL(join(dir, 'dashboard.html')).href);
    expect(problems).toEqual([]);
    expect(shown).toEqual(expected(data));
  });

  it('dashboard --serve serves the same counts, live', async () => {
    const data = JSON.parse((await served('dashboard', '-f', 'spec.yaml', '--format', 'json')).stdout) as DashboardData;
    const { child, match } = await start(['dashboard', '-f', 'spec.yaml', '--serve', '--endpoint', endpoint, '--state', 'state'], /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    try {
      const { shown, problems } = await counts(match[1]);
      expect(problems).toEqual([]);
      expect(shown).toEqual(expected(data));
      const live = (await (await fetch(new URL('api/dashboard.json', match[1]))).json()) as DashboardData;
      expect(expected(live)).toEqual(expected(data));
    } finally {
      expect(await stopCli(child)).toBe(0);
    }
  });
});
