/**
 * The schema of <home>/config.json, format 2 (docs/ARCHITECTURE.md): this
 * computer's name, the parts installed here (each part's own schema, keyed
 * by part name) and the backup settings. Every key is checked: a misspelt key
 * is refused with its JSON path, never silently ignored. Format 1 (one
 * management server, smgr 0.1) is read by config-upgrade.ts.
 */
import { type Static, Type } from 'typebox';
import { DataWarehouseConfig } from './data-warehouse-config.js';
import { ManagementServerConfig } from './management-server-config.js';
import { PortalConfig } from './portal-config.js';

export const CONFIG_FORMAT = 2;

const strict = { additionalProperties: false } as const;

export const BackupConfig = Type.Object(
  {
    /** Extra age recipients (age1…) every archive is also encrypted to, e.g. an offline key of the administrators. */
    extraRecipients: Type.Optional(Type.Array(Type.String({ pattern: '^age1[0-9a-z]+$' }))),
    /** Default target directory of smgr backup create (default <home>/backups). */
    directory: Type.Optional(Type.String({ minLength: 1 })),
  },
  strict,
);

export const PartsConfig = Type.Object(
  {
    'management-server': Type.Optional(ManagementServerConfig),
    'data-warehouse': Type.Optional(DataWarehouseConfig),
    portal: Type.Optional(PortalConfig),
  },
  strict,
);

export const SmgrConfig = Type.Object(
  {
    format: Type.Literal(CONFIG_FORMAT),
    computerName: Type.String({ minLength: 1 }),
    parts: PartsConfig,
    backup: Type.Optional(BackupConfig),
  },
  strict,
);

export type SmgrConfig = Static<typeof SmgrConfig>;
export type BackupConfig = Static<typeof BackupConfig>;
export type PartsConfig = Static<typeof PartsConfig>;
export type PartName = keyof PartsConfig;
