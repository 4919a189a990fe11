// Provider configuration: which target the resources live in, checked like any other input.
import path from 'node:path';
import type { TargetOptions } from '../azure/index.js';
import type { PropertyMap } from './protocol.js';

export interface ProviderConfig {
  /** 'emulator' (default) or 'azure'. */
  readonly target: 'emulator' | 'azure';
  readonly subscriptionId?: string;
  readonly endpoint?: string;
  /** Default `.vmbackup` in the program's directory, like the CLI in its working directory. */
  readonly stateDir?: string;
  readonly fleet?: string;
  readonly caFile?: string;
  readonly tokenFile?: string;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /**
   * The second ask before backup data is deleted: a VmProtection's `retainDataOnDelete: false` deletes its
   * recovery points on delete only when this is true. Default false.
   */
  readonly allowDataDeletion: boolean;
}

export interface ConfigFailure {
  readonly property: string;
  readonly reason: string;
}

const STRING_KEYS = ['subscriptionId', 'endpoint', 'stateDir', 'fleet', 'caFile', 'tokenFile', 'tenantId', 'clientId', 'clientSecret'] as const;
const KNOWN_KEYS = new Set<string>(['target', 'version', 'allowDataDeletion', ...STRING_KEYS]);
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set(['clientSecret']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Configuration arrives as `vmbackup:config:key` variables from old engines and as plain keys in
 * `args`; values of non-string types come JSON-encoded in the variables form.
 */
export function configFromVariables(variables: ReadonlyMap<string, string> | Iterable<[string, string]>): PropertyMap {
  const out: PropertyMap = {};
  for (const [k, v] of variables) {
    const key = k.replace(/^vmbackup:(config:)?/, '');
    out[key] = v;
  }
  return out;
}

/** Validates configuration values, returning every failure at once. */
export function checkConfig(props: PropertyMap): { config?: ProviderConfig; failures: ConfigFailure[] } {
  const failures: ConfigFailure[] = [];
  for (const key of Object.keys(props)) {
    if (!KNOWN_KEYS.has(key)) failures.push({ property: key, reason: `unknown configuration key "${key}"; known keys: ${[...KNOWN_KEYS].filter((k) => k !== 'version').join(', ')}` });
  }
  const target = props.target ?? 'emulator';
  if (target !== 'emulator' && target !== 'azure') {
    failures.push({ property: 'target', reason: `target must be "emulator" or "azure", not ${JSON.stringify(target)}` });
  }
  for (const key of STRING_KEYS) {
    const v = props[key];
    if (v !== undefined && typeof v !== 'string') failures.push({ property: key, reason: `${key} must be a string` });
  }
  const sub = props.subscriptionId;
  if (typeof sub === 'string' && !GUID.test(sub)) failures.push({ property: 'subscriptionId', reason: 'subscriptionId must be a GUID, e.g. 6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f' });
  const endpoint = props.endpoint;
  if (typeof endpoint === 'string' && !/^https:\/\/[^/]+/.test(endpoint)) failures.push({ property: 'endpoint', reason: 'endpoint must be an https:// URL' });
  if (target === 'azure' && props.clientSecret !== undefined && (props.clientId === undefined || props.tenantId === undefined)) {
    failures.push({ property: 'clientSecret', reason: 'a client secret needs clientId and tenantId too' });
  }
  // Booleans come JSON-encoded ("true") in the variables form.
  const allow = props.allowDataDeletion;
  if (allow !== undefined && allow !== true && allow !== false && allow !== 'true' && allow !== 'false') {
    failures.push({ property: 'allowDataDeletion', reason: 'allowDataDeletion must be true or false' });
  }
  if (failures.length > 0) return { failures };
  const str = (k: (typeof STRING_KEYS)[number]) => (typeof props[k] === 'string' ? (props[k] as string) : undefined);
  return {
    failures,
    config: {
      target: target as 'emulator' | 'azure',
      subscriptionId: str('subscriptionId'),
      endpoint: str('endpoint'),
      stateDir: str('stateDir'),
      fleet: str('fleet'),
      caFile: str('caFile'),
      tokenFile: str('tokenFile'),
      tenantId: str('tenantId'),
      clientId: str('clientId'),
      clientSecret: str('clientSecret'),
      allowDataDeletion: allow === true || allow === 'true',
    },
  };
}

/** Target options for a configuration; relative paths are relative to the program's directory. */
export function targetOptions(config: ProviderConfig, programDir: string): TargetOptions {
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(programDir, p));
  if (config.target === 'azure') {
    // A service principal's secret is handed to the credential, never put in this process's environment.
    const secret = config.clientSecret && config.tenantId && config.clientId ? { clientSecret: { tenantId: config.tenantId, clientId: config.clientId, clientSecret: config.clientSecret } } : {};
    return { kind: 'azure', subscriptionId: config.subscriptionId, endpoint: config.endpoint, ...secret };
  }
  return {
    kind: 'emulator',
    endpoint: config.endpoint,
    subscriptionId: config.subscriptionId,
    stateDir: abs(config.stateDir ?? process.env.VMBACKUP_STATE ?? '.vmbackup'),
    fleetFile: abs(config.fleet ?? process.env.VMBACKUP_FLEET),
    caFile: abs(config.caFile),
    tokenFile: abs(config.tokenFile),
  };
}
