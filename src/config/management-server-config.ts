/**
 * The management server's entry in config.json (`parts["management-server"]`):
 * where its database is, which key it needs, where it listens, and the
 * optional lease and workflow settings (lease-settings.ts, workflow-settings.ts
 * give their defaults and meaning). A leaf module: schemas only, so the
 * config file can compose every part's schema without importing the parts.
 */
import { type Static, Type } from 'typebox';

const Seconds = Type.Number({ exclusiveMinimum: 0 });
const Count = Type.Integer({ minimum: 1 });
const strict = { additionalProperties: false } as const;

export const GroupRef = Type.Object({ id: Type.String(), name: Type.String() }, strict);

export const WorkflowSettingsConfig = Type.Object(
  {
    grooming: Type.Optional(
      Type.Object(
        {
          intervalSeconds: Type.Optional(Seconds),
          retentionDays: Type.Optional(Seconds),
          batchSize: Type.Optional(Count),
        },
        strict,
      ),
    ),
    sla: Type.Optional(
      Type.Object(
        {
          intervalSeconds: Type.Optional(Seconds),
          batchSize: Type.Optional(Count),
          resolveWithinHours: Type.Optional(
            Type.Object(
              {
                '1': Type.Optional(Seconds),
                '2': Type.Optional(Seconds),
                '3': Type.Optional(Seconds),
                '4': Type.Optional(Seconds),
              },
              strict,
            ),
          ),
        },
        strict,
      ),
    ),
    outbox: Type.Optional(
      Type.Object({ intervalSeconds: Type.Optional(Seconds), batchSize: Type.Optional(Count) }, strict),
    ),
  },
  strict,
);

const ThrottleRule = Type.Object(
  {
    limit: Type.Optional(Count),
    windowS: Type.Optional(Seconds),
    blockS: Type.Optional(Seconds),
    maxBlockS: Type.Optional(Seconds),
  },
  strict,
);

/** Overrides of the HTTP API's limits (src/management-server/api-limits.ts gives the defaults). */
export const LimitsConfig = Type.Object(
  {
    signIn: Type.Optional(
      Type.Object({ user: Type.Optional(ThrottleRule), address: Type.Optional(ThrottleRule) }, strict),
    ),
    http: Type.Optional(
      Type.Object(
        {
          headersTimeoutMs: Type.Optional(Count),
          requestTimeoutMs: Type.Optional(Count),
          maxConnectionsPerAddress: Type.Optional(Count),
          /** Proxies (the Self-Service Portal's addresses) whose X-Forwarded-For names the client. */
          trustedProxies: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        strict,
      ),
    ),
  },
  strict,
);

// --- ops (issue 13): scheduled backups, retention, drills, readiness, metrics
export const RetentionConfig = Type.Object(
  {
    keepLast: Type.Optional(Type.Integer({ minimum: 0 })),
    keepDaily: Type.Optional(Type.Integer({ minimum: 0 })),
    keepWeekly: Type.Optional(Type.Integer({ minimum: 0 })),
    keepMonthly: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);

/** Scheduled backups on the workflow server, what prune keeps, and what readiness demands. */
export const BackupsConfig = Type.Object(
  {
    /** Cron pattern (croner: 5 fields, or 6 with seconds first); no schedule means backups by hand only. */
    schedule: Type.Optional(Type.String({ minLength: 1 })),
    /** IANA time zone of the schedule (default: this computer's). */
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    retention: Type.Optional(RetentionConfig),
    /** Restore drill after each scheduled backup (default true). */
    drill: Type.Optional(Type.Boolean()),
    /** Recovery point objective: the newest verified archive must be younger (default 24 h). */
    rpoMinutes: Type.Optional(Seconds),
    /** Recovery time objective: the last drill's restore must be quicker (default 60 min). */
    rtoMinutes: Type.Optional(Seconds),
  },
  strict,
);

/** GET /metrics: open on loopback; from elsewhere it needs this bearer token's SHA-256 (hex). */
export const MetricsConfig = Type.Object(
  { tokenSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })) },
  strict,
);
// --- end ops

export const ManagementServerConfig = Type.Object(
  {
    managementGroup: GroupRef,
    database: Type.String({ minLength: 1 }),
    keyId: Type.String({ minLength: 1 }),
    listen: Type.String({ minLength: 1 }),
    workflowLeaseSeconds: Type.Optional(Seconds),
    workflowLeaseRenewSeconds: Type.Optional(Seconds),
    workflowFailover: Type.Optional(Type.Union([Type.Literal('manual'), Type.Literal('automatic')])),
    workflowFailoverGraceSeconds: Type.Optional(Seconds),
    workflows: Type.Optional(WorkflowSettingsConfig),
    limits: Type.Optional(LimitsConfig),
    backups: Type.Optional(BackupsConfig),
    metrics: Type.Optional(MetricsConfig),
  },
  strict,
);

export type ManagementServerConfig = Static<typeof ManagementServerConfig>;

/** The keys of a format-1 config that belonged to the management server although written at the top level. */
export const MANAGEMENT_SERVER_SETTING_KEYS = [
  'workflowLeaseSeconds',
  'workflowLeaseRenewSeconds',
  'workflowFailover',
  'workflowFailoverGraceSeconds',
  'workflows',
] as const;
