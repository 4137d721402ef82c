/**
 * The recovery dashboard (issue 14 items 3-4) as a console module:
 * administrators only, like GET /api/v1/recovery/readiness.
 */
import { servePageRoutes } from '../admin/serve-page-routes.js';
import type { ConsoleModule } from '../console-module.js';
import { RECOVERY_PATH, recoveryPageRoutes } from './recovery-pages.js';
import { RECOVERY_STYLES, RECOVERY_VIEWS } from './recovery-views.js';

export const recoveryModule: ConsoleModule = {
  name: 'recovery',
  nav: [{ href: RECOVERY_PATH, label: 'Recovery', role: 'administrator' }],
  views: RECOVERY_VIEWS,
  styles: RECOVERY_STYLES,
  register(app, ctx) {
    servePageRoutes(
      app,
      recoveryPageRoutes({
        db: ctx.server.db,
        // Read when asked: the server's readiness (its objectives), if it has one.
        readiness: async () => ctx.server.readiness?.(),
        liveMs: ctx.server.consoleLiveMs,
      }),
    );
  },
};
