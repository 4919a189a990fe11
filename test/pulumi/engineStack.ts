// Stacks under the real Pulumi engine (built by scripts/pulumi-engine.sh): a local backend and a
// PULUMI_HOME of the test's own, so nothing outside the test's temporary directory is read or written.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
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
