// Reading a spec (or a saved plan) from disk as a user can get it wrong: a FIFO or a device instead of a
// file, a file far too large, a file in another encoding. Each is one diagnostic at the file's first bad
// place; nothing hangs and nothing is read past the cap.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Diagnostic, SourceLocation } from '../core/index.js';

/** A spec of a large estate is a few hundred kilobytes; this leaves room and still bounds memory. */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

export type SourceText = { readonly text: string } | { readonly diagnostic: Diagnostic };

function unreadable(file: string, message: string, remedy: string, location: Partial<SourceLocation> = {}): SourceText {
  return { diagnostic: { severity: 'error', code: 'SpecUnreadable', message, remedy, location: { file, line: 1, col: 1, ...location } } };
}

/** Reads `file` as UTF-8 text (a UTF-8 byte order mark is allowed and dropped); `what` names it in messages. */
export async function readSourceFile(file: string, what: string): Promise<SourceText> {
  let handle;
  try {
    // Non-blocking, so opening a FIFO returns at once instead of waiting for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return unreadable(file, `cannot read ${what} ${file}: ${reason}`, `give the path of a readable ${what} file`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a pipe' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
      return unreadable(file, `${file} is ${kind}, not a ${what} file`, `give the path of a regular ${what} file`);
    }
    if (stat.size > MAX_SOURCE_BYTES) {
      return unreadable(file, `${file} is ${(stat.size / 1024 / 1024).toFixed(1)} MiB; a ${what} is at most ${MAX_SOURCE_BYTES / 1024 / 1024} MiB`, `split the ${what}, or check that this is the right file`);
    }
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return decodeUtf8(bytes.subarray(0, read), file, what);
  } finally {
    await handle.close();
  }
}

/** Strict UTF-8: the first byte that is not valid UTF-8 is reported at its line and column. */
export function decodeUtf8(bytes: Uint8Array, file: string, what: string): SourceText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return unreadable(file, `${file} is UTF-16 text; a ${what} is UTF-8`, 'save the file as UTF-8 (most editors: "Save with encoding")');
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const nul = body.indexOf(0);
  const bad = nul >= 0 ? nul : firstInvalidUtf8(body);
  if (bad < 0) return { text: new TextDecoder('utf-8').decode(body) };
  const before = body.subarray(0, bad);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  const line = before.reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
  const col = new TextDecoder('utf-8').decode(before.subarray(lineStart)).length + 1;
  const byte = `0x${body[bad]!.toString(16).padStart(2, '0')}`;
  return unreadable(
    file,
    nul >= 0 ? `${file} holds a NUL byte: it is not UTF-8 text` : `${file} is not UTF-8: byte ${byte} cannot start or continue a character`,
    'save the file as UTF-8; a text in another encoding would change names and tags without a word',
    { line, col },
  );
}

/** Index of the first byte of an invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    const c1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return -1;
}
