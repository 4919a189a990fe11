// Discovery of a whole estate through Azure Resource Graph: two queries (VMs, their backup extensions and the
// vaults from `resources`; items, policies and jobs from `recoveryservicesresources`) across every subscription
// in scope, in pages of up to 1,000 rows, paced by Resource Graph's per-user quota. Rows whose `properties` is
// the ARM body go through the one mapper, so they read exactly as the ARM lists do.
import { setTimeout as sleep } from 'node:timers/promises';
import type { VirtualMachine, VirtualMachineExtensionInstanceView } from '@azure/arm-compute';
import type { Vault } from '@azure/arm-recoveryservices';
import type { JobResource, ProtectedItemResource, ProtectionPolicyResource } from '@azure/arm-recoveryservicesbackup';
import {
  parseArmId,
  vaultArmId,
  type ObservedJob,
  type ObservedPolicy,
  type ObservedProtectedItem,
  type ObservedVault,
  type VaultSettingValues,
} from '../core/index.js';
import { azureError, classifyError, ClassifiedAzureError } from './errors.js';
import { toJob, toPolicy, toProtectedItem, toVaultSettings, toVm, type VmRecord } from './mapping.js';
import { call, type WaitOptions } from './operations.js';
import type { QueryResponse } from '@azure/arm-resourcegraph';
import type { Target } from './target.js';
import { vmFromRest } from './mapping.js';

/** Where a backup record lives in the estate. */
export interface InVault {
  /** ARM id of the vault. */
  readonly vaultId: string;
  readonly subscriptionId: string;
}

export type EstateVm = VmRecord & { readonly subscriptionId: string };

/** VM facts Resource Graph does not carry: every EstateVm leaves them undefined; Compute's instance view has them. */
export const VM_FACTS_NOT_IN_RESOURCE_GRAPH = ['agentVersion', 'agentStatus'] as const;

export interface Estate {
  readonly vms: readonly EstateVm[];
  readonly vaults: readonly ObservedVault[];
  /** Azure VM items (AzureIaasVM) of every vault in scope. */
  readonly protectedItems: readonly (ObservedProtectedItem & InVault)[];
  /** Azure VM policies of every vault in scope. */
  readonly policies: readonly (ObservedPolicy & InVault)[];
  /** Jobs started in the last 24 hours by the service's clock, and every job still in progress. */
  readonly jobs: readonly (ObservedJob & InVault)[];
  /** The VM fields left undefined because Resource Graph does not carry them (see VM_FACTS_NOT_IN_RESOURCE_GRAPH). */
  readonly vmFactsNotCarried: typeof VM_FACTS_NOT_IN_RESOURCE_GRAPH;
}

const VM_TYPE = 'microsoft.compute/virtualmachines';
const EXTENSION_TYPE = 'microsoft.compute/virtualmachines/extensions';
const VAULT_TYPE = 'microsoft.recoveryservices/vaults';
const ITEM_TYPE = 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems';
const POLICY_TYPE = 'microsoft.recoveryservices/vaults/backuppolicies';
const JOB_TYPE = 'microsoft.recoveryservices/vaults/backupjobs';

// Both queries project `id` and order by it: Resource Graph pages stably only then.
const RESOURCES_QUERY = [
  'resources',
  `| where type in~ ('${VM_TYPE}', '${VAULT_TYPE}') or (type =~ '${EXTENSION_TYPE}' and properties.type in~ ('VMSnapshot', 'VMSnapshotLinux'))`,
  '| project id, name, type, location, subscriptionId, tags, properties',
  '| order by id asc',
].join('\n');

const BACKUP_QUERY = [
  'recoveryservicesresources',
  "| where properties.backupManagementType == 'AzureIaasVM'",
  `| where type in~ ('${ITEM_TYPE}', '${POLICY_TYPE}') or (type =~ '${JOB_TYPE}' and (todatetime(properties.startTime) >= ago(24h) or properties.status == 'InProgress'))`,
  '| project id, name, type, subscriptionId, properties',
  '| order by id asc',
].join('\n');

/** Resource Graph answers at most 1,000 rows a page. */
const PAGE_ROWS = 1000;
/** Resource Graph's troubleshooting guide: batch the subscriptions of one query by 1,000. */
const SUBSCRIPTIONS_PER_QUERY = 1000;

type GraphRow = { id: string; name: string; type: string; location?: string; subscriptionId: string; tags?: Record<string, string>; properties?: Record<string, any> };

/** "hh:mm:ss" (optionally "d.hh:mm:ss" and fractions) in milliseconds. */
export function parseQuotaResetsAfter(value: string | undefined): number | undefined {
  const m = value ? /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

/** Waits out an exhausted quota before the next query, rather than spending a 429 on it. */
class QuotaPacer {
  private waitMs = 0;

  observe(headers: { get(name: string): string | undefined }): void {
    const remaining = Number(headers.get('x-ms-user-quota-remaining'));
    this.waitMs = remaining === 0 ? (parseQuotaResetsAfter(headers.get('x-ms-user-quota-resets-after')) ?? 0) : 0;
  }

  async beforeNext(signal: AbortSignal | undefined): Promise<void> {
    if (this.waitMs > 0) await sleep(this.waitMs, undefined, { signal });
    this.waitMs = 0;
  }
}

/** Every row of one query, page by page; each page is one call, retried (429 included) by the one retry owner. */
async function queryAll(target: Target, query: string, subscriptions: readonly string[], pacer: QuotaPacer, wait: WaitOptions): Promise<GraphRow[]> {
  const rows: GraphRow[] = [];
  let skipToken: string | undefined;
  do {
    await pacer.beforeNext(wait.signal);
    const token = skipToken;
    const page: QueryResponse = await call(
      target,
      async () => {
        try {
          return await target.clients.graph.resources(
            { query, subscriptions: [...subscriptions], options: token ? { skipToken: token } : { top: PAGE_ROWS } },
            { onResponse: (raw) => pacer.observe(raw.headers) },
          );
        } catch (e) {
          throw throttledUntilReset(e);
        }
      },
      wait,
    );
    // Resource Graph cuts an answer it cannot page; a partial estate would read as VMs that vanished.
    if (page.resultTruncated === 'true' && !page.skipToken) {
      throw azureError('ResultTruncated', `Resource Graph returned ${page.count} of ${page.totalRecords} rows and no page to follow: discover through the ARM lists instead`);
    }
    rows.push(...pageRows(page));
    skipToken = page.skipToken;
  } while (skipToken);
  return rows;
}

/**
 * The rows of a page. The service sends objectArray (the default format) as a JSON array; the SDK's mapper, which
 * follows the specification's `data: object`, hands it over as a dictionary keyed "0", "1", ... in row order.
 */
export function pageRows(page: QueryResponse): GraphRow[] {
  const data = page.data as unknown;
  return (Array.isArray(data) ? data : Object.values(data as Record<string, GraphRow>)) as GraphRow[];
}

/** A 429 says when its window resets in Resource Graph's own header, not Retry-After: hand that to the retry. */
function throttledUntilReset(e: unknown): unknown {
  const classified = classifyError(e);
  const headers = (e as { response?: { headers: { get(name: string): string | undefined } } }).response?.headers;
  const resetMs = parseQuotaResetsAfter(headers?.get('x-ms-user-quota-resets-after'));
  if (classified.statusCode !== 429 || resetMs === undefined || classified.retryAfterMs !== undefined) return classified;
  return new ClassifiedAzureError(classified.message, classified.code, classified.remedy, 429, true, resetMs, classified.requestId);
}

/** A vault row's safety settings, as the vault's ARM body carries them. */
function settingsOf(row: GraphRow): { settings?: VaultSettingValues } {
  const settings = toVaultSettings(row as Vault);
  return settings ? { settings } : {};
}

function vaultIdOf(id: string): string {
  const p = parseArmId(id);
  return vaultArmId(p.subscriptions, p.resourcegroups, p.vaults);
}

/** The VM with the power state and backup extension its rows carry. */
function estateVm(row: GraphRow, extensions: readonly GraphRow[]): EstateVm {
  const properties = row.properties ?? {};
  const model: VirtualMachine = vmFromRest(row);
  const powerState: string | undefined = properties.extended?.instanceView?.powerState?.code;
  const views: VirtualMachineExtensionInstanceView[] = extensions.map((e) => ({
    name: e.name,
    type: e.properties?.type,
    statuses: [{ code: `ProvisioningState/${String(e.properties?.provisioningState ?? '')}` }],
  }));
  return { ...toVm(model, { statuses: powerState ? [{ code: powerState }] : [], extensions: views }), subscriptionId: row.subscriptionId };
}

/**
 * The estate across `subscriptions` (none: an empty estate, never the whole tenant) as Resource Graph sees it now.
 * Resource Graph may lag ARM by minutes: discovery may read it, writes never rely on it.
 */
export async function queryEstate(target: Target, subscriptions: readonly string[], wait: WaitOptions = {}): Promise<Estate> {
  const pacer = new QuotaPacer();
  const resources: GraphRow[] = [];
  const backup: GraphRow[] = [];
  for (let i = 0; i < subscriptions.length; i += SUBSCRIPTIONS_PER_QUERY) {
    const batch = subscriptions.slice(i, i + SUBSCRIPTIONS_PER_QUERY);
    resources.push(...(await queryAll(target, RESOURCES_QUERY, batch, pacer, wait)));
    backup.push(...(await queryAll(target, BACKUP_QUERY, batch, pacer, wait)));
  }

  const extensionsOf = new Map<string, GraphRow[]>();
  for (const r of resources) {
    if (r.type.toLowerCase() !== EXTENSION_TYPE) continue;
    const vmId = r.id.slice(0, r.id.toLowerCase().lastIndexOf('/extensions/')).toLowerCase();
    extensionsOf.set(vmId, [...(extensionsOf.get(vmId) ?? []), r]);
  }
  const ofType = (rows: readonly GraphRow[], type: string) => rows.filter((r) => r.type.toLowerCase() === type);
  const inVault = (r: GraphRow): InVault => ({ vaultId: vaultIdOf(r.id), subscriptionId: r.subscriptionId });
  return {
    vms: ofType(resources, VM_TYPE).map((r) => estateVm(r, extensionsOf.get(r.id.toLowerCase()) ?? [])),
    vaults: ofType(resources, VAULT_TYPE).map((r) => ({
      id: r.id,
      name: r.name,
      resourceGroup: parseArmId(r.id).resourcegroups,
      subscriptionId: r.subscriptionId,
      location: r.location ?? '',
      ...settingsOf(r),
    })),
    protectedItems: ofType(backup, ITEM_TYPE).map((r) => ({ ...toProtectedItem(r.subscriptionId, r as ProtectedItemResource), ...inVault(r) })),
    policies: ofType(backup, POLICY_TYPE).map((r) => ({ ...toPolicy(r as ProtectionPolicyResource), ...inVault(r) })),
    jobs: ofType(backup, JOB_TYPE).map((r) => ({ ...toJob(r.subscriptionId, r as JobResource), ...inVault(r) })),
    vmFactsNotCarried: VM_FACTS_NOT_IN_RESOURCE_GRAPH,
  };
}
