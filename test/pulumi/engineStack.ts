// Stacks under the real Pulumi engine (built by scripts/pulumi-engine.sh): a local backend and a
// PULUMI_HOME of the test's own, so nothing outside the test's temporary directory is read or written.
import Database from 'better-sqlite3';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { openEmulatorState } from '../../emulator/index.js';
import { openTarget } from '../../provider/azure/index.js';
import { observe } from '../../provider/discovery/index.js';
import { ROOT } from './harness.js';

const run = promisify(execFile);
const HOSTS = ['pulumi', 'pulumi-language-yaml', 'pulumi-language-nodejs'];

/** The directory holding pulumi and the language hosts (`extra` too): PATH first, then the engine script's cache. */
export function engineBinDir(extra: readonly string[] = []): string {
  const wanted = [...HOSTS, ...extra];
  const onPath = (process.env.PATH ?? '').split(path.delimiter).find((d) => wanted.every((b) => existsSync(path.join(d, b))));
  if (onPath) return onPath;
  const dir = execFileSync('bash', [path.join(ROOT, 'scripts', 'pulumi-engine.sh'), '--print-bin-dir'], { encoding: 'utf8' }).trim();
  for (const bin of wanted) {
    if (!existsSync(path.join(dir, bin))) {
      const flag = extra.filter((h) => h !== 'pulumi-language-python-exec').map((h) => ` --${h.replace('pulumi-language-', '')}`).join('');
      throw new Error(`the Pulumi engine is missing (${path.join(dir, bin)}): run \`bash scripts/pulumi-engine.sh${flag}\` to build it from the Go module proxy`);
    }
  }
  return dir;
}

export interface PulumiResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Stack {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  pulumi(args: string[], opts?: { allowFailure?: boolean }): Promise<PulumiResult>;
}

export interface StackOptions {
  /** Put the repository's bin/ on PATH, for programs whose Pulumi.yaml names the plugin by `path:`. Default true. */
  readonly repositoryPlugin?: boolean;
  /** Language hosts needed beyond nodejs and yaml, e.g. pulumi-language-python. */
  readonly hosts?: readonly string[];
  /** Directories put first on PATH (a virtualenv's bin/). */
  readonly path?: readonly string[];
  /** Create the stack (default true); a second program may share a home without one. */
  readonly init?: boolean;
}

export async function makeStack(home: string, programDir: string, opts: StackOptions = {}): Promise<Stack> {
  const bin = engineBinDir(opts.hosts);
  const dirs = [...(opts.path ?? []), bin, ...(opts.repositoryPlugin === false ? [] : [path.join(ROOT, 'bin')])];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [...dirs, process.env.PATH ?? ''].join(path.delimiter),
    PULUMI_HOME: path.join(home, '.pulumi'),
    PULUMI_BACKEND_URL: `file://${path.join(home, 'backend')}`,
    PULUMI_SKIP_UPDATE_CHECK: '1',
    PULUMI_CONFIG_PASSPHRASE: 'e2e-passphrase',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    NO_COLOR: '1',
  };
  await mkdir(path.join(home, 'backend'), { recursive: true });
  const stack: Stack = {
    dir: programDir,
    env,
    async pulumi(args, o = {}) {
      try {
        const { stdout, stderr } = await run('pulumi', [...args, '--non-interactive'], { cwd: programDir, env, maxBuffer: 32 * 1024 * 1024 });
        return { code: 0, stdout, stderr };
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        if (!o.allowFailure) throw new Error(`pulumi ${args.join(' ')} failed (${err.code}):\n${err.stdout}\n${err.stderr}`, { cause: e });
        return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
      }
    },
  };
  await stack.pulumi(['login', '--local']);
  if (opts.init !== false) await stack.pulumi(['stack', 'init', 'e2e']);
  return stack;
}

/** A Pulumi YAML program of this repository's plugin over an emulator seeded from `fleet`: `config` lines, then `body`. */
export function yamlProgram(name: string, fleet: string, body: readonly string[], config: readonly string[] = []): string {
  return [`name: ${name}`, 'runtime: yaml', 'plugins:', '  providers:', '    - name: vmbackup', `      path: ${path.join(ROOT, 'bin')}`, 'config:', `  vmbackup:fleet: ${fleet}`, ...config, ...body].join('\n');
}

/**
 * A stack of the program `text` in `work/name`, over an emulator state seeded from `fleet` before the first
 * preview, so that what the preview itself writes can be told apart.
 */
export async function stackWithWorld(work: string, name: string, text: string, fleet: string): Promise<{ stack: Stack; stateDir: string }> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Pulumi.yaml'), text);
  const stateDir = path.join(dir, '.vmbackup');
  openEmulatorState(stateDir, { fleetFile: fleet }).close();
  return { stack: await makeStack(path.join(work, `${name}-home`), dir), stateDir };
}

/** What a write to the vault changes: operations started, containers (discovery, registration), policies, protections. */
export function vaultWrites(stateDir: string): string {
  const db = new Database(path.join(stateDir, 'world.sqlite'), { readonly: true });
  try {
    const rows = (sql: string) => db.prepare(sql).all();
    return JSON.stringify({
      operations: rows('SELECT id FROM operations ORDER BY id'),
      containers: rows('SELECT key, doc FROM containers ORDER BY key'),
      policies: rows('SELECT key, doc FROM policies ORDER BY key'),
      items: (rows('SELECT key, doc FROM items ORDER BY key') as { key: string; doc: string }[]).map((r) => {
        const p = (JSON.parse(r.doc) as { properties?: { policyId?: string; protectionState?: string } }).properties ?? {};
        return [r.key, p.policyId, p.protectionState];
      }),
    });
  } finally {
    db.close();
  }
}

const DAY_MS = 24 * 3_600_000;

/** The vault as the emulator state holds it, with recovery points, read without a discovery. */
export async function observeState(stateDir: string, vault: { resourceGroup: string; name: string }) {
  const target = await openTarget({ kind: 'emulator', stateDir });
  try {
    return await observe(target, vault, { refresh: false, recoveryPoints: true });
  } finally {
    await target.close();
  }
}

/** Lets the emulator's clock pass eight days (a Sunday among them), so scheduled backups leave recovery points. */
export function passEightDays(stateDir: string): void {
  const state = openEmulatorState(stateDir);
  try {
    state.advance(8 * DAY_MS);
  } finally {
    state.close();
  }
}
