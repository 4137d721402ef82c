/**
 * The portal's session cookie: the web stack's sealed session
 * (src/web/session-cookie.ts) under the name smgr_portal, purpose "portal".
 */
export {
  ANONYMOUS_TTL_MS,
  anonymousSession,
  SessionSealer,
  type WebSession as PortalSession,
} from '../web/session-cookie.js';

export const SESSION_COOKIE = 'smgr_portal';
