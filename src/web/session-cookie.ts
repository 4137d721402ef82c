/**
 * The session of a web part (the portal, the console): a cookie sealed with
 * AES-256-GCM (node:crypto) under a session key the part derives from its
 * key material (portal: portal-key.ts; console: the management group's DEK,
 * secret-sealer.ts). The server stores nothing: the cookie holds the user's
 * name and role, their API token (so it is sealed, never readable by the
 * browser or a proxy) and the CSRF token of their forms. Every server
 * holding the same key opens the same cookies; a cookie sealed under another
 * key, for another purpose, altered, or of another format opens to nothing
 * (the visitor is simply not signed in).
 *
 * Layout: base64url(version 1 | nonce 12 | ciphertext | tag 16), associated
 * data "smgr <purpose> session v1" and the key id (purpose "portal" for the
 * portal, "console" for the console, "dw report" for the DW's report page:
 * a cookie of one never opens in another
 * even under the same key).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** Anonymous sessions (the sign-in form's CSRF token) last this long. */
export const ANONYMOUS_TTL_MS = 2 * 60 * 60 * 1000;

export interface WebSession {
  /** CSRF token of every form of this session. */
  csrf: string;
  /** Unix ms after which the cookie is no longer accepted. */
  expires: number;
  user?: { username: string; role: string; displayName?: string };
  /** The management server's bearer token of the signed-in user. */
  token?: string;
}

export class SessionSealer {
  private readonly aad: Buffer;

  constructor(
    private readonly key: Buffer,
    keyId: string,
    purpose: 'portal' | 'console' | 'dw report' = 'portal',
  ) {
    if (key.length !== 32) throw new Error('a session key is 32 bytes');
    this.aad = Buffer.from(`smgr ${purpose} session v1\0${keyId}`);
  }

  seal(session: WebSession): string {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The session in a cookie value, or undefined for anything not sealed by this key, or expired. */
  open(value: string | undefined, now = Date.now()): WebSession | undefined {
    if (!value || value.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
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
      const s = JSON.parse(text) as WebSession;
      if (typeof s.csrf !== 'string' || typeof s.expires !== 'number' || s.expires <= now) return undefined;
      return s;
    } catch {
      return undefined;
    }
  }
}

export function anonymousSession(now = Date.now()): WebSession {
  return { csrf: randomBytes(24).toString('base64url'), expires: now + ANONYMOUS_TTL_MS };
}
