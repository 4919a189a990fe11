// Persistence behind an interface. SQLite in WAL mode lets the CLI, the Pulumi plugin and a standalone
// server share one world; every write is committed before the emulator acknowledges it.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Container, Faults, Job, Operation, Policy, Profile, ProtectedItem, RecoveryPoint, Vault, Vm } from './model.js';

/**
 * Makes a private directory and the missing ones above it, one level at a time: Node's recursive mkdir never
 * returns on some paths (under /proc), where this throws the file system's error.
 */
export function makePrivateDirectory(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const at of missing) {
    try {
      mkdirSync(at, { mode: 0o700 });
    } catch (e) {
      // Another process made it first.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The SQLite file that holds a state directory's world. */
export function worldFile(stateDir: string): string {
  return join(stateDir, 'world.sqlite');
}

export interface WorldMeta {
  /** The world's default subscription: the fleet's first. */
  readonly subscriptionId: string;
  /** Every subscription of the world, the default first; absent in worlds seeded with one. */
  readonly subscriptions?: readonly string[];
  readonly profile: Profile;
  readonly createdAt: number;
}

export interface JobQuery {
  readonly vaultId: string;
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** One ARM token bucket as stored: tokens left at a time. */
export interface BucketState {
  readonly tokens: number;
  readonly atMs: number;
}

export interface Store {
  /** Runs fn in one BEGIN IMMEDIATE transaction, so processes serialize their writes. */
  transaction<T>(fn: () => T): T;
  /** Runs fn in one deferred (read) transaction: a consistent snapshot that takes no write lock. */
  read<T>(fn: () => T): T;
  /**
   * Updates one token bucket shared by every process over the state directory, atomically. Not made durable
   * at once (a bucket lost in a crash only refills early), so it costs no sync to disk.
   */
  updateBucket<T>(key: string, update: (state: BucketState | undefined) => { state: BucketState; result: T }): T;
  isSeeded(): boolean;
  meta(): WorldMeta;
  setMeta(meta: WorldMeta): void;
  clockOffsetMs(): number;
  setClockOffsetMs(ms: number): void;
  lastProcessedMs(): number;
  setLastProcessedMs(ms: number): void;
  faults(): Faults;
  setFaults(f: Faults): void;

  getVault(id: string): Vault | undefined;
  /** Vaults ordered by id, of one subscription when it is given. */
  listVaults(resourceGroup?: string, subscriptionId?: string): Vault[];
  putVault(v: Vault): void;

  getVm(id: string): Vm | undefined;
  /** VMs ordered by id; offset / limit read one window of them. */
  listVms(opts?: { subscriptionId?: string; resourceGroup?: string; location?: string; offset?: number; limit?: number }): Vm[];
  putVm(vm: Vm): void;
  deleteVm(id: string): void;
  /**
   * VMs of a subscription and region created by `createdBy` (ISO time) that no item holds (soft-deleted items aside)
   * and no vault other than `vaultId` has registered: what that vault offers. Ordered by id; offset / limit read one
   * window of them.
   */
  listOfferedVms(opts: { vaultId: string; subscriptionId: string; location: string; createdBy: string; offset?: number; limit?: number }): Vm[];

  getContainer(vaultId: string, vmId: string): Container | undefined;
  listContainers(vaultId: string): Container[];
  /** Containers of a VM in any vault. */
  containersOfVm(vmId: string): Container[];
  putContainer(c: Container): void;
  deleteContainer(vaultId: string, vmId: string): void;

  getItem(vaultId: string, vmId: string): ProtectedItem | undefined;
  listItems(vaultId?: string): ProtectedItem[];
  itemsOfVm(vmId: string): ProtectedItem[];
  putItem(i: ProtectedItem): void;
  /** Soft-deleted items whose retention ended by untilMs. */
  softDeletedDue(untilMs: number): ProtectedItem[];
  deleteItem(vaultId: string, vmId: string): void;

  getPolicy(vaultId: string, name: string): Policy | undefined;
  listPolicies(vaultId?: string): Policy[];
  putPolicy(p: Policy): void;
  deletePolicy(vaultId: string, name: string): void;

  getJob(vaultId: string, id: string): Job | undefined;
  jobById(id: string): Job | undefined;
  listJobs(q: JobQuery): Job[];
  putJob(j: Job): void;
  dueJobs(untilMs: number): Job[];
  /** Jobs of every vault started after fromMs, up to and including toMs. */
  jobsStartedBetween(fromMs: number, toMs: number): Job[];
  /** An InProgress job of the VM, in any vault. */
  runningJobOfVm(vmId: string): Job | undefined;

  listRecoveryPoints(itemKey: string): RecoveryPoint[];
  putRecoveryPoint(rp: RecoveryPoint): void;
  deleteRecoveryPoint(itemKey: string, name: string): void;
  expiredRecoveryPoints(nowMs: number): RecoveryPoint[];

  getOperation(id: string): Operation | undefined;
  putOperation(op: Operation): void;
  runningOperation(target: string): Operation | undefined;
  dueOperations(untilMs: number): Operation[];

  close(): void;
}

/** Target key for "one operation per VM at a time". */
export function vmTarget(vmId: string): string {
  return `vm|${vmId.toLowerCase()}`;
}

/** The key a protected item, container or recovery point is filed under. */
export function itemKey(vaultId: string, vmId: string): string {
  return `${vaultId.toLowerCase()}|${vmId.toLowerCase()}`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vaults (key TEXT PRIMARY KEY, rg TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vms (key TEXT PRIMARY KEY, rg TEXT NOT NULL, location TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS containers (key TEXT PRIMARY KEY, vault TEXT NOT NULL, vm TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS containers_vm ON containers (vm);
CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, vault TEXT NOT NULL, vm TEXT NOT NULL, deferred_ms INTEGER, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_deferred ON items (deferred_ms);
CREATE INDEX IF NOT EXISTS items_vault ON items (vault);
CREATE INDEX IF NOT EXISTS items_vm ON items (vm);
CREATE TABLE IF NOT EXISTS policies (key TEXT PRIMARY KEY, vault TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (key TEXT PRIMARY KEY, vault TEXT NOT NULL, start_ms INTEGER NOT NULL, status TEXT NOT NULL, due_ms INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_vault_start ON jobs (vault, start_ms);
CREATE INDEX IF NOT EXISTS jobs_running ON jobs (status, due_ms);
CREATE TABLE IF NOT EXISTS rps (item TEXT NOT NULL, name TEXT NOT NULL, time_ms INTEGER NOT NULL, expires_ms INTEGER, doc TEXT NOT NULL, PRIMARY KEY (item, name));
CREATE INDEX IF NOT EXISTS rps_expiry ON rps (expires_ms);
CREATE TABLE IF NOT EXISTS operations (id TEXT PRIMARY KEY, target TEXT NOT NULL, status TEXT NOT NULL, due_ms INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS operations_running ON operations (status, due_ms);
CREATE INDEX IF NOT EXISTS operations_target ON operations (target, status);
CREATE TABLE IF NOT EXISTS arm_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL);
`;

type Row = { doc: string };
const parse = <T>(r: Row | undefined): T | undefined => (r ? (JSON.parse(r.doc) as T) : undefined);
const parseAll = <T>(rs: Row[]): T[] => rs.map((r) => JSON.parse(r.doc) as T);
const lc = (s: string) => s.toLowerCase();

/**
 * Keys of one subscription's resources (keys are lower-cased ARM ids) lie between these bounds: '0' follows
 * '/', so the primary key index answers the range.
 */
function subscriptionRange(subscriptionId: string): [string, string] {
  const prefix = `/subscriptions/${lc(subscriptionId)}`;
  return [`${prefix}/`, `${prefix}0`];
}

export function openSqliteStore(stateDir: string): Store {
  // The world holds the fleet and its backups: only its owner reads it, whatever the umask.
  makePrivateDirectory(stateDir);
  closeSync(openSync(worldFile(stateDir), 'a', 0o600));
  const db = new Database(worldFile(stateDir));
  db.pragma('journal_mode = WAL');
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(worldFile(stateDir) + suffix)) chmodSync(worldFile(stateDir) + suffix, 0o600);
  }
  db.pragma('busy_timeout = 10000');
  // FULL: a write the emulator acknowledged survives a crash of the machine, not only of the process.
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);

  const stmts = new Map<string, Database.Statement>();
  const st = (sql: string): Database.Statement => {
    let s = stmts.get(sql);
    if (!s) {
      s = db.prepare(sql);
      stmts.set(sql, s);
    }
    return s;
  };
  const getMeta = (key: string): string | undefined => (st('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const setMetaValue = (key: string, value: string) => st('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  let depth = 0;
  // Nested calls join the outer transaction.
  const outermost = <T>(fn: () => T, begin: (tx: Database.Transaction<() => T>) => T): T => {
    if (depth > 0) return fn();
    depth++;
    try {
      return begin(db.transaction(fn));
    } finally {
      depth--;
    }
  };

  return {
    transaction: (fn) => outermost(fn, (tx) => tx.immediate()),
    read: (fn) => outermost(fn, (tx) => tx.deferred()),
    updateBucket<T>(key: string, update: (state: BucketState | undefined) => { state: BucketState; result: T }): T {
      const run = db.transaction(() => {
        const row = st('SELECT tokens, at_ms AS atMs FROM arm_buckets WHERE key = ?').get(key) as BucketState | undefined;
        const { state, result } = update(row);
        st('INSERT OR REPLACE INTO arm_buckets (key, tokens, at_ms) VALUES (?, ?, ?)').run(key, state.tokens, state.atMs);
        return result;
      });
      if (depth > 0) return run();
      db.pragma('synchronous = NORMAL');
      try {
        return run.immediate();
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
    isSeeded: () => getMeta('world') !== undefined,
    meta: () => JSON.parse(getMeta('world') ?? 'null') as WorldMeta,
    setMeta: (m) => setMetaValue('world', JSON.stringify(m)),
    clockOffsetMs: () => Number(getMeta('clockOffsetMs') ?? 0),
    setClockOffsetMs: (ms) => setMetaValue('clockOffsetMs', String(ms)),
    lastProcessedMs: () => Number(getMeta('lastProcessedMs') ?? 0),
    setLastProcessedMs: (ms) => setMetaValue('lastProcessedMs', String(ms)),
    faults: () => JSON.parse(getMeta('faults') ?? '{}') as Faults,
    setFaults: (f) => setMetaValue('faults', JSON.stringify(f)),

    getVault: (id) => parse<Vault>(st('SELECT doc FROM vaults WHERE key = ?').get(lc(id)) as Row | undefined),
    listVaults: (rg, subscriptionId) => {
      const [from, to] = subscriptionId === undefined ? ['', '\uffff'] : subscriptionRange(subscriptionId);
      return parseAll<Vault>(
        (rg === undefined
          ? st('SELECT doc FROM vaults WHERE key >= ? AND key < ? ORDER BY key').all(from, to)
          : st('SELECT doc FROM vaults WHERE rg = ? AND key >= ? AND key < ? ORDER BY key').all(lc(rg), from, to)) as Row[],
      );
    },
    putVault: (v) => st('INSERT OR REPLACE INTO vaults (key, rg, doc) VALUES (?, ?, ?)').run(lc(v.id), lc(v.resourceGroup), JSON.stringify(v)),

    getVm: (id) => parse<Vm>(st('SELECT doc FROM vms WHERE key = ?').get(lc(id)) as Row | undefined),
    listVms: (o = {}) => {
      const where: string[] = [];
      const args: string[] = [];
      if (o.subscriptionId !== undefined) {
        where.push('key >= ? AND key < ?');
        args.push(...subscriptionRange(o.subscriptionId));
      }
      if (o.resourceGroup !== undefined) {
        where.push('rg = ?');
        args.push(lc(o.resourceGroup));
      }
      if (o.location !== undefined) {
        where.push('location = ?');
        args.push(lc(o.location));
      }
      const sql = `SELECT doc FROM vms${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY key LIMIT ? OFFSET ?`;
      return parseAll<Vm>(st(sql).all(...args, o.limit ?? -1, o.offset ?? 0) as Row[]);
    },
    listOfferedVms: (o) => {
      const sql =
        'SELECT doc FROM vms v WHERE key >= ? AND key < ? AND location = ? AND json_extract(doc, \'$.createdAt\') <= ?' +
        ' AND NOT EXISTS (SELECT 1 FROM items i WHERE i.vm = v.key AND i.deferred_ms IS NULL)' +
        ' AND NOT EXISTS (SELECT 1 FROM containers c WHERE c.vm = v.key AND c.vault <> ?)' +
        ' ORDER BY key LIMIT ? OFFSET ?';
      const args = [...subscriptionRange(o.subscriptionId), lc(o.location), o.createdBy, lc(o.vaultId), o.limit ?? -1, o.offset ?? 0];
      return parseAll<Vm>(st(sql).all(...args) as Row[]);
    },
    putVm: (vm) =>
      st('INSERT OR REPLACE INTO vms (key, rg, location, doc) VALUES (?, ?, ?, ?)').run(lc(vm.id), lc(vm.resourceGroup), lc(vm.location), JSON.stringify(vm)),
    deleteVm: (id) => st('DELETE FROM vms WHERE key = ?').run(lc(id)),

    getContainer: (vaultId, vmId) => parse<Container>(st('SELECT doc FROM containers WHERE key = ?').get(itemKey(vaultId, vmId)) as Row | undefined),
    listContainers: (vaultId) => parseAll<Container>(st('SELECT doc FROM containers WHERE vault = ? ORDER BY key').all(lc(vaultId)) as Row[]),
    containersOfVm: (vmId) => parseAll<Container>(st('SELECT doc FROM containers WHERE vm = ?').all(lc(vmId)) as Row[]),
    putContainer: (c) =>
      st('INSERT OR REPLACE INTO containers (key, vault, vm, doc) VALUES (?, ?, ?, ?)').run(itemKey(c.vaultId, c.vmId), lc(c.vaultId), lc(c.vmId), JSON.stringify(c)),
    deleteContainer: (vaultId, vmId) => st('DELETE FROM containers WHERE key = ?').run(itemKey(vaultId, vmId)),

    getItem: (vaultId, vmId) => parse<ProtectedItem>(st('SELECT doc FROM items WHERE key = ?').get(itemKey(vaultId, vmId)) as Row | undefined),
    listItems: (vaultId) =>
      parseAll<ProtectedItem>(
        (vaultId === undefined
          ? st('SELECT doc FROM items ORDER BY key').all()
          : st('SELECT doc FROM items WHERE vault = ? ORDER BY key').all(lc(vaultId))) as Row[],
      ),
    itemsOfVm: (vmId) => parseAll<ProtectedItem>(st('SELECT doc FROM items WHERE vm = ?').all(lc(vmId)) as Row[]),
    putItem: (i) =>
      st('INSERT OR REPLACE INTO items (key, vault, vm, deferred_ms, doc) VALUES (?, ?, ?, ?, ?)').run(
        itemKey(i.vaultId, i.vmId),
        lc(i.vaultId),
        lc(i.vmId),
        i.deferredDeleteAt === undefined ? null : Date.parse(i.deferredDeleteAt),
        JSON.stringify(i),
      ),
    softDeletedDue: (untilMs) =>
      parseAll<ProtectedItem>(st('SELECT doc FROM items WHERE deferred_ms IS NOT NULL AND deferred_ms <= ?').all(untilMs) as Row[]),
    deleteItem: (vaultId, vmId) => {
      st('DELETE FROM items WHERE key = ?').run(itemKey(vaultId, vmId));
      st('DELETE FROM rps WHERE item = ?').run(itemKey(vaultId, vmId));
    },

    getPolicy: (vaultId, name) => parse<Policy>(st('SELECT doc FROM policies WHERE key = ?').get(`${lc(vaultId)}|${lc(name)}`) as Row | undefined),
    listPolicies: (vaultId) =>
      parseAll<Policy>(
        (vaultId === undefined
          ? st('SELECT doc FROM policies ORDER BY key').all()
          : st('SELECT doc FROM policies WHERE vault = ? ORDER BY key').all(lc(vaultId))) as Row[],
      ),
    putPolicy: (p) =>
      st('INSERT OR REPLACE INTO policies (key, vault, doc) VALUES (?, ?, ?)').run(`${lc(p.vaultId)}|${lc(p.name)}`, lc(p.vaultId), JSON.stringify(p)),
    deletePolicy: (vaultId, name) => st('DELETE FROM policies WHERE key = ?').run(`${lc(vaultId)}|${lc(name)}`),

    getJob: (vaultId, id) => {
      const j = parse<Job>(st('SELECT doc FROM jobs WHERE key = ?').get(lc(id)) as Row | undefined);
      return j && lc(j.vaultId) === lc(vaultId) ? j : undefined;
    },
    jobById: (id) => parse<Job>(st('SELECT doc FROM jobs WHERE key = ?').get(lc(id)) as Row | undefined),
    listJobs: (q) =>
      parseAll<Job>(
        st('SELECT doc FROM jobs WHERE vault = ? AND start_ms >= ? AND start_ms <= ? ORDER BY start_ms DESC, key').all(
          lc(q.vaultId),
          q.fromMs ?? Number.MIN_SAFE_INTEGER,
          q.toMs ?? Number.MAX_SAFE_INTEGER,
        ) as Row[],
      ),
    putJob: (j) =>
      st('INSERT OR REPLACE INTO jobs (key, vault, start_ms, status, due_ms, doc) VALUES (?, ?, ?, ?, ?, ?)').run(
        lc(j.id),
        lc(j.vaultId),
        Date.parse(j.startTime),
        j.status,
        j.dueMs,
        JSON.stringify(j),
      ),
    dueJobs: (untilMs) => parseAll<Job>(st("SELECT doc FROM jobs WHERE status = 'InProgress' AND due_ms <= ? ORDER BY due_ms, key").all(untilMs) as Row[]),
    jobsStartedBetween: (fromMs, toMs) => parseAll<Job>(st('SELECT doc FROM jobs WHERE start_ms > ? AND start_ms <= ? ORDER BY start_ms, key').all(fromMs, toMs) as Row[]),
    // The status index narrows this to running jobs; only their documents are read for the VM id.
    runningJobOfVm: (vmId) =>
      parse<Job>(st("SELECT doc FROM jobs WHERE status = 'InProgress' AND lower(json_extract(doc, '$.vmId')) = ? LIMIT 1").get(lc(vmId)) as Row | undefined),

    listRecoveryPoints: (item) => parseAll<RecoveryPoint>(st('SELECT doc FROM rps WHERE item = ? ORDER BY time_ms DESC').all(item) as Row[]),
    putRecoveryPoint: (rp) =>
      st('INSERT OR REPLACE INTO rps (item, name, time_ms, expires_ms, doc) VALUES (?, ?, ?, ?, ?)').run(
        rp.itemKey,
        rp.name,
        Date.parse(rp.time),
        rp.expiresAt === undefined ? null : Date.parse(rp.expiresAt),
        JSON.stringify(rp),
      ),
    deleteRecoveryPoint: (item, name) => st('DELETE FROM rps WHERE item = ? AND name = ?').run(item, name),
    expiredRecoveryPoints: (nowMs) =>
      parseAll<RecoveryPoint>(st('SELECT doc FROM rps WHERE expires_ms IS NOT NULL AND expires_ms <= ? ORDER BY time_ms').all(nowMs) as Row[]),

    getOperation: (id) => parse<Operation>(st('SELECT doc FROM operations WHERE id = ?').get(lc(id)) as Row | undefined),
    putOperation: (op) =>
      st('INSERT OR REPLACE INTO operations (id, target, status, due_ms, doc) VALUES (?, ?, ?, ?, ?)').run(
        lc(op.id),
        lc(op.target),
        op.status,
        op.dueMs,
        JSON.stringify(op),
      ),
    runningOperation: (target) =>
      parse<Operation>(st("SELECT doc FROM operations WHERE target = ? AND status = 'InProgress' LIMIT 1").get(lc(target)) as Row | undefined),
    dueOperations: (untilMs) =>
      parseAll<Operation>(st("SELECT doc FROM operations WHERE status = 'InProgress' AND due_ms <= ? ORDER BY due_ms, id").all(untilMs) as Row[]),

    close: () => db.close(),
  };
}
