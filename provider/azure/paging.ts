// Reads every page of an SDK list, following nextLink, retrying each page (not the whole list) when a
// transient failure hits it.
import { getContinuationToken as backupToken } from '@azure/arm-recoveryservicesbackup';
import { getContinuationToken as vaultsToken } from '@azure/arm-recoveryservices';
import { call, type WaitOptions } from './operations.js';
import type { Target } from './target.js';

export interface Pager<T> {
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<T[]>;
}

/** Each SDK package keeps its own continuation tokens; say whose pager this is. */
export type PagerSource = 'backup' | 'vaults';

const TOKEN_OF: Record<PagerSource, (page: unknown) => string | undefined> = {
  backup: backupToken,
  vaults: vaultsToken,
};

export async function listAll<T>(target: Target, source: PagerSource, pager: Pager<T>, opts: WaitOptions = {}): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const continuationToken = token;
    const page = await call(target, async () => (await pager.byPage(continuationToken ? { continuationToken } : undefined).next()).value ?? [], opts);
    out.push(...page);
    token = TOKEN_OF[source](page);
  } while (token);
  return out;
}
