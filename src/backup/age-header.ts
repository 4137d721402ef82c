/**
 * The age v1 header (https://age-encryption.org/v1, "Header"; C2SP age spec):
 * the version line, recipient stanzas whose bodies are base64 without padding
 * wrapped at 64 columns, and the `---` line with the header MAC, an
 * HMAC-SHA-256 under HKDF-SHA-256(file key, salt empty, info "header").
 * Helper of age-stream.ts: encodeHeader() writes one, HeaderReader reads one
 * incrementally, holding at most HEADER_MAX_BYTES. Error messages never carry
 * header contents nor key material.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export type AgeFormatErrorKind = 'not-age' | 'no-identity' | 'header' | 'payload' | 'truncated';

/** Why an age file cannot be read. `kind` says which step failed; the message never holds key material. */
export class AgeFormatError extends Error {
  readonly kind: AgeFormatErrorKind;

  constructor(kind: AgeFormatErrorKind, message: string) {
    super(message);
    this.name = 'AgeFormatError';
    this.kind = kind;
  }
}

export interface Stanza {
  /** The arguments of the `->` line, the stanza type first. */
  args: string[];
  body: Buffer;
}

export interface ParsedHeader {
  stanzas: Stanza[];
  /** The header bytes the MAC covers: everything up to and including `---`. */
  macInput: Buffer;
  mac: Buffer;
  /** The whole header, from the version line to the end of the MAC line. */
  bytes: Buffer;
}

/** A reader refuses a header longer than this, so garbage cannot make it buffer without bound. */
export const HEADER_MAX_BYTES = 64 * 1024;
const VERSION_LINE = Buffer.from('age-encryption.org/v1\n', 'latin1');
const BODY_COLUMNS = 64;

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

export function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  const key = hkdf(fileKey, Buffer.alloc(0), 'header');
  try {
    return createHmac('sha256', key).update(macInput).digest();
  } finally {
    key.fill(0);
  }
}

/** Standard base64 without padding, as age writes it. */
export function base64NoPad(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** Decodes canonical unpadded base64 (age rejects padding and non-zero trailing bits); null if it is not. */
export function decodeBase64NoPad(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return base64NoPad(bytes) === text ? bytes : null;
}

/** The whole header, MAC line included, for these stanzas under this file key. */
export function encodeHeader(stanzas: Stanza[], fileKey: Uint8Array): Buffer {
  let text = VERSION_LINE.toString('latin1');
  for (const stanza of stanzas) {
    text += `-> ${stanza.args.join(' ')}\n`;
    const body = base64NoPad(stanza.body);
    for (let at = 0; ; at += BODY_COLUMNS) {
      const line = body.slice(at, at + BODY_COLUMNS);
      text += `${line}\n`;
      if (line.length < BODY_COLUMNS) break; // the final line is short, possibly empty
    }
  }
  text += '---';
  const mac = headerMac(fileKey, Buffer.from(text, 'latin1'));
  return Buffer.from(`${text} ${base64NoPad(mac)}\n`, 'latin1');
}

const headerError = (what: string) => new AgeFormatError('header', `the age header is malformed: ${what}`);

/**
 * Reads a header from bytes fed in pieces of any size. push() returns null
 * until the MAC line is complete, then the parsed header and the bytes after
 * it (a view into the piece passed in). It throws AgeFormatError: 'not-age' as
 * soon as the input departs from the version line, 'header' for anything
 * malformed or longer than HEADER_MAX_BYTES.
 */
export class HeaderReader {
  private buf = Buffer.allocUnsafe(1024);
  private len = 0;
  private lineStart = 0;
  private state: 'version' | 'stanza-or-mac' | 'body' = 'version';
  private readonly stanzas: Stanza[] = [];
  private args: string[] = [];
  private bodyLines: string[] = [];

  push(piece: Buffer): { header: ParsedHeader; rest: Buffer } | null {
    let at = 0;
    while (at < piece.length) {
      const newline = piece.indexOf(0x0a, at);
      let end = newline === -1 ? piece.length : newline + 1;
      // The version line is checked before anything past it is buffered.
      if (this.state === 'version') end = Math.min(end, at + VERSION_LINE.length - this.len);
      this.append(piece.subarray(at, end));
      at = end;
      if (this.state === 'version') this.checkVersion();
      if (end === newline + 1) {
        const header = this.line();
        if (header) return { header, rest: piece.subarray(at) };
      }
    }
    return null;
  }

  /** Called when the input ends before the header did. */
  end(): AgeFormatError {
    if (this.len === 0) return new AgeFormatError('not-age', 'the input is empty, not an age file');
    return new AgeFormatError('truncated', 'the input ends inside the age header');
  }

  private append(bytes: Buffer): void {
    const need = this.len + bytes.length;
    if (need > HEADER_MAX_BYTES) throw headerError(`it is longer than ${HEADER_MAX_BYTES / 1024} KiB`);
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(HEADER_MAX_BYTES, Math.max(need, this.buf.length * 2)));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    bytes.copy(this.buf, this.len);
    this.len = need;
  }

  private checkVersion(): void {
    const n = Math.min(this.len, VERSION_LINE.length);
    if (!this.buf.subarray(0, n).equals(VERSION_LINE.subarray(0, n))) {
      throw new AgeFormatError(
        'not-age',
        'the input is not an age v1 file: it does not begin with the line age-encryption.org/v1',
      );
    }
  }

  /** Handles the complete line that ends at this.len; returns the header once the MAC line is read. */
  private line(): ParsedHeader | null {
    const start = this.lineStart;
    const text = this.buf.toString('latin1', start, this.len - 1);
    this.lineStart = this.len;
    if (!/^[\x20-\x7e]*$/.test(text))
      throw headerError('a line holds a character that is not printable ASCII');
    switch (this.state) {
      case 'version': // checkVersion() has matched the whole line
        this.state = 'stanza-or-mac';
        return null;
      case 'body':
        this.bodyLine(text);
        return null;
      case 'stanza-or-mac':
        if (text.startsWith('-> ')) {
          const args = text.slice(3).split(' ');
          if (!args.every((arg) => /^[\x21-\x7e]+$/.test(arg)))
            throw headerError('a stanza line has an empty argument');
          this.args = args;
          this.bodyLines = [];
          this.state = 'body';
          return null;
        }
        if (text.startsWith('--- ')) {
          if (this.stanzas.length === 0) throw headerError('it has no recipient stanza');
          const mac = decodeBase64NoPad(text.slice(4));
          if (mac?.length !== 32) throw headerError('the MAC is not 32 bytes of unpadded base64');
          return {
            stanzas: this.stanzas,
            macInput: Buffer.from(this.buf.subarray(0, start + 3)),
            mac,
            bytes: Buffer.from(this.buf.subarray(0, this.len)),
          };
        }
        throw headerError('a line is neither a stanza (->) nor the MAC line (---)');
    }
  }

  private bodyLine(text: string): void {
    if (text.length > BODY_COLUMNS)
      throw headerError(`a stanza body line is longer than ${BODY_COLUMNS} columns`);
    this.bodyLines.push(text);
    if (text.length === BODY_COLUMNS) return;
    const body = decodeBase64NoPad(this.bodyLines.join(''));
    if (!body) throw headerError('a stanza body is not canonical unpadded base64');
    this.stanzas.push({ args: this.args, body });
    this.state = 'stanza-or-mac';
  }
}
