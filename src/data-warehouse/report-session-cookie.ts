/**
 * The report page's session: the web stack's sealed cookie (src/web/session-cookie.ts:
 * AES-256-GCM, the CSRF token of the page's forms and, once signed in, the user's name and their
 * DW API bearer token, never readable by the browser or a proxy) under a key derived (HKDF-SHA256)
 * from the DW's KEK, so the DW stores nothing per visitor and a DW restarted or recovered with the
 * same key keeps its users signed in. A cookie sealed under another key or for another purpose
 * (a portal's, the console's), altered, expired or of another format opens to nothing.
 *
 * Layout (docs/FORMAT.md §3): base64url(version 1 | nonce 12 | ciphertext | tag 16), associated
 * data "smgr dw report session v1", NUL, the key id.
 */
import { hkdfSync } from 'node:crypto';
import { anonymousSession, SessionSealer, type WebSession } from '../web/session-cookie.js';

export const REPORT_COOKIE = 'smgr_dw';

export type ReportSession = WebSession;

/** The cookie key: HKDF-SHA256 of the DW KEK, salted with its key id. */
export const reportCookieKey = (kek: Buffer, keyId: string): Buffer =>
  Buffer.from(hkdfSync('sha256', kek, Buffer.from(keyId), Buffer.from('smgr dw report session v1'), 32));

export class ReportSessionSealer extends SessionSealer {
  constructor(key: Buffer, keyId: string) {
    super(key, keyId, 'dw report');
  }
}

export const anonymousReportSession = anonymousSession;
