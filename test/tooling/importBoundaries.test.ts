// The import-boundary check is itself tested: each rule of .dependency-cruiser.cjs fails on a small tree that
// breaks it, and passes on the same tree without the offending import.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tree laid out like the repository, holding `files`, checked with the repository's own rules. */
async function cruise(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmbackup-boundaries-'));
  dirs.push(dir);
  cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', type: 'module', dependencies: { '@azure/arm-compute': '*' } }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    const { stdout } = await run(DEPCRUISE, ['provider', 'emulator', '--config', '.dependency-cruiser.cjs'], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, output: err.stdout };
  }
}

const LEAVES = {
  'provider/core/index.ts': 'export const core = 1;\n',
  'provider/cli/main.ts': "import { core } from '../core/index.js';\nexport const cli = core;\n",
  'provider/azure/client.ts': "import { ComputeManagementClient } from '@azure/arm-compute';\nexport const client = ComputeManagementClient;\n",
  'provider/plan/plan.ts': "import { core } from '../core/index.js';\nexport const plan = core;\n",
  'emulator/index.ts': 'export const emulator = 1;\n',
};

describe('import boundaries', () => {
  it('a tree that keeps the layering passes', async () => {
    const r = await cruise(LEAVES);
    expect(r.code, r.output).toBe(0);
  });

  it.each([
    { rule: 'core-imports-nothing', file: 'provider/core/bad.ts', text: "import { cli } from '../cli/main.js';\nexport const bad = cli;\n" },
    { rule: 'emulator-shares-no-code-with-the-client', file: 'emulator/bad.ts', text: "import { core } from '../provider/core/index.js';\nexport const bad = core;\n" },
    { rule: 'spec-plan-render-import-only-core', file: 'provider/plan/bad.ts', text: "import { client } from '../azure/client.js';\nexport const bad = client;\n" },
    { rule: 'only-azure-touches-the-sdk', file: 'provider/plan/sdk.ts', text: "import { ComputeManagementClient } from '@azure/arm-compute';\nexport const bad = ComputeManagementClient;\n" },
    { rule: 'client-does-not-import-the-emulator', file: 'provider/plan/emu.ts', text: "import { emulator } from '../../emulator/index.js';\nexport const bad = emulator;\n" },
  ])('$rule fails on $file', async ({ rule, file, text }) => {
    const r = await cruise({ ...LEAVES, [file]: text });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(rule);
  });
});
