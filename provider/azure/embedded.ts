// The emulator started inside a vmbackup process: its own errors become vmbackup's input and configuration
// errors, so a bad fleet is reported like a bad spec (every problem, FILE:LINE:COL) and never as a crash.
import { ConfigurationError, InvalidInputError, type Diagnostic } from '../core/index.js';
import type { EmulatorOptions, EmulatorState, RunningEmulator } from '../../emulator/index.js';

const SEED_REMEDY = 'seed a new state directory with --fleet FILE or VMBACKUP_FLEET (examples/fleet.yaml is the demo fleet)';

async function translated<T>(fn: (emulator: typeof import('../../emulator/index.js')) => T | Promise<T>): Promise<T> {
  // The emulator (and its SQLite driver) is loaded only when it is used.
  const emulator = await import('../../emulator/index.js');
  try {
    return await fn(emulator);
  } catch (e) {
    if (e instanceof emulator.FleetError) {
      const diagnostics: Diagnostic[] = e.problems.map((p) => ({
        severity: 'error',
        code: 'InvalidFleet',
        message: p.message,
        location: { file: p.file, line: p.line, col: p.col },
        remedy: 'fix the fleet file; its JSON Schema is schemas/fleet.schema.json',
      }));
      throw new InvalidInputError(diagnostics, 'the fleet file is invalid');
    }
    if (e instanceof emulator.UnseededStateError) {
      throw new ConfigurationError(`the emulator state directory ${e.stateDir} holds no world yet: ${SEED_REMEDY}`);
    }
    throw e;
  }
}

export function startEmbeddedEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  return translated((emulator) => emulator.startEmulator(opts));
}

/** The emulator's state (its clock) without a server. */
export function openEmbeddedEmulatorState(stateDir: string): Promise<EmulatorState> {
  return translated((emulator) => emulator.openEmulatorState(stateDir));
}
