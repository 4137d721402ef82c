/**
 * The report page's session: a cookie sealed with AES-256-GCM under a key
 * derived (HKDF-SHA256) from the DW's KEK, so the DW stores nothing per
 * visitor and a DW restarted or recovered with the same key keeps its users
 * signed in. The cookie holds the CSRF token of the page's forms and, once
 * signed in, the user's name and their DW API bearer token (sealed: never
 * readable by the browser or a proxy). A cookie sealed under another key,
 * altered, expired or of another format opens to nothing (not signed in).
 *
 * Layout (as the portal's, docs/FORMAT.md §3, with its own label):
 * base64url(version 1 | nonce 12 | ciphertext | tag 16), associated data
 * "smgr dw report session v1", NUL, the key id.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const REPORT_COOKIE = 'smgr_dw';
const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** A session without a user (the sign-in form's CSRF token) lasts this long. */
export const ANONYMOUS_TTL_MS = 2 * 60 * 60 * 1000;

export interface ReportSession {
  csrf: string;
  /** Unix ms after which the cookie is refused. */
  expires: number;
  user?: { username: string; role: string };
  /** The DW API bearer token of the signed-in user. */
  token?: string;
}

/** The cookie key: HKDF-SHA256 of the DW KEK, salted with its key id. */
export const reportCookieKey = (kek: Buffer, keyId: string): Buffer =>
  Buffer.from(hkdfSync('sha256', kek, Buffer.from(keyId), Buffer.from('smgr dw report session v1'), 32));

export class ReportSessionSealer {
  private readonly aad: Buffer;

  constructor(
    private readonly key: Buffer,
    keyId: string,
  ) {
    if (key.length !== 32) throw new Error('a session key is 32 bytes');
    this.aad = Buffer.from(`smgr dw report session v1\0${keyId}`);
  }

  seal(session: ReportSession): string {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  open(value: string | undefined, now = Date.now()): ReportSession | undefined {
    if (!value || value.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 1 + NONCE + TAG + 2 || raw[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(1, 1 + NONCE));
      decipher.setAAD(this.aad);
      decipher.setAuthTag(raw.subarray(raw.length - TAG));
      const text = Buffer.concat([
        decipher.update(raw.subarray(1 + NONCE, raw.length - TAG)),
        decipher.final(),
      ]).toString('utf8');
      const s = JSON.parse(text) as ReportSession;
      if (typeof s.csrf !== 'string' || typeof s.expires !== 'number' || s.expires <= now) return undefined;
      return s;
    } catch {
      return undefined;
    }
  }
}

export function anonymousReportSession(now = Date.now()): ReportSession {
  return { csrf: randomBytes(24).toString('base64url'), expires: now + ANONYMOUS_TTL_MS };
}
