// Flag values and paths from the command line, checked before any work starts: each problem is one line that
// says what to give instead, and no check can hang (nothing is opened that could block, nothing is read whole).
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../core/index.js';

/** A CA certificate or token file is a few kilobytes; anything far larger is the wrong file. */
const MAX_SMALL_FILE_BYTES = 1024 * 1024;

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    // ENOTDIR: a part of the path is a file; the walk up to the nearest existing path finds which.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigurationError(`cannot look at ${path}: ${reason(e)}`);
  }
}

/** A system error's reason without its errno prefix, e.g. "permission denied". */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EISDIR: 'it is a directory',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EEXIST: 'it exists and is not a directory',
  };
  return (err.code && known[err.code]) ?? err.message;
}

/** The nearest path at or above `path` that exists, with what it is; the file system root always exists. */
async function nearestExisting(path: string): Promise<{ path: string; stats: Stats }> {
  let at = resolve(path);
  for (;;) {
    const stats = await statOrUndefined(at);
    if (stats) return { path: at, stats };
    at = dirname(at);
  }
}

/** Creates `dir` and the missing directories above it one level at a time: Node's recursive mkdir never returns under /proc. */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
    await makeDirectory(dirname(dir));
    await mkdir(dir);
  }
}

/**
 * Checks an output path (--out) before the command does its work, and creates its missing directories, so a
 * report is never computed only to be lost. Devices and pipes are fine (`--out /dev/stdout`); a directory is not.
 */
export async function prepareOutputPath(flag: string, file: string): Promise<void> {
  const here = await statOrUndefined(file);
  if (here?.isDirectory()) throw new ConfigurationError(`${flag} ${file} is a directory: give a file name, e.g. ${file.replace(/\/$/, '')}/report`);
  if (here) return;
  const above = await nearestExisting(dirname(file));
  if (!above.stats.isDirectory()) {
    throw new ConfigurationError(`${flag} ${file}: ${above.path} is a file, not a directory: choose a path in a directory`);
  }
  try {
    await makeDirectory(dirname(resolve(file)));
  } catch (e) {
    throw new ConfigurationError(`${flag} ${file}: cannot create its directory ${dirname(file)}: ${reason(e)}: choose a path in a directory you can write`);
  }
}

/** Writes an output file whose path prepareOutputPath checked. */
export async function writeOutput(flag: string, file: string, body: string): Promise<void> {
  try {
    await writeFile(file, body);
  } catch (e) {
    throw new ConfigurationError(`cannot write ${flag} ${file}: ${reason(e)}: choose a path you can write`);
  }
}

/** An emulator state directory (--state): a directory, or a path where one can be made. */
export async function checkStateDir(dir: string): Promise<void> {
  const above = await nearestExisting(dir);
  if (above.stats.isDirectory()) return;
  const where = above.path === resolve(dir) ? `${dir} is a file` : `${above.path} is a file`;
  throw new ConfigurationError(`--state ${dir}: ${where}, not a directory: give a directory (it is created when missing)`);
}

/** What the file system refuses while the emulator makes its state directory (e.g. a path under /proc), as a flag problem. */
export function stateDirError(e: unknown, dir: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!err.syscall || !err.path) return e;
  return new ConfigurationError(`cannot use --state ${dir}: ${reason(e)} (${err.path}): give a directory you can write`);
}

/** A small input file (--ca-file, --token-file) is a regular file: a pipe or a device would block or never end. */
export async function checkSmallFile(flag: string, file: string): Promise<void> {
  const stats = await statOrUndefined(file);
  if (!stats) throw new ConfigurationError(`${flag} ${file}: no such file: give the path of an existing file`);
  if (!stats.isFile()) throw new ConfigurationError(`${flag} ${file} is not a regular file: give the path of the file itself`);
  if (stats.size > MAX_SMALL_FILE_BYTES) throw new ConfigurationError(`${flag} ${file} is ${stats.size} bytes, far larger than such a file: check the path`);
}

/** A TCP port: 0 (any free port) to 65535, written as a whole number. */
export function portNumber(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= 65535)) throw new ConfigurationError(`invalid ${flag} "${value}": use a port number from 1 to 65535, or leave ${flag} out for any free port`);
  return n;
}

/** Turns a failure to listen on a port into the line the user needs. */
export function listenError(e: unknown, flag: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigurationError(`port ${port} is in use: choose another ${flag}, or leave ${flag} out for any free port`);
  if (code === 'EACCES') return new ConfigurationError(`port ${port} needs privileges to listen on: choose a port above 1023, or leave ${flag} out`);
  return e;
}

/** An endpoint URL (--endpoint): https, as ARM and the emulator serve. */
export function endpointUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new ConfigurationError(`invalid --endpoint "${value}": give an https URL, e.g. the one \`vmbackup emulator serve\` prints (https://127.0.0.1:PORT)`);
  }
  return value;
}
