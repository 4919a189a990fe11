// Reading a fleet file as a user can get it wrong: a pipe or a device instead of a file, a file far too large,
// text in another encoding. Each is one located problem; nothing blocks and nothing is read past the cap.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type TextFileResult = { readonly text: string } | { readonly problem: { readonly line: number; readonly col: number; readonly message: string } };

const REPLACEMENT = '\uFFFD';

/** Reads `file` as strict UTF-8 (a byte order mark is dropped); `what` names the file in messages. */
export function readTextFile(file: string, what: string, maxBytes: number): TextFileResult {
  const refuse = (message: string, line = 1, col = 1): TextFileResult => ({ problem: { line, col, message } });
  let fd: number;
  try {
    // O_NONBLOCK: opening a pipe nobody writes to returns at once instead of waiting for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return refuse(`cannot read ${what} ${file}: ${reason}; give the path of a readable ${what} file`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a pipe' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
      return refuse(`${file} is ${kind}, not a ${what} file; give the path of a regular ${what} file`);
    }
    if (stat.size > maxBytes) {
      return refuse(`${file} is ${(stat.size / 2 ** 20).toFixed(1)} MiB; a ${what} is at most ${maxBytes / 2 ** 20} MiB: check that this is the right file`);
    }
    // One byte past the cap tells a file that grew since fstat from one that did not.
    const bytes = Buffer.alloc(stat.size + 1);
    let length = 0;
    while (length < bytes.length) {
      const n = readSync(fd, bytes, length, bytes.length - length, length);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) return refuse(`${file} grew past ${maxBytes / 2 ** 20} MiB while it was read; a ${what} is at most that`);
    return decodeStrictUtf8(bytes.subarray(0, length), file, what);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 only: a UTF-16 file, a NUL byte or an invalid sequence is refused at its line and column. */
export function decodeStrictUtf8(bytes: Uint8Array, file: string, what: string): TextFileResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { problem: { line: 1, col: 1, message: `${file} is UTF-16 text; a ${what} is UTF-8: save it as UTF-8` } };
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const text = new TextDecoder('utf-8').decode(body);
  if (!text.includes(REPLACEMENT) && !text.includes('\0')) return { text };
  // Every character before the first bad one decoded exactly, so its bytes locate the bad one. A U+FFFD the
  // file really holds is written EF BF BD; one the decoder made stands for bytes that are not UTF-8.
  let offset = 0;
  let line = 1;
  let col = 1;
  for (const ch of text) {
    const genuine = ch !== REPLACEMENT || (body[offset] === 0xef && body[offset + 1] === 0xbf && body[offset + 2] === 0xbd);
    if (ch === '\0' || !genuine) {
      const message =
        ch === '\0'
          ? `${file} holds a NUL byte: it is not UTF-8 text`
          : `${file} is not UTF-8: byte 0x${body[offset]!.toString(16).padStart(2, '0')} cannot start or continue a character; save it as UTF-8`;
      return { problem: { line, col, message } };
    }
    offset += Buffer.byteLength(ch);
    if (ch === '\n') {
      line += 1;
      col = 1;
    } else {
      col += ch.length;
    }
  }
  return { text };
}
