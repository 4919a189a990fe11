// What the end-to-end tests share: the built executable, run as a user runs it, and specs for the demo fleet.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/vmbackup.js');
export const DEMO_FLEET = join(ROOT, 'examples/fleet.yaml');
/** examples/fleet.yaml's subscription and its West Europe vault. */
export const DEMO_SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
export const DEMO_VAULT = { resourceGroup: 'rg-backup', name: 'vault-weu' } as const;
/** Two vaults in West Europe (vault-a, vault-b) and two VMs: a VM can move from one vault to the other. */
export const TWO_VAULTS_FLEET = join(ROOT, 'test/e2e/fixtures/two-vaults.yaml');
export const VAULT_A = { resourceGroup: 'rg-backup-a', name: 'vault-a' } as const;
export const VAULT_B = { resourceGroup: 'rg-backup-b', name: 'vault-b' } as const;

/** A daily 10:00 UTC policy kept 30 days, as a spec's `policies:` item. */
export const DAILY_1000 = `  - name: daily-1000
    schedule: { frequency: Daily, time: "10:00", timeZone: UTC }
    retention: { daily: 30 }
`;

/** A spec's `protect:` over the demo fleet: rule `web` declares web-01 and web-02, rule `api` app-01, both daily-1000. */
export const WEB_AND_API_RULES = `protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]
  - name: api
    policy: daily-1000
    vms: [{ resourceGroup: rg-app, name: app-01 }]
`;

/** A spec's first four lines (apiVersion and target), then `body`; line numbers in `body` start at 5. */
export function specText(body: string, target: { subscriptionId?: string; vault?: { resourceGroup: string; name: string } } = {}): string {
  const vault = target.vault ?? DEMO_VAULT;
  return `apiVersion: vmbackup/v1
target:
  subscriptionId: ${target.subscriptionId ?? DEMO_SUBSCRIPTION}
  vault: { resourceGroup: ${vault.resourceGroup}, name: ${vault.name} }
${body}`;
}

/** The tests run the compiled executable, as users do. */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist/provider/cli/main.js'))) {
    throw new Error('dist/ is missing: the end-to-end tests run the built executable; run `npm run build` (npm test does) first');
  }
}

/** The environment of a user with no vmbackup settings and no colours. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VMBACKUP_')) delete env[k];
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const execFileP = promisify(execFile);

/** Runs `vmbackup ARGS` in `cwd` to its end; one that runs past `timeoutMs` is killed and fails the test. */
export async function runCli(args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], { cwd, env: cliEnv(), timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; killed?: boolean; stdout?: string; stderr?: string };
    if (e.killed) throw new Error(`vmbackup ${args.join(' ')} did not end within ${timeoutMs} ms:\n${e.stderr ?? ''}`, { cause: err });
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts a long-running `vmbackup ARGS` and resolves once its output matches `ready`. */
export function startCli(args: readonly string[], cwd: string, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv() });
  let out = '';
  return new Promise((done, fail) => {
    const seen = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) done({ child, match: m, output: () => out });
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => fail(new Error(`vmbackup ${args.join(' ')} exited ${code} before it was ready:\n${out}`)));
  });
}

/** Stops a started command as Ctrl+C would and resolves with its exit code. */
export function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.once('exit', (code) => done(code));
    child.kill('SIGTERM');
  });
}
