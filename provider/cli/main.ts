// The vmbackup command line: parse flags into typed structs, call the library, map the outcome to an exit code.
import { Command, CommanderError, Option } from 'commander';
import { describeError, exitCodeForError, ExitCode } from './exitCodes.js';
import { applyCommand, driftCommand, planCommand, validateCommand } from './commands/reconcile.js';
import { REPORT_FORMATS } from '../render/index.js';
import { dashboardCommand, discoverCommand, jobsCommand } from './commands/inspect.js';
import { clockCommand, emulatorServeCommand, generateFleetCommand } from './commands/emulator.js';
import { demoCommand } from './commands/demo.js';
import { backupCommand } from './commands/backup.js';
import { packagePath } from '../core/packagePath.js';
import { readFileSync } from 'node:fs';

type Action = (...args: never[]) => Promise<ExitCode>;

function withTargetFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--target <kind>', 'emulator (default: the embedded emulator) or azure').env('VMBACKUP_TARGET'))
    .addOption(new Option('--endpoint <url>', 'a running emulator or ARM endpoint').env('VMBACKUP_ENDPOINT'))
    .option('--subscription <id>', 'subscription id (default: the spec\'s); with an estate spec, the subscriptions of its scope to limit the run to, comma-separated')
    .addOption(stateOption())
    .addOption(new Option('--fleet <file>', 'fleet file that seeds a new emulator state').env('VMBACKUP_FLEET'))
    .option('--ca-file <file>', 'CA certificate of a standalone emulator (default: from its state directory)')
    .option('--token-file <file>', 'bearer token file of a standalone emulator (default: from its state directory)');
}

const specOption = () => new Option('-f, --file <spec>', 'the spec (YAML)').makeOptionMandatory();
const stateOption = () => new Option('--state <dir>', 'emulator state directory (default .vmbackup)').env('VMBACKUP_STATE');

/** Commands that read one vault name it through a spec's target or directly. */
function withVaultChoice(cmd: Command, specHelp = 'a spec whose target names the vault'): Command {
  return withTargetFlags(cmd).option('-f, --file <spec>', specHelp).option('--vault <rg/name>', 'the vault, instead of a spec');
}

export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const version = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('vmbackup')
    .description('Declarative Azure Backup protection of Azure VMs: validate, discover, plan, apply, drift.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  // Commander hands us camelCased option objects; each command function validates its own flags.
  const run = (fn: Action) => async (...args: unknown[]) => {
    setExit(await (fn as (...a: unknown[]) => Promise<ExitCode>)(...args.slice(0, -1)));
  };

  program
    .command('validate')
    .description('check a spec: every problem at once, with FILE:LINE:COL and the fix')
    .addOption(specOption())
    .option('--profile <profile>', 'limits to check against: classic (default) or modern')
    .action(run(validateCommand as Action));

  withVaultChoice(program.command('discover'))
    .description('list the VMs the vault sees: region, resource group, power state, protection state, policy')
    .option('--format <format>', 'text or json', 'text')
    .action(run(discoverCommand as Action));

  withTargetFlags(program.command('plan'))
    .description('show what apply would do (exit 0 nothing to do, 2 changes, 1 error)')
    .addOption(specOption())
    .option('--out <file>', 'also save the plan as JSON for `apply --plan`')
    .option('--allow-weaker-vault-settings', "allow a plan that weakens a vault's soft delete, immutability or Cross Region Restore")
    .option('--consistent', 'estate specs: discover through Resource Manager lists only, not Azure Resource Graph (which may lag)')
    .option('--format <format>', REPORT_FORMATS.join(' | '), 'text')
    .action(run(planCommand as Action));

  withTargetFlags(program.command('apply'))
    .description('make the vault match the spec (exit 0 converged, 1 failures or blocked actions)')
    .addOption(specOption())
    .option('--plan <file>', 'apply exactly this saved plan; refused if the state has moved since')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--concurrency <n>', "operations in flight at once (one per VM at a time; default: as many as ARM's quota keeps busy)")
    .option('--allow-data-deletion', 'allow deleting backup data where the spec says retainData: false')
    .option('--allow-weaker-vault-settings', "allow weakening a vault's soft delete, immutability or Cross Region Restore where the spec says so")
    .option('--format <format>', 'text or json (one event per line)', 'text')
    .option('--wait-lock <duration>', 'wait up to DURATION (e.g. 10m) for another apply on the vault to finish (default: refuse at once)')
    .option('--consistent', 'estate specs: discover through Resource Manager lists only, not Azure Resource Graph (which may lag)')
    .action(run(applyCommand as Action));

  withTargetFlags(program.command('drift'))
    .description('report where the world differs from the spec (exit 0 in sync, 2 drift, 1 error)')
    .addOption(specOption())
    .option('--format <format>', REPORT_FORMATS.join(' | '), 'text')
    .option('--out <file>', 'write the report to a file')
    .option('--grace-hours <n>', 'hours past the policy\'s interval before a missing recovery point is drift')
    .option('--consistent', 'read Resource Manager lists only, not Azure Resource Graph (which may lag): for one vault its VMs, for an estate everything')
    .option(
      '--all-recovery-points',
      "read the newest recovery points of every running protected VM (one call each), which also finds a crash-consistent point taken while the VM was stopped; by default only where the day's backup jobs do not vouch for the point",
    )
    .action(run(driftCommand as Action));

  withTargetFlags(program.command('backup'))
    .description('back up protected VMs now, one on-demand backup job per VM (modern profile; exit 0 all started or, with --wait, all succeeded, 1 any failed)')
    .addOption(specOption())
    .option('--vm <rg/name>', 'a VM the spec protects, as RESOURCE_GROUP/VM_NAME or its ARM id (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--rule <name>', 'back up the VMs this rule of the spec declares, instead of --vm')
    .option('--retain-until <when>', "keep the recovery points until a date (2027-01-31), a date-time (2027-01-31T18:00:00Z) or for a duration (45d); 1 day to 99 years (default: Azure's, 30 days)")
    .option('--wait', 'wait for the backup jobs to end and report each outcome')
    .option('--format <format>', 'text or json', 'text')
    .action(run(backupCommand as Action));

  withVaultChoice(program.command('jobs'))
    .description('backup jobs of the vault')
    .option('--since <duration>', 'window, e.g. 24h or 7d', '24h')
    .option('--status <list>', 'comma-separated: InProgress, Completed, Failed, CompletedWithWarnings, Cancelled')
    .option('--format <format>', 'text or json', 'text')
    .action(run(jobsCommand as Action));

  withVaultChoice(program.command('dashboard'), 'a spec whose target names the vault (adds the drift summary)')
    .description('protected VMs, jobs of the last 24 hours, recovery points and drift')
    .option('--format <format>', 'text, json or html')
    .option('--out <file>', 'write to a file (e.g. dashboard.html)')
    .option('--serve', 'serve a page that refreshes itself')
    .option('--port <n>', 'port for --serve (default: any free port)')
    .option('--refresh <seconds>', 'refresh interval for --serve', '10')
    .action(run(dashboardCommand as Action));

  withTargetFlags(program.command('demo'))
    .description('plan, apply, dashboard and drift on the embedded emulator seeded with examples/fleet.yaml')
    .option('-f, --file <spec>', 'the spec (default examples/spec.yaml)')
    .action(run(demoCommand as Action));

  const emulator = program.command('emulator').description('the local Azure Resource Manager emulator');
  emulator
    .command('serve')
    .description('serve the emulator until stopped; prints the endpoint, token file and CA file')
    .addOption(stateOption())
    .addOption(new Option('--fleet <file>', 'fleet file that seeds a new state directory').env('VMBACKUP_FLEET'))
    .option('--port <n>', 'port (default: any free port)')
    .option('--profile <profile>', 'classic (the guide\'s limits) or modern (today\'s Azure)')
    .action(run(emulatorServeCommand as Action));
  const clock = emulator.command('clock').description('the emulator\'s clock');
  clock
    .command('show')
    .addOption(stateOption())
    .action(run(((flags: { state?: string }) => clockCommand('show', undefined, flags)) as Action));
  clock
    .command('advance <duration>')
    .description('move time forward (e.g. 24h); scheduled backups that fall due are performed')
    .addOption(stateOption())
    .action(run(((duration: string, flags: { state?: string }) => clockCommand('advance', duration, flags)) as Action));
  emulator
    .command('generate-fleet')
    .description('write a generated fleet file (for benchmarks); --estate writes many subscriptions, regions and vaults')
    .option('--vms <n>', 'number of VMs (default 1000, or 12000 with --estate)')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <file>', 'output file (default stdout)')
    .option('--estate', 'an estate: several subscriptions, each with VMs and a vault in every region')
    .option('--subscriptions <n>', 'with --estate: number of subscriptions (default 4)')
    .option('--regions <list>', 'with --estate: regions, separated by commas (default westeurope,northeurope,westus3)')
    .option('--vaults <n>', 'with --estate: vaults, one per subscription and region and the rest doubling some (default 16)')
    .option('--spec-out <file>', 'with --estate: also write an estate spec over the fleet (all subscriptions, all vaults)')
    .action(run(generateFleetCommand as Action));

  // A usage error is one line and where to look, not the whole help text.
  const withUsageHint = (cmd: Command, path: string): void => {
    cmd.showHelpAfterError(`(\`${path} --help\` lists what it accepts)`);
    for (const sub of cmd.commands) withUsageHint(sub, `${path} ${sub.name()}`);
  };
  withUsageHint(program, 'vmbackup');
  return program;
}

/** Commands that change the world: only their errors say that nothing was applied. */
const APPLYING_COMMANDS = new Set(['apply', 'demo']);

/** Runs the CLI and returns the exit code; the only place errors become exit codes. */
/**
 * A reader that stops early (`vmbackup jobs | head`) closes the pipe: the rest of the output has nowhere to go,
 * which is not an error of ours, so the process ends quietly instead of dying on EPIPE with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  endQuietlyOnClosedPipe();
  let code: ExitCode = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  let applying = false;
  program.hook('preAction', (_program, command) => {
    applying = APPLYING_COMMANDS.has(command.name());
  });
  try {
    await program.parseAsync(argv as string[]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    process.stderr.write(`${describeError(err, applying)}\n`);
    return exitCodeForError(err);
  }
}
