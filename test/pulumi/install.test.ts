// vmbackup as a stranger installs it, outside the repository: the plugin from its archive
// (`pulumi plugin install --file`) and the npm package from its tarball, in a temporary directory with
// a PULUMI_HOME of its own. Programs run under the real engine against the embedded emulator.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type Stack } from './engineStack.js';
import { FLEET, ROOT } from './harness.js';

const run = promisify(execFile);
const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The version of a package the repository has installed, so npm finds it in its cache. */
async function installed(name: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return (await run(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout}\n${err.stderr}`, { cause: e });
  }
}

/** The life of a program's stack: a policy and one protection created, nothing to change or refresh, all destroyed. */
async function upPreviewRefreshDestroy(stack: Stack, policyName: string): Promise<void> {
  const up = await stack.pulumi(['up', '--yes']);
  expect(up.stdout).toMatch(/3 created/);
  const outputs = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as Record<string, string>;
  expect(outputs.policyName).toBe(policyName);
  expect(outputs.protectionState).toMatch(/IRPending|Protected/);
  await stack.pulumi(['preview', '--expect-no-changes']);
  await stack.pulumi(['refresh', '--yes', '--expect-no-changes']);
  await stack.pulumi(['destroy', '--yes']);
  const left = JSON.parse((await stack.pulumi(['stack', 'export'])).stdout) as { deployment: { resources?: unknown[] } };
  expect(left.deployment.resources ?? []).toEqual([]);
}

let outside: string;
let tarball: string;
let archive: string;

beforeAll(async () => {
  outside = await mkdtemp(path.join(tmpdir(), 'vmbackup-outside-'));
  const dist = path.join(outside, 'dist');
  await mkdir(dist);
  archive = (await sh('bash', [path.join(ROOT, 'scripts', 'plugin-archive.sh'), dist], ROOT)).trim();
  tarball = path.join(dist, (await sh('npm', ['pack', '--silent', '--pack-destination', dist], ROOT)).trim());
}, 300_000);

afterAll(async () => {
  if (outside) await rm(outside, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the built JavaScript, schemas, facts and the plugin, and nothing of the tests', async () => {
    const listing = (await sh('tar', ['-tzf', tarball], outside)).split('\n').filter(Boolean);
    for (const file of [
      'package/dist/provider/pulumi/main.js',
      'package/dist/provider/pulumi/sdk/index.js',
      'package/dist/provider/pulumi/sdk/index.d.ts',
      'package/dist/cjs/pulumi/index.js',
      'package/dist/cjs/pulumi/index.d.ts',
      'package/dist/emulator/index.js',
      'package/bin/pulumi-resource-vmbackup',
      'package/schemas/pulumi/schema.json',
      'package/facts/vm-backup-support.json',
    ]) {
      expect(listing, file).toContain(file);
    }
    expect(listing.filter((f) => /^package\/(test|bench|\.ci|scripts|examples|emulator|provider)\//.test(f) || /\/bench\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });
});

describe('installed outside the repository', () => {
  it("a program of `pulumi new typescript`'s layout: up, preview --expect-no-changes, refresh, destroy with the installed plugin", async () => {
    const dir = path.join(outside, 'ts');
    await cp(path.join(ROOT, 'test', 'pulumi', 'fixtures', 'new-typescript'), dir, { recursive: true });
    await cp(FLEET, path.join(dir, 'fleet.yaml'));
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'vmbackup-outside', main: 'index.ts', devDependencies: { '@types/node': await installed('@types/node'), typescript: await installed('typescript') }, dependencies: { '@pulumi/pulumi': await installed('@pulumi/pulumi') } }, null, 2)}\n`);
    // The program uses only the SDK; better-sqlite3's native build (an install script) is the plugin's business.
    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], dir);

    // The SDK from both module systems, and the template's tsconfig type-checks the program.
    const cjs = await sh('node', ['-e', 'const v = require("vmbackup/pulumi"); console.log(typeof v.VmProtection, typeof v.Policy)'], dir);
    expect(cjs.trim()).toBe('function function');
    const esm = await sh('node', ['--input-type=module', '-e', 'const v = await import("vmbackup/pulumi"); console.log(typeof v.VmProtection, typeof v.getVirtualMachines)'], dir);
    expect(esm.trim()).toBe('function function');
    await sh(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], dir);
    await writeFile(path.join(dir, 'esm.mts'), 'import { VmProtection } from "vmbackup/pulumi";\nexport const token: string = VmProtection.__pulumiType;\n');
    await sh(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'esm.mts'], dir);
    await rm(path.join(dir, 'esm.mts'));

    const stack = await makeStack(path.join(outside, 'ts-home'), dir, { repositoryPlugin: false });
    await stack.pulumi(['plugin', 'install', 'resource', 'vmbackup', VERSION, '--file', archive]);
    const about = await stack.pulumi(['about']);
    expect(about.stdout).toMatch(new RegExp(`vmbackup\\s+${VERSION.replace(/\./g, '\\.')}`));

    await upPreviewRefreshDestroy(stack, 'outside-daily');
  }, 600_000);

  it('a Python program with the SDK generated from the schema: up, preview --expect-no-changes, refresh, destroy', async () => {
    const sdk = (await sh('bash', [path.join(ROOT, 'scripts', 'gen-sdks.sh'), path.join(outside, 'sdk'), 'python'], ROOT)).trim();
    const dir = path.join(outside, 'python');
    await cp(path.join(ROOT, 'test', 'pulumi', 'fixtures', 'python'), dir, { recursive: true });
    await cp(FLEET, path.join(dir, 'fleet.yaml'));
    // The program's own virtualenv, with the `pulumi` package from PyPI at the engine's version and the generated SDK.
    const venv = path.join(outside, 'venv');
    await sh('python3', ['-m', 'venv', venv], outside);
    const engine = (JSON.parse(await readFile(path.join(ROOT, 'node_modules', '@pulumi', 'pulumi', 'package.json'), 'utf8')) as { version: string }).version;
    await sh(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `pulumi==${engine}`, path.join(sdk, 'python')], outside);

    const stack = await makeStack(path.join(outside, 'py-home'), dir, { repositoryPlugin: false, hosts: ['pulumi-language-python'], path: [path.join(venv, 'bin')] });
    await stack.pulumi(['plugin', 'install', 'resource', 'vmbackup', VERSION, '--file', archive]);
    await upPreviewRefreshDestroy(stack, 'python-daily');
  }, 600_000);

  it('a Go program with the SDK generated from the schema: up, preview --expect-no-changes, refresh, destroy', async () => {
    const sdk = (await sh('bash', [path.join(ROOT, 'scripts', 'gen-sdks.sh'), path.join(outside, 'sdk'), 'go'], ROOT)).trim();
    const dir = path.join(outside, 'go');
    await cp(path.join(ROOT, 'test', 'pulumi', 'fixtures', 'go'), dir, { recursive: true });
    await cp(FLEET, path.join(dir, 'fleet.yaml'));
    // The program's module takes the SDK from where it was generated, and Pulumi's Go SDK at the engine's version.
    const engine = await installed('@pulumi/pulumi');
    await writeFile(
      path.join(dir, 'go.mod'),
      `module vmbackup.invalid/program\n\ngo 1.24\n\nrequire (\n\tgithub.com/pulumi/pulumi/sdk/v3 v${engine}\n\tvmbackup/sdk/go v0.0.0\n)\n\nreplace vmbackup/sdk/go => ${path.join(sdk, 'go')}\n`,
    );
    await writeFile(path.join(sdk, 'go', 'go.mod'), `module vmbackup/sdk/go\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${engine}\n`);
    await sh('go', ['mod', 'tidy'], dir);
    await sh('go', ['vet', './...'], dir);

    const stack = await makeStack(path.join(outside, 'go-home'), dir, { repositoryPlugin: false, hosts: ['pulumi-language-go'] });
    await stack.pulumi(['plugin', 'install', 'resource', 'vmbackup', VERSION, '--file', archive]);
    await upPreviewRefreshDestroy(stack, 'go-daily');
  }, 600_000);
});
