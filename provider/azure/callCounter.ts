// Counts the HTTP calls every SDK client makes, by operation, so discovery and the benchmark can
// show that the number of calls grows with pages and not with VMs.
import type { RecoveryServicesBackupClientOptionalParams } from '@azure/arm-recoveryservicesbackup';

type PipelinePolicy = NonNullable<RecoveryServicesBackupClientOptionalParams['additionalPolicies']>[number]['policy'];

export type CallCounts = Record<string, number>;

export interface ApiCallCounter {
  /** Calls so far by operation, e.g. { "GET backupProtectedItems": 3 }. */
  snapshot(): CallCounts;
  total(): number;
}

/** Calls made between two snapshots. */
export function diffCalls(before: CallCounts, after: CallCounts): CallCounts {
  const out: CallCounts = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return out;
}

/** POSTs that only read: Azure Backup takes the VM a status is asked for, and Resource Graph its query, in a POST body. */
const READING_POSTS: ReadonlySet<string> = new Set(['POST backupStatus', 'POST resources']);

/** Sum of the calls that change something (every method but GET and HEAD, and POSTs that only read). */
export function countWrites(calls: CallCounts): number {
  return Object.entries(calls).reduce((sum, [op, n]) => (isWrite(op) ? sum + n : sum), 0);
}

export function isWrite(operation: string): boolean {
  return !/^(GET|HEAD) /.test(operation) && !READING_POSTS.has(operation);
}

// Generic sub-resource names that only make sense with their parent ("protectedItems/operationsStatus").
const GENERIC_SEGMENT = /^operation/i;

/**
 * Names a request by method and path template: the last resource type of the ARM path, "/{id}"
 * when the path names one resource, and the parent type for generic segments such as operationResults.
 */
export function operationName(method: string, url: string): string {
  const path = new URL(url).pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const providers = path.findIndex((p) => p.toLowerCase() === 'providers');
  // Segments after the namespace alternate type / name; a trailing type is a collection or an action.
  const rest = providers >= 0 ? path.slice(providers + 2) : path;
  const types = rest.filter((_, i) => i % 2 === 0);
  const named = rest.length % 2 === 0;
  const last = types.at(-1) ?? '/';
  const parent = types.at(-2);
  const label = GENERIC_SEGMENT.test(last) && parent ? `${parent}/${last}` : last;
  return `${method.toUpperCase()} ${label}${named ? '/{id}' : ''}`;
}

export class CallCounter implements ApiCallCounter {
  private readonly counts = new Map<string, number>();

  record(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  snapshot(): CallCounts {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Pipeline policy for the SDK clients; runs per attempt, so every request on the wire is counted. */
  policy(): PipelinePolicy {
    return {
      name: 'vmbackupCallCounter',
      sendRequest: (request, next) => {
        this.record(operationName(request.method, request.url));
        return next(request);
      },
    };
  }
}
