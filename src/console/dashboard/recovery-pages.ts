/**
 * The recovery dashboard's routes (issue 14 items 3-4): the page
 * (/console/recovery) and its live region alone as an HTML fragment
 * (/console/recovery/live, polled by the console's live.js: ETag, 304 while
 * unchanged). Administrators only, like GET /api/v1/recovery/readiness.
 * Read-only.
 */
import type { Database } from '../../db/database.js';
import type { Readiness } from '../../recovery/readiness.js';
import type { PageRoute } from '../admin/page-result.js';
import { readRecoveryDashboard } from './recovery-dashboard.js';
import { LIVE_INTERVAL_MS, recoveryPageModel } from './recovery-page-model.js';

export interface RecoveryPagesContext {
  db: Database;
  /** Readiness by this server's objectives (config.json backups); undefined before the evidence tables exist. */
  readiness?: () => Promise<Readiness | undefined>;
  /** How often the page's script polls (ms); tests shorten it. */
  liveMs?: number;
}

export const RECOVERY_PATH = '/console/recovery';

export function recoveryPageRoutes(ctx: RecoveryPagesContext): PageRoute[] {
  const model = async () =>
    recoveryPageModel(await readRecoveryDashboard(ctx.db, ctx.readiness), ctx.liveMs ?? LIVE_INTERVAL_MS);
  return [
    {
      method: 'GET',
      url: RECOVERY_PATH,
      handle: async () => {
        const m = await model();
        return {
          kind: 'page',
          view: '@recovery',
          data: { ...m, title: 'Recovery dashboard', live: true },
        };
      },
    },
    {
      method: 'GET',
      url: `${RECOVERY_PATH}/live`,
      handle: async () => {
        const m = await model();
        return {
          kind: 'fragment',
          view: '@recoveryLive',
          data: m,
          headers: {},
        };
      },
    },
  ];
}
