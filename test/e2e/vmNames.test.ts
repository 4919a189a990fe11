// Two VMs of one name, db-01 in rg-data and in rg-data-dr (examples/fleet.yaml), read as two VMs everywhere
// the executable names a VM: plan (text, Markdown, JUnit), apply's progress, discover, the jobs list, and the dashboard as text and page.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../render/browser.js';
import { DAILY_1000, DEMO_FLEET, requireBuild, runCli, specText, type CliResult } from './harness.js';

const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: data
    policy: daily-1000
    vms:
      - { resourceGroup: rg-data, name: db-01 }
      - { resourceGroup: rg-data-dr, name: db-01 }
`);
const BOTH = ['rg-data/db-01', 'rg-data-dr/db-01'];

let dir: string;
let plan: CliResult;
let markdown: CliResult;
let junit: CliResult;
let apply: CliResult;

/** The executable on the embedded emulator seeded with the demo fleet; the clock takes only the state. */
function cli(...args: string[]): Promise<CliResult> {
  const target = args[0] === 'emulator' ? ['--state', 'state'] : ['--state', 'state', '--fleet', DEMO_FLEET];
  return runCli([...args, ...target], dir);
}

/** The cells of a text table's column `index` (0 is the first), e.g. the VM column of discover or of the recovery points. */
function column(text: string, index: number): string[] {
  return text.split('\n').filter((l) => l.startsWith('│')).map((l) => l.split('│')[index + 1].trim());
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-names-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  plan = await cli('plan', '-f', 'spec.yaml');
  markdown = await cli('plan', '-f', 'spec.yaml', '--format', 'markdown');
  junit = await cli('plan', '-f', 'spec.yaml', '--format', 'junit');
  apply = await cli('apply', '-f', 'spec.yaml', '--yes');
  // A day on, each VM has had its daily backup job and has a recovery point.
  const advanced = await cli('emulator', 'clock', 'advance', '24h');
  expect(advanced.code, advanced.stderr).toBe(0);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('two VMs called db-01', () => {
  it('plan lists each by resource group and name', () => {
    expect(plan.code, plan.stderr).toBe(2);
    for (const vm of BOTH) {
      expect(plan.stdout).toMatch(new RegExp(`^ {2}\\+ register +VM ${vm}$`, 'm'));
      expect(plan.stdout).toMatch(new RegExp(`^ {2}\\+ protect +VM ${vm} with policy daily-1000$`, 'm'));
    }
    expect(plan.stdout).not.toMatch(/ db-01 /);
  });

  it('the plan as a pull-request comment and as JUnit names each as well', () => {
    for (const vm of BOTH) {
      expect(markdown.stdout).toMatch(new RegExp(`\\| protect \\| VM ${vm} with policy daily-1000 \\| VM ${vm} is declared by rule`));
      expect(junit.stdout).toContain(`<testcase name="protect VM ${vm} with policy daily-1000"`);
    }
  });

  it("apply's progress has a line of its own for each VM's register and protect", () => {
    expect(apply.code, apply.stderr).toBe(0);
    const done = apply.stdout.split('\n').filter((l) => /^ {2}done /.test(l));
    for (const vm of BOTH) {
      expect(done.filter((l) => new RegExp(`^ {2}done +register ${vm} `).test(l)), apply.stdout).toHaveLength(1);
      expect(done.filter((l) => new RegExp(`^ {2}done +protect ${vm} `).test(l)), apply.stdout).toHaveLength(1);
    }
    expect(new Set(done).size).toBe(done.length);
    expect(apply.stdout).not.toMatch(/ db-01 /);
  });

  it('discover shows each in a row of its own', async () => {
    const discover = await cli('discover', '-f', 'spec.yaml');
    expect(discover.code, discover.stderr).toBe(0);
    const vms = column(discover.stdout, 0);
    for (const vm of BOTH) expect(vms.filter((v) => v === vm)).toHaveLength(1);
    expect(vms).not.toContain('db-01');
  });

  it('the jobs list names the VM of every job by resource group and name', async () => {
    const jobs = await cli('jobs', '-f', 'spec.yaml', '--since', '48h');
    expect(jobs.code, jobs.stderr).toBe(0);
    const rows = jobs.stdout.split('\n').filter((l) => l.startsWith('│') && !l.includes('│ Job '));
    const vmOf = (row: string) => row.split('│')[4].trim();
    for (const vm of BOTH) {
      for (const operation of ['ConfigureBackup', 'Backup']) {
        expect(rows.filter((r) => r.split('│')[2].trim() === operation && vmOf(r) === vm), jobs.stdout).toHaveLength(1);
      }
    }
    expect(rows.map(vmOf)).not.toContain('db-01');
  });

  it("the text dashboard gives each VM's recovery points a row of its own", async () => {
    const dashboard = await cli('dashboard', '-f', 'spec.yaml', '--format', 'text');
    expect(dashboard.code, dashboard.stderr).toBe(0);
    const points = dashboard.stdout.slice(dashboard.stdout.indexOf('Recovery points by consistency'));
    const vms = column(points, 0).filter((v) => v !== 'VM');
    expect(vms.sort()).toEqual([...BOTH].sort());
  });

  describe('the dashboard page', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('names the VM of each job and of each row of recovery points by resource group and name', async () => {
      const out = await cli('dashboard', '-f', 'spec.yaml', '--format', 'html', '--out', 'dashboard.html');
      expect(out.code, out.stderr).toBe(0);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const watch = watchPage(page);
      await page.goto(`file://${join(dir, 'dashboard.html')}`);
      await page.getByTestId('count-protected').waitFor();
      const jobVms = await page.getByTestId('job-vm').allInnerTexts();
      const jobsOf = (vm: string) => jobVms.filter((v) => v === vm).length;
      expect(jobsOf(BOTH[0]), jobVms.join(', ')).toBeGreaterThan(0);
      expect(jobsOf(BOTH[1])).toBe(jobsOf(BOTH[0]));
      expect(jobVms).not.toContain('db-01');
      expect((await page.getByTestId('rp-vm').allInnerTexts()).sort()).toEqual([...BOTH].sort());
      await page.locator('[data-testid="job-row"]', { hasText: 'rg-data-dr/db-01' }).first().click();
      expect(await page.getByTestId('job-details-title').innerText()).toMatch(/ · rg-data-dr\/db-01$/);
      expect(watch.problems).toEqual([]);
      await page.close();
    });
  });
});
