// `vmbackup emulator ...`: run the local ARM emulator standalone, move its clock, make large fleets.
import { stringify } from 'yaml';
import { generateEstate, generateFleet, type ClockAdvance } from '../../../emulator/index.js';
import { openEmbeddedEmulatorState, startEmbeddedEmulator } from '../../azure/index.js';
import { ConfigurationError, plural } from '../../core/index.js';
import { parseDuration } from '../duration.js';
import { ExitCode } from '../exitCodes.js';
import { emit, noteIgnoredFleet, oneOf, positiveInt } from '../context.js';
import { estateSpecText } from '../estateSpec.js';
import { checkStateDir, listenError, portNumber, prepareOutputPath, stateDirError, writeOutput } from '../flags.js';
import { waitForSignal } from './inspect.js';

export interface ServeFlags {
  state?: string;
  fleet?: string;
  port?: string;
  profile?: string;
}

function stateDir(flag: string | undefined): string {
  return flag ?? process.env.VMBACKUP_STATE ?? '.vmbackup';
}

export async function emulatorServeCommand(flags: ServeFlags): Promise<ExitCode> {
  const profile = flags.profile === undefined ? undefined : oneOf('--profile', flags.profile, ['classic', 'modern'] as const, 'classic');
  const port = portNumber('--port', flags.port);
  await checkStateDir(stateDir(flags.state));
  await noteIgnoredFleet(stateDir(flags.state), flags.fleet ?? process.env.VMBACKUP_FLEET);
  const emulator = await startEmbeddedEmulator({
    stateDir: stateDir(flags.state),
    fleetFile: flags.fleet ?? process.env.VMBACKUP_FLEET,
    port,
    ...(profile ? { profile } : {}),
  }).catch((e: unknown) => {
    throw stateDirError(listenError(e, '--port', port), stateDir(flags.state));
  });
  process.stdout.write(
    [
      `vmbackup emulator (${emulator.profile} profile) listening`,
      `  endpoint:     ${emulator.endpoint}`,
      `  subscription: ${emulator.subscriptionId}`,
      `  token file:   ${emulator.tokenFile}`,
      `  CA file:      ${emulator.caFile}`,
      `Use it with: vmbackup plan -f SPEC --endpoint ${emulator.endpoint} --state ${stateDir(flags.state)}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await waitForSignal();
  await emulator.close();
  return ExitCode.ok;
}

// Every backup that falls due is performed as the clock passes it: a year is some seconds, a century would not end.
const MAX_ADVANCE_DAYS = 366;

export async function clockCommand(action: 'show' | 'advance', duration: string | undefined, flags: { state?: string }): Promise<ExitCode> {
  const ms = action === 'advance' ? parseDuration(duration ?? '') : 0;
  if (ms > MAX_ADVANCE_DAYS * 86_400_000) {
    throw new ConfigurationError(`cannot advance the clock by ${duration} at once: at most ${MAX_ADVANCE_DAYS}d; run the command again to go further`);
  }
  await checkStateDir(stateDir(flags.state));
  const state = await openEmbeddedEmulatorState(stateDir(flags.state));
  try {
    const ran = action === 'advance' ? state.advance(ms) : undefined;
    process.stdout.write(`emulator time: ${state.now().toISOString()}\n`);
    if (ran) process.stdout.write(`${describeAdvance(duration!, ran)}\n`);
    return ExitCode.ok;
  } finally {
    state.close();
  }
}

/** What the scheduler did while the clock moved: "In 24h: 3 jobs started, 3 finished (3 Completed), 3 recovery points made." */
function describeAdvance(duration: string, ran: ClockAdvance): string {
  const finished = Object.entries(ran.jobsFinished);
  const total = finished.reduce((n, [, count]) => n + count, 0);
  const byStatus = finished.length ? ` (${finished.map(([status, n]) => `${n} ${status}`).join(', ')})` : '';
  return `In ${duration.trim()}: ${plural(ran.jobsStarted, 'job')} started, ${total} finished${byStatus}, ${plural(ran.recoveryPoints, 'recovery point')} made.`;
}

export interface GenerateFleetFlags {
  vms?: string;
  seed?: string;
  out?: string;
  estate?: boolean;
  subscriptions?: string;
  regions?: string;
  vaults?: string;
  specOut?: string;
}

// A fleet file holds at most 400,000 values, some 13,000 generated VMs.
const MAX_GENERATED_VMS = 12_000;

export async function generateFleetCommand(flags: GenerateFleetFlags): Promise<ExitCode> {
  const seed = positiveInt('--seed', flags.seed, 1);
  if (!flags.estate) {
    const onlyEstate = (['subscriptions', 'regions', 'vaults', 'specOut'] as const).filter((k) => flags[k] !== undefined);
    if (onlyEstate.length) {
      throw new ConfigurationError(`--${onlyEstate[0] === 'specOut' ? 'spec-out' : onlyEstate[0]} describes an estate: add --estate, or leave it out for a one-subscription fleet`);
    }
    if (flags.out) await prepareOutputPath('--out', flags.out);
    await emit(stringify(generateFleet({ vms: positiveInt('--vms', flags.vms, 1000, MAX_GENERATED_VMS), seed })), flags.out);
    return ExitCode.ok;
  }
  const subscriptions = positiveInt('--subscriptions', flags.subscriptions, 4, 50);
  const regions = flags.regions === undefined ? undefined : regionList(flags.regions);
  const pairs = subscriptions * (regions?.length ?? 3);
  const vaults = positiveInt('--vaults', flags.vaults, Math.max(16, pairs), 1000);
  if (vaults < pairs) throw new ConfigurationError(`--vaults ${vaults} is fewer than the ${pairs} subscription and region pairs: every pair gets a vault; give at least ${pairs}`);
  const vms = positiveInt('--vms', flags.vms, MAX_GENERATED_VMS, MAX_GENERATED_VMS);
  if (flags.out) await prepareOutputPath('--out', flags.out);
  if (flags.specOut) await prepareOutputPath('--spec-out', flags.specOut);
  const fleet = generateEstate({ subscriptions, vaults, vms, seed, ...(regions ? { regions } : {}) });
  await emit(stringify(fleet), flags.out);
  if (flags.specOut) {
    await writeOutput('--spec-out', flags.specOut, estateSpecText(fleet));
    process.stderr.write(`wrote ${flags.specOut}\n`);
  }
  return ExitCode.ok;
}

/** "westeurope,northeurope": Azure region names, lower case letters and digits. */
function regionList(value: string): string[] {
  const regions = value.split(',').map((r) => r.trim());
  const bad = regions.find((r) => !/^[a-z][a-z0-9]*$/.test(r));
  if (bad !== undefined) throw new ConfigurationError(`invalid --regions "${value}": give region names separated by commas, e.g. westeurope,northeurope`);
  if (new Set(regions).size !== regions.length) throw new ConfigurationError(`invalid --regions "${value}": a region is named twice; give each once`);
  return regions;
}
