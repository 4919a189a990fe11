// `vmbackup demo`: the main job end to end on the embedded emulator seeded with examples/fleet.yaml.
import { isAbsolute, relative } from 'node:path';
import pc from 'picocolors';
import { ConfigurationError, NotConvergedError } from '../../core/index.js';
import { packagePath } from '../../core/packagePath.js';
import { ExitCode } from '../exitCodes.js';
import type { TargetFlags } from '../context.js';
import { applyCommand, driftCommand, planCommand } from './reconcile.js';
import { dashboardCommand } from './inspect.js';
import { clockCommand } from './emulator.js';

function step(title: string): void {
  process.stdout.write(`\n${pc.bold(pc.cyan(`== ${title}`))}\n`);
}

/** The example files as the user would type them when they sit below the working directory. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export async function demoCommand(flags: TargetFlags & { file?: string }): Promise<ExitCode> {
  if ((flags.target ?? process.env.VMBACKUP_TARGET ?? 'emulator') !== 'emulator') {
    throw new ConfigurationError('the demo runs on the emulator only: leave --target (and VMBACKUP_TARGET) out');
  }
  const file = flags.file ?? shown(packagePath('examples', 'spec.yaml'));
  const state = flags.state ?? process.env.VMBACKUP_STATE ?? '.vmbackup';
  // The first step seeds a new state from the fleet; the later ones find the world it made.
  const { emulatorWorldExists } = await import('../../../emulator/index.js');
  const seed = flags.fleet ?? (emulatorWorldExists(state) ? undefined : shown(packagePath('examples', 'fleet.yaml')));
  const target: TargetFlags = { ...flags, target: 'emulator', fleet: undefined };

  step(`vmbackup plan -f ${file}`);
  await planCommand({ ...target, fleet: seed, file });
  step('vmbackup apply --yes');
  await showing(applyCommand({ ...target, file, yes: true }));
  step('vmbackup emulator clock advance 24h   (the policies\' scheduled backups run)');
  await clockCommand('advance', '24h', { state });
  step('vmbackup dashboard');
  await dashboardCommand({ ...target, file });
  step('vmbackup drift');
  const drift = await driftCommand({ ...target, file });
  step('vmbackup apply --yes   (a second apply has nothing to do)');
  const again = await showing(applyCommand({ ...target, file, yes: true }));
  process.stdout.write(
    `\nState kept in ${state}/ (delete it to start over). Drift exit code: ${drift} ` +
      `(${drift === ExitCode.changes ? 'drift found: the VMs blocked by pre-flight checks are not protected' : 'in sync'}); ` +
      `apply exit code: ${again} (${again === ExitCode.ok ? 'converged' : 'not converged while VMs are blocked'}).\n`,
  );
  return ExitCode.ok;
}

/** The demo's spec declares VMs that pre-flight blocks on purpose: apply says so and exits 1, and the demo goes on. */
async function showing(apply: Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await apply;
  } catch (err) {
    if (!(err instanceof NotConvergedError)) throw err;
    process.stdout.write(`${pc.yellow(err.message)}\n`);
    return ExitCode.error;
  }
}
