// Discovery of a whole estate through Azure Resource Graph: two queries (VMs, their backup extensions
// and the vaults from `resources`; items, policies and jobs from `recoveryservicesresources`) across every
// subscription in scope, each resource group's rows packed into one row of pages of up to 1,000 rows, paced by
// Resource Graph's per-user quota. Rows whose `properties` is
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

const BACKUP_EXTENSION = `(type =~ '${EXTENSION_TYPE}' and properties.type in~ ('VMSnapshot', 'VMSnapshotLinux'))`;
const RESOURCES_WHERE = ['resources', `| where type in~ ('${VM_TYPE}', '${VAULT_TYPE}') or ${BACKUP_EXTENSION}`];
const VMS_WHERE = ['resources', `| where type =~ '${VM_TYPE}' or ${BACKUP_EXTENSION}`];

const BACKUP_WHERE = [
  'recoveryservicesresources',
  "| where properties.backupManagementType == 'AzureIaasVM'",
  `| where type in~ ('${ITEM_TYPE}', '${POLICY_TYPE}') or (type =~ '${JOB_TYPE}' and (todatetime(properties.startTime) >= ago(24h) or properties.status == 'InProgress'))`,
];

/** The columns vmbackup reads of every row, in the order a packed row holds them. */
const COLUMNS = ['id', 'name', 'type', 'location', 'subscriptionId', 'tags', 'properties'] as const;

/** One row per resource; projects `id` and orders by it, as Resource Graph pages stably only then. */
const plainQuery = (where: readonly string[]): string => [...where, `| project ${COLUMNS.join(', ')}`, '| order by id asc'].join('\n');

/**
 * One row per subscription and resource group, holding that group's rows as arrays of COLUMNS: Resource Graph's
 * quota counts queries and pages of up to 1,000 rows, so an estate of 12,000 VMs reads in a page or two instead of
 * a dozen and more.
 */
const packedQuery = (where: readonly string[]): string =>
  [...where, `| summarize ${PACKED} = make_list(pack_array(${COLUMNS.join(', ')})) by subscriptionId, resourceGroup`, '| order by subscriptionId asc, resourceGroup asc'].join('\n');

const PACKED = 'rows';

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
  let top = PAGE_ROWS;
  for (;;) {
    await pacer.beforeNext(wait.signal);
    const token = skipToken;
    const page: QueryResponse | typeof TOO_LARGE = await call(
      target,
      async () => {
        try {
          // The page size goes with every page: it shrinks when an answer was too large.
          return await target.clients.graph.resources(
            { query, subscriptions: [...subscriptions], options: token ? { skipToken: token, top } : { top } },
            { onResponse: (raw) => pacer.observe(raw.headers) },
          );
        } catch (e) {
          if (isPayloadTooLarge(e)) return TOO_LARGE;
          throw throttledUntilReset(e);
        }
      },
      wait,
    );
    if (page === TOO_LARGE) {
      // Resource Graph refuses an answer over its payload limit: ask again for half as many rows.
      if (top === 1) throw azureError(TOO_LARGE, 'one row of Resource Graph\'s answer is larger than it sends');
      top = Math.ceil(top / 2);
      continue;
    }
    // Resource Graph cuts an answer it cannot page; a partial estate would read as VMs that vanished.
    if (page.resultTruncated === 'true' && !page.skipToken) {
      throw azureError('ResultTruncated', `Resource Graph returned ${page.count} of ${page.totalRecords} rows and no page to follow: discover through the ARM lists instead`);
    }
    rows.push(...pageRows(page));
    skipToken = page.skipToken;
    if (!skipToken) return rows;
  }
}

/**
 * The rows of a page. The service sends objectArray (the default format) as a JSON array; the SDK's mapper, which
 * follows the specification's `data: object`, hands it over as a dictionary keyed "0", "1", ... in row order.
 */
export function pageRows(page: QueryResponse): GraphRow[] {
  const data = page.data as unknown;
  return (Array.isArray(data) ? data : Object.values(data as Record<string, GraphRow>)) as GraphRow[];
}

const TOO_LARGE = 'ResponsePayloadTooLarge';

/** Resource Graph's refusal of an answer larger than it sends (BadRequest, detail ResponsePayloadTooLarge). */
function isPayloadTooLarge(e: unknown): boolean {
  const text = (e as { response?: { bodyAsText?: string } }).response?.bodyAsText;
  try {
    const details = (JSON.parse(text ?? '{}') as { error?: { details?: { code?: string }[] } }).error?.details ?? [];
    return details.some((d) => d.code === 'ResponsePayloadTooLarge');
  } catch {
    return false;
  }
}

/**
 * The rows of one filter: packed when Resource Graph can answer so, one row per resource otherwise (a group too large
 * for one answer, or a packed answer it could not page).
 */
async function queryRows(target: Target, where: readonly string[], subscriptions: readonly string[], pacer: QuotaPacer, wait: WaitOptions): Promise<GraphRow[]> {
  try {
    const groups = await queryAll(target, packedQuery(where), subscriptions, pacer, wait);
    return groups.flatMap((g) => ((g as unknown as Record<string, unknown[][]>)[PACKED] ?? []).map(unpack));
  } catch (e) {
    const code = classifyError(e).code;
    if (code !== TOO_LARGE && code !== 'ResultTruncated') throw e;
    return queryAll(target, plainQuery(where), subscriptions, pacer, wait);
  }
}

function unpack(values: readonly unknown[]): GraphRow {
  return Object.fromEntries(COLUMNS.map((c, i) => [c, values[i] ?? undefined])) as GraphRow;
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

const ofType = (rows: readonly GraphRow[], type: string) => rows.filter((r) => r.type.toLowerCase() === type);

/** The VMs among `rows`, each with the backup extension rows under it. */
function vmsOf(rows: readonly GraphRow[]): EstateVm[] {
  const extensionsOf = new Map<string, GraphRow[]>();
  for (const r of ofType(rows, EXTENSION_TYPE)) {
    const vmId = r.id.slice(0, r.id.toLowerCase().lastIndexOf('/extensions/')).toLowerCase();
    extensionsOf.set(vmId, [...(extensionsOf.get(vmId) ?? []), r]);
  }
  return ofType(rows, VM_TYPE).map((r) => estateVm(r, extensionsOf.get(r.id.toLowerCase()) ?? []));
}

/**
 * The VMs of `subscriptions` as Resource Graph sees them now, without their agents (VM_FACTS_NOT_IN_RESOURCE_GRAPH):
 * one query where Compute's VM list takes a page per 100 VMs. Resource Graph may lag ARM by minutes.
 */
export async function queryVms(target: Target, subscriptions: readonly string[], wait: WaitOptions = {}): Promise<EstateVm[]> {
  const pacer = new QuotaPacer();
  const rows: GraphRow[] = [];
  for (let i = 0; i < subscriptions.length; i += SUBSCRIPTIONS_PER_QUERY) {
    rows.push(...(await throughGraph(queryRows(target, VMS_WHERE, subscriptions.slice(i, i + SUBSCRIPTIONS_PER_QUERY), pacer, wait))));
  }
  return vmsOf(rows);
}

/**
 * Resource Graph's answer, or its error with the way around it: Resource Manager's lists serve the same reads (a
 * principal whose Resource Graph queries are refused, a query the service cannot answer).
 */
async function throughGraph<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (e) {
    if (!(e instanceof ClassifiedAzureError) || e.transient) throw e;
    const remedy = `${e.remedy ? `${e.remedy} ` : ''}Or read Resource Manager's lists instead of Azure Resource Graph: \`--consistent\` (Pulumi: \`consistent: true\`).`;
    throw new ClassifiedAzureError(e.message, e.code, remedy, e.statusCode, e.transient, e.retryAfterMs, e.requestId);
  }
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
    // One after the other: the quota's headers pace the next query only once the last has answered.
    resources.push(...(await throughGraph(queryRows(target, RESOURCES_WHERE, batch, pacer, wait))));
    backup.push(...(await throughGraph(queryRows(target, BACKUP_WHERE, batch, pacer, wait))));
  }

  const inVault = (r: GraphRow): InVault => ({ vaultId: vaultIdOf(r.id), subscriptionId: r.subscriptionId });
  return {
    vms: vmsOf(resources),
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
