/**
 * The Self-Service Portal's entry in config.json (`parts.portal`): the
 * management group it serves, the management server's URL it calls, its key
 * (the KEK is in secure storage) and its listen address. A leaf module:
 * schemas only.
 */
import { type Static, Type } from 'typebox';
import { GroupRef } from './management-server-config.js';

export const DEFAULT_PORTAL_LISTEN = '127.0.0.1:8430';

export const PortalConfig = Type.Object(
  {
    managementGroup: GroupRef,
    /** http(s)://HOST:PORT of a management server of the group (its API). */
    managementServer: Type.String({ pattern: '^https?://[^\\s]+$' }),
    keyId: Type.String({ minLength: 1 }),
    listen: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export type PortalConfig = Static<typeof PortalConfig>;
