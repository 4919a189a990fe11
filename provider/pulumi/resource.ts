// The shape every resource type implements; the gRPC server does the wire format around it.
import type { ProviderContext } from './context.js';
import type { ResourceDiff } from './diff.js';
import type { PropertyMap } from './protocol.js';
import { UNKNOWN } from './protocol.js';

export interface CheckFailure {
  /** Property path, e.g. "schedule.time". */
  readonly property: string;
  readonly reason: string;
}

export interface CheckResult {
  readonly inputs: PropertyMap;
  readonly failures: CheckFailure[];
}

export interface ReadResult {
  readonly id: string;
  readonly inputs: PropertyMap;
  readonly outputs: PropertyMap;
}

export interface ResourceHandler {
  check(ctx: ProviderContext, urn: string, news: PropertyMap, olds: PropertyMap): Promise<CheckResult>;
  /** `olds` are the resource's state (outputs), `oldInputs` what the program last said when known. */
  diff(olds: PropertyMap, news: PropertyMap, oldInputs?: PropertyMap): ResourceDiff;
  create(ctx: ProviderContext, urn: string, inputs: PropertyMap, preview: boolean): Promise<{ id: string; outputs: PropertyMap }>;
  /** Refresh (state given) or import (only the id): undefined when the resource is gone. */
  read(ctx: ProviderContext, id: string, state: PropertyMap | undefined, oldInputs: PropertyMap | undefined, urn: string): Promise<ReadResult | undefined>;
  update(ctx: ProviderContext, urn: string, id: string, olds: PropertyMap, news: PropertyMap, preview: boolean): Promise<PropertyMap>;
  delete(ctx: ProviderContext, urn: string, id: string, state: PropertyMap, oldInputs: PropertyMap | undefined): Promise<void>;
}

const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,49}$/;

/** The vault inputs every resource takes. */
export function checkVaultInputs(inputs: PropertyMap): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const rg = inputs.vaultResourceGroup;
  const name = inputs.vaultName;
  if (rg === undefined) failures.push({ property: 'vaultResourceGroup', reason: 'missing required property "vaultResourceGroup"' });
  else if (rg !== UNKNOWN && (typeof rg !== 'string' || !RESOURCE_GROUP.test(rg))) {
    failures.push({ property: 'vaultResourceGroup', reason: 'vaultResourceGroup must be a resource group name: 1-90 letters, digits, and . _ - ( )' });
  }
  if (name === undefined) failures.push({ property: 'vaultName', reason: 'missing required property "vaultName"' });
  else if (name !== UNKNOWN && (typeof name !== 'string' || !VAULT_NAME.test(name))) {
    failures.push({ property: 'vaultName', reason: 'vaultName must be a vault name: 2-50 letters, digits and hyphens, starting with a letter' });
  }
  return failures;
}
