// What every command shares: the target flags, spec loading, and where output goes.
import { ConfigurationError, InvalidInputError, type Diagnostic, type ResolvedSpec, formatDiagnostic } from '../core/index.js';
import { openTarget, resolveTarget, type ResolvedTarget, type Target } from '../azure/index.js';
import { resolveSpecFile } from '../spec/index.js';
import { checkSmallFile, checkStateDir, endpointUrl, prepareOutputPath, stateDirError, writeOutput } from './flags.js';

/** Flags every command that talks to a target accepts. */
export interface TargetFlags {
  /** emulator (default) or azure; env VMBACKUP_TARGET. */
  target?: string;
  /** An emulator or ARM endpoint; env VMBACKUP_ENDPOINT. Default: the embedded emulator. */
  endpoint?: string;
  /** Subscription id; default the spec's, or AZURE_SUBSCRIPTION_ID. */
  subscription?: string;
  /** Emulator state directory; env VMBACKUP_STATE, default .vmbackup. */
  state?: string;
  /** Fleet file that seeds a new emulator state; env VMBACKUP_FLEET. */
  fleet?: string;
  caFile?: string;
  tokenFile?: string;
}

export type Profile = 'classic' | 'modern';

/** The target the flags give, resolved once (resolveTarget): what is checked before opening it is what is opened. */
export function targetOptionsFrom(flags: TargetFlags, subscriptionId?: string): ResolvedTarget {
  return resolveTarget({
    kind: flags.target,
    endpoint: flags.endpoint === undefined ? undefined : endpointUrl(flags.endpoint),
    subscriptionId: flags.subscription ?? subscriptionId,
    stateDir: flags.state,
    fleetFile: flags.fleet,
    caFile: flags.caFile,
    tokenFile: flags.tokenFile,
  });
}

/** Opens the target, runs `fn`, and always closes it (stopping an embedded emulator). */
export async function withTarget<T>(flags: TargetFlags, subscriptionId: string | undefined, fn: (t: Target) => Promise<T>): Promise<T> {
  const options = targetOptionsFrom(flags, subscriptionId);
  if (options.caFile) await checkSmallFile('--ca-file', options.caFile);
  if (options.tokenFile) await checkSmallFile('--token-file', options.tokenFile);
  if (options.kind === 'emulator') {
    await checkStateDir(options.stateDir!);
    await noteIgnoredFleet(options.stateDir!, options.fleetFile, options.endpoint);
  }
  const target = await openTarget(options).catch((e: unknown) => {
    throw stateDirError(e, options.stateDir!);
  });
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

let fleetChecked = false;

/**
 * A fleet seeds a new state directory only: given with one that holds a world, or with a running emulator's
 * endpoint, it is ignored, and the user hears so rather than finding other VMs than the fleet's.
 */
export async function noteIgnoredFleet(stateDir: string, fleetFile: string | undefined, endpoint?: string): Promise<void> {
  // Once per process: the demo opens the same world several times.
  if (!fleetFile || fleetChecked) return;
  fleetChecked = true;
  if (endpoint) {
    process.stderr.write(`note: the fleet ${fleetFile} is ignored: the emulator at ${endpoint} was seeded when it started\n`);
    return;
  }
  const { emulatorWorldExists } = await import('../../emulator/index.js');
  if (emulatorWorldExists(stateDir)) {
    process.stderr.write(`note: the fleet ${fleetFile} is ignored: ${stateDir} already holds a world (delete ${stateDir} to seed a new one from the fleet)\n`);
  }
}

export interface LoadSpecOptions {
  /** Limits of this profile; default: what any profile accepts. */
  profile?: Profile;
  /**
   * Print the spec's warnings (stderr), and list them beside its errors. Default false: read-only commands use
   * a spec to name a vault or to compare, where warnings about what apply would do do not apply.
   */
  warn?: boolean;
  /** `--subscription` on an estate spec: comma-separated subscriptions of its scope that this run is limited to. */
  subscriptions?: string;
}

/**
 * Loads and validates a spec; every error is thrown at once as InvalidInputError. A command that changes the
 * world loads it twice: before the target is opened (bad input never reaches the service) and with the
 * target's profile, whose limits depend on the world; only one of the two loads warns.
 */
export async function loadSpec(file: string, opts: LoadSpecOptions = {}): Promise<ResolvedSpec> {
  const { spec, diagnostics } = await resolveSpecFile(file, opts.profile ? { profile: opts.profile } : {});
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!spec || errors.length > 0) throw new InvalidInputError(opts.warn ? diagnostics : errors, `${file} is invalid`);
  if (opts.warn) reportWarnings(diagnostics);
  return spec.form === 'estate' && opts.subscriptions ? limitToSubscriptions(spec, opts.subscriptions) : spec;
}

/**
 * Part of an estate: its scope and vaults in the given subscriptions only, so a CI matrix can split a large estate
 * by subscription (each has its own ARM quota). Rules, policies and exemptions stay whole.
 */
export function limitToSubscriptions(spec: ResolvedSpec, list: string): ResolvedSpec {
  const wanted = list.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const inScope = new Set(spec.scope.subscriptions.map((s) => s.toLowerCase()));
  const unknown = wanted.filter((s) => !inScope.has(s));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `--subscription ${unknown.join(', ')} is not in the scope of ${spec.file} (${spec.scope.subscriptions.join(', ')}): name subscriptions of scope.subscriptions`,
    );
  }
  const keep = (s: string) => wanted.includes(s.toLowerCase());
  const vaults = spec.vaults.filter((v) => keep(v.subscriptionId));
  if (vaults.length === 0) throw new ConfigurationError(`${spec.file} declares no vault in subscription ${wanted.join(', ')}: declare one under vaults:`);
  return {
    ...spec,
    scope: { ...spec.scope, subscriptions: spec.scope.subscriptions.filter(keep) },
    vaults,
    target: { subscriptionId: vaults[0].subscriptionId, vault: { resourceGroup: vaults[0].resourceGroup, name: vaults[0].name }, ...(vaults[0].source ? { source: vaults[0].source } : {}) },
  };
}

export function reportWarnings(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) if (d.severity === 'warning') process.stderr.write(`${formatDiagnostic(d)}\n`);
}

/** Colours only for a terminal, and never when NO_COLOR is set (no-color.org). */
export function terminalColor(out?: string): boolean {
  return !out && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** Writes a report to --out, or to stdout. */
export async function emit(text: string, out?: string): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (!out) {
    process.stdout.write(body);
    return;
  }
  await prepareOutputPath('--out', out);
  await writeOutput('--out', out, body);
  process.stderr.write(`wrote ${out}\n`);
}

export function parseVaultFlag(value: string | undefined): { resourceGroup: string; name: string } | undefined {
  return value ? parseGroupAndName('--vault', value, 'RESOURCE_GROUP/VAULT_NAME') : undefined;
}

/** A flag's RESOURCE_GROUP/NAME value; `shape` is how the message writes it. */
export function parseGroupAndName(flag: string, value: string, shape: string, alternative = ''): { resourceGroup: string; name: string } {
  const [resourceGroup, name, extra] = value.split('/');
  if (!resourceGroup || !name || extra !== undefined) throw new ConfigurationError(`invalid ${flag} "${value}": write it as ${shape}${alternative}`);
  return { resourceGroup, name };
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigurationError(`invalid ${flag} "${value}": use one of ${allowed.join(', ')}`);
}

export function positiveInt(flag: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= max)) {
    throw new ConfigurationError(`invalid ${flag} "${value}": use a whole number from 1${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`);
  }
  return n;
}
